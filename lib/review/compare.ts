/**
 * Compare a run's pairs with an imported reference dataset (e.g. the authors' released
 * Safer-Instruct data): topics, refusal share of the chosen responses, length distributions,
 * instructions that embed the source text, duplicates, and how many source texts both share.
 * Every figure is one aggregate query over the side's pairs, so a 10k-pair dataset costs a few
 * index scans, not a transfer of its text.
 */
import { db, Prisma } from '@/lib/db/client';
import { LENGTH_BUCKETS, LENGTH_FIELDS, type CompareResult, type CompareSide, type LengthField, type LengthStats } from '@/lib/review/compare-types';

type Scope = { kind: 'run' | 'dataset'; id: string };

const scopeColumn = { run: Prisma.raw('"runId"'), dataset: Prisma.raw('"datasetId"') } as const;
const lengthColumn: Record<LengthField, Prisma.Sql> = {
  instruction: Prisma.raw('"instruction"'),
  chosen: Prisma.raw('"chosen"'),
  rejected: Prisma.raw('"rejected"'),
};

/**
 * Refusal and redirection cues (Postgres regular expression, case-insensitive, \y = word
 * boundary): the same kind of phrases the simulator's judge looks for. A heuristic: it counts
 * "I can't help with that" and crisis-line referrals, not every polite deflection.
 */
const REFUSAL_SQL = String.raw`\y(i can('|’)?t|i cannot|i can not|i won('|’)?t|i will not|i('|’)m not (able|comfortable)|i am not (able|comfortable)|unable to|sorry|instead|i would suggest|i('|’)d suggest|i recommend|reach out|crisis|988|hotline|helpline|professional|legal aid|consent|respectful)\y`;

const MIN_EMBED_CHARS = 16;

/** Pairs that count: not dropped by the pipeline or by a reviewer. */
function keptPairs(scope: Scope): Prisma.Sql {
  return Prisma.sql`"Pair" WHERE ${scopeColumn[scope.kind]} = ${scope.id} AND coalesce("humanStatus", "status") <> 'DROPPED'`;
}

// Written as a raw SQL literal: a template literal would turn '\s' into 's'.
const WHITESPACE_RUNS = Prisma.raw(String.raw`'\s+'`);
const normalised = (column: Prisma.Sql) => Prisma.sql`lower(regexp_replace(btrim(${column}), ${WHITESPACE_RUNS}, ' ', 'g'))`;
const BUCKET_BOUNDS = Prisma.raw(`ARRAY[${LENGTH_BUCKETS.join(', ')}]`);

async function lengthStats(scope: Scope, field: LengthField): Promise<LengthStats> {
  const column = lengthColumn[field];
  const [row] = await db().$queryRaw<{ count: number; mean: number | null; p: number[] | null }[]>`
    SELECT count(*)::int AS "count", avg(length(${column}))::float8 AS "mean",
      percentile_cont(ARRAY[0.1, 0.5, 0.9]) WITHIN GROUP (ORDER BY length(${column}))::float8[] AS "p"
    FROM ${keptPairs(scope)} AND ${column} IS NOT NULL AND ${column} <> ''`;
  const buckets = await db().$queryRaw<{ bucket: number; count: number }[]>`
    SELECT width_bucket(length(${column}), ${BUCKET_BOUNDS})::int AS "bucket", count(*)::int AS "count"
    FROM ${keptPairs(scope)} AND ${column} IS NOT NULL AND ${column} <> '' GROUP BY 1`;
  const histogram = Array.from({ length: LENGTH_BUCKETS.length + 1 }, () => 0);
  for (const bucket of buckets) histogram[bucket.bucket] = bucket.count;
  const [p10, p50, p90] = row.p ?? [null, null, null];
  return { count: row.count, mean: row.mean, p10: p10 ?? null, p50: p50 ?? null, p90: p90 ?? null, histogram };
}

async function side(scope: Scope, name: string): Promise<CompareSide> {
  const [counts] = await db().$queryRaw<
    { pairs: number; refusals: number; withChosen: number; embeds: number; withSource: number; distinctInstructions: number; distinctSources: number }[]
  >`
    SELECT count(*)::int AS "pairs",
      count(*) FILTER (WHERE "chosen" ~* ${REFUSAL_SQL})::int AS "refusals",
      count(*) FILTER (WHERE "chosen" IS NOT NULL AND "chosen" <> '')::int AS "withChosen",
      count(*) FILTER (WHERE length(btrim("rejected")) >= ${MIN_EMBED_CHARS} AND strpos(${normalised(Prisma.raw('"instruction"'))}, ${normalised(Prisma.raw('"rejected"'))}) > 0)::int AS "embeds",
      count(*) FILTER (WHERE length(btrim("rejected")) >= ${MIN_EMBED_CHARS})::int AS "withSource",
      count(DISTINCT ${normalised(Prisma.raw('"instruction"'))})::int AS "distinctInstructions",
      count(DISTINCT md5(${normalised(Prisma.raw('"rejected"'))})) FILTER (WHERE btrim("rejected") <> '')::int AS "distinctSources"
    FROM ${keptPairs(scope)}`;
  const [duplicates] = await db().$queryRaw<{ duplicated: number }[]>`
    SELECT coalesce(sum(n), 0)::int AS "duplicated" FROM (
      SELECT count(*) AS n FROM ${keptPairs(scope)} GROUP BY ${normalised(Prisma.raw('"instruction"'))} HAVING count(*) > 1
    ) groups`;
  const topics = await db().$queryRaw<{ topic: string; count: number }[]>`
    SELECT coalesce("topic", '(none)') AS "topic", count(*)::int AS "count" FROM ${keptPairs(scope)} GROUP BY 1 ORDER BY 2 DESC, 1`;
  const lengths = Object.fromEntries(await Promise.all(LENGTH_FIELDS.map(async (field) => [field, await lengthStats(scope, field)] as const))) as Record<
    LengthField,
    LengthStats
  >;
  return {
    kind: scope.kind,
    id: scope.id,
    name,
    pairs: counts.pairs,
    topics,
    refusals: { count: counts.refusals, of: counts.withChosen },
    lengths,
    embedsSource: { count: counts.embeds, of: counts.withSource },
    duplicates: { count: duplicates.duplicated, of: counts.pairs },
    distinctSources: counts.distinctSources,
  };
}

async function sharedSources(run: Scope, dataset: Scope): Promise<number> {
  const [row] = await db().$queryRaw<{ shared: number }[]>`
    SELECT count(*)::int AS "shared" FROM (
      SELECT DISTINCT md5(${normalised(Prisma.raw('"rejected"'))}) AS h FROM ${keptPairs(run)} AND btrim("rejected") <> ''
      INTERSECT
      SELECT DISTINCT md5(${normalised(Prisma.raw('"rejected"'))}) AS h FROM ${keptPairs(dataset)} AND btrim("rejected") <> ''
    ) both_sides`;
  return row.shared;
}

export const compareDefinitions: Record<string, string> = {
  pairs: 'pairs of the run or dataset that were not dropped by the pipeline or a reviewer',
  refusals: 'chosen responses matching refusal/redirection cues (I can’t, I won’t, sorry, instead, crisis, hotline, …), of pairs with a chosen response',
  lengths: `characters; histogram buckets end at ${LENGTH_BUCKETS.join(', ')} and the last is open`,
  embedsSource: `instructions containing their pair's rejected response (the source text) verbatim, case and spacing ignored, of pairs whose rejected response has ${MIN_EMBED_CHARS}+ characters`,
  duplicates: 'pairs whose instruction (case and spacing ignored) occurs more than once on the same side',
  sourceOverlap: 'distinct rejected responses (source texts, case and spacing ignored) present on both sides',
};

/** The comparison, or null when the run or the dataset does not exist. */
export async function compareRunWithDataset(runId: string, datasetId: string): Promise<CompareResult | null> {
  const [run, dataset] = await Promise.all([
    db().run.findUnique({ where: { id: runId }, select: { id: true, name: true } }),
    db().preferenceDataset.findUnique({ where: { id: datasetId }, select: { id: true, name: true } }),
  ]);
  if (!run || !dataset) return null;
  const runScope: Scope = { kind: 'run', id: run.id };
  const datasetScope: Scope = { kind: 'dataset', id: dataset.id };
  const [runSide, datasetSide, shared] = await Promise.all([side(runScope, run.name), side(datasetScope, dataset.name), sharedSources(runScope, datasetScope)]);
  return {
    generatedAt: new Date().toISOString(),
    run: runSide,
    dataset: datasetSide,
    sourceOverlap: { shared, ofRun: runSide.distinctSources, ofDataset: datasetSide.distinctSources },
    definitions: compareDefinitions,
  };
}

/** Imported datasets to compare with, newest first. */
export async function listReferenceDatasets(limit = 200): Promise<{ id: string; name: string; pairs: number }[]> {
  const rows = await db().preferenceDataset.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true, name: true, pairCount: true } });
  return rows.map((row) => ({ id: row.id, name: row.name, pairs: row.pairCount }));
}
