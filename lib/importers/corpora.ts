import { z } from 'zod';

import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { db, Prisma } from '@/lib/db/client';
import { UserFacingError } from '@/lib/errors';

import type { ImportStatusName } from './jobs/queries';

/** Deleting a big corpus removes every text in one transaction. */
const deleteTransaction = { maxWait: 10_000, timeout: 10 * 60_000 };

export type TopicCount = { topic: string; count: number };

export type CorpusSummary = {
  id: string;
  name: string;
  description: string | null;
  itemCount: number;
  duplicateCount: number;
  createdAt: string;
  /** The first topics in alphabetical order (at most 12). */
  topics: string[];
  /** Set while an import into it runs, or when one was interrupted (its texts are incomplete). */
  importState: Extract<ImportStatusName, 'RUNNING' | 'FAILED'> | null;
};

export type DatasetSummary = { id: string; name: string; description: string | null; pairCount: number; createdAt: string; importState: Extract<ImportStatusName, 'RUNNING' | 'FAILED'> | null };

/** Imports that leave a corpus or dataset incomplete, by target id. */
async function incompleteImports(column: 'corpusId' | 'datasetId', ids: string[]): Promise<Map<string, 'RUNNING' | 'FAILED'>> {
  if (ids.length === 0) return new Map();
  const rows = await db().import.findMany({
    where: { [column]: { in: ids }, OR: [{ status: 'RUNNING' }, { status: 'FAILED', rowsInserted: { gt: 0 } }] },
    select: { corpusId: true, datasetId: true, status: true },
  });
  const states = new Map<string, 'RUNNING' | 'FAILED'>();
  for (const row of rows) {
    const id = row[column];
    if (id && (row.status === 'RUNNING' || !states.has(id))) states.set(id, row.status === 'RUNNING' ? 'RUNNING' : 'FAILED');
  }
  return states;
}

export async function listCorpora(): Promise<CorpusSummary[]> {
  const corpora = await db().corpus.findMany({ orderBy: { createdAt: 'desc' } });
  if (corpora.length === 0) return [];
  // Distinct topics by skipping through the (corpusId, topic, id) index: cheap even for millions of texts.
  const topicRows = await db().$queryRaw<{ id: string; topics: string[] | null }[]>`
    SELECT c.id, t.topics FROM "Corpus" c
    LEFT JOIN LATERAL (
      WITH RECURSIVE found(topic) AS (
        (SELECT topic FROM "SourceText" WHERE "corpusId" = c.id ORDER BY topic LIMIT 1)
        UNION ALL
        SELECT (SELECT s.topic FROM "SourceText" s WHERE s."corpusId" = c.id AND s.topic > found.topic ORDER BY s.topic LIMIT 1)
        FROM found WHERE found.topic IS NOT NULL
      )
      SELECT array_agg(topic) AS topics FROM (SELECT topic FROM found WHERE topic IS NOT NULL LIMIT 12) limited
    ) t ON true
    WHERE c.id IN (${Prisma.join(corpora.map((corpus) => corpus.id))})`;
  const topics = new Map(topicRows.map((row) => [row.id, row.topics ?? []]));
  const states = await incompleteImports('corpusId', corpora.map((corpus) => corpus.id));
  return corpora.map((corpus) => ({
    id: corpus.id,
    name: corpus.name,
    description: corpus.description,
    itemCount: corpus.itemCount,
    duplicateCount: corpus.duplicateCount,
    createdAt: corpus.createdAt.toISOString(),
    topics: topics.get(corpus.id) ?? [],
    importState: states.get(corpus.id) ?? null,
  }));
}

/** For "import into an existing corpus". */
export async function listCorpusNames(): Promise<{ id: string; name: string }[]> {
  return db().corpus.findMany({ select: { id: true, name: true }, orderBy: { name: 'asc' } });
}

export async function listDatasets(): Promise<DatasetSummary[]> {
  const datasets = await db().preferenceDataset.findMany({ orderBy: { createdAt: 'desc' } });
  const states = await incompleteImports('datasetId', datasets.map((dataset) => dataset.id));
  return datasets.map((dataset) => ({
    id: dataset.id,
    name: dataset.name,
    description: dataset.description,
    pairCount: dataset.pairCount,
    createdAt: dataset.createdAt.toISOString(),
    importState: states.get(dataset.id) ?? null,
  }));
}

export type CorpusDetail = CorpusSummary & { topicCounts: TopicCount[] };

export async function getCorpus(corpusId: string): Promise<CorpusDetail | null> {
  const corpus = await db().corpus.findUnique({ where: { id: corpusId } });
  if (!corpus) return null;
  const topicCounts = await db().$queryRaw<TopicCount[]>`
    SELECT topic, count(*)::int AS count FROM "SourceText" WHERE "corpusId" = ${corpusId} GROUP BY topic ORDER BY count(*) DESC, topic`;
  const states = await incompleteImports('corpusId', [corpusId]);
  return {
    id: corpus.id,
    name: corpus.name,
    description: corpus.description,
    itemCount: corpus.itemCount,
    duplicateCount: corpus.duplicateCount,
    createdAt: corpus.createdAt.toISOString(),
    topics: topicCounts.map((row) => row.topic),
    topicCounts,
    importState: states.get(corpusId) ?? null,
  };
}

export type DatasetDetail = DatasetSummary & { topicCounts: { topic: string | null; count: number }[]; missingChosen: number; missingRejected: number };

export async function getDataset(datasetId: string): Promise<DatasetDetail | null> {
  const dataset = await db().preferenceDataset.findUnique({ where: { id: datasetId } });
  if (!dataset) return null;
  const topicCounts = await db().$queryRaw<{ topic: string | null; count: number }[]>`
    SELECT topic, count(*)::int AS count FROM "Pair" WHERE "datasetId" = ${datasetId} GROUP BY topic ORDER BY count(*) DESC, topic`;
  const [missing] = await db().$queryRaw<{ chosen: number; rejected: number }[]>`
    SELECT count(*) FILTER (WHERE chosen IS NULL)::int AS chosen, count(*) FILTER (WHERE rejected IS NULL)::int AS rejected
    FROM "Pair" WHERE "datasetId" = ${datasetId}`;
  const states = await incompleteImports('datasetId', [datasetId]);
  return {
    id: dataset.id,
    name: dataset.name,
    description: dataset.description,
    pairCount: dataset.pairCount,
    createdAt: dataset.createdAt.toISOString(),
    importState: states.get(datasetId) ?? null,
    topicCounts,
    missingChosen: missing?.chosen ?? 0,
    missingRejected: missing?.rejected ?? 0,
  };
}

/** A keyset page: `after` (next page) or `before` (previous page) is the id of the row at the edge. */
export type PageRequest = { after?: bigint | null; before?: bigint | null; limit?: number };
export type Page<T> = { items: T[]; nextAfter: string | null; prevBefore: string | null };

/** `%…%` for ILIKE, with the user's own % _ \ taken literally. */
export function containsPattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

async function keysetPage<T extends { id: bigint }>(
  request: PageRequest,
  fetch: (edge: Prisma.Sql, order: Prisma.Sql, limit: number) => Promise<T[]>,
): Promise<Page<T>> {
  const limit = Math.min(Math.max(request.limit ?? 25, 1), 200);
  const backwards = request.before != null;
  const edge = backwards ? Prisma.sql`AND id < ${request.before}` : request.after != null ? Prisma.sql`AND id > ${request.after}` : Prisma.empty;
  const rows = await fetch(edge, backwards ? Prisma.sql`DESC` : Prisma.sql`ASC`, limit + 1);
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  if (backwards) items.reverse();
  const first = items[0]?.id.toString() ?? null;
  const last = items[items.length - 1]?.id.toString() ?? null;
  return {
    items,
    nextAfter: backwards ? last : more ? last : null,
    prevBefore: backwards ? (more ? first : null) : request.after != null ? first : null,
  };
}

export type SourceTextItem = { id: bigint; text: string; topic: string; externalId: string | null; metadata: unknown; line: number | null };

/** Texts of a corpus in import order; `query` matches anywhere in the text, case-insensitively (trigram index). */
export async function listSourceTexts(corpusId: string, filter: { query?: string | null; topic?: string | null }, request: PageRequest): Promise<Page<SourceTextItem>> {
  const topic = filter.topic ? Prisma.sql`AND topic = ${filter.topic}` : Prisma.empty;
  const search = filter.query ? Prisma.sql`AND text ILIKE ${containsPattern(filter.query)}` : Prisma.empty;
  return keysetPage(request, (edge, order, limit) =>
    db().$queryRaw<SourceTextItem[]>`
      SELECT id, text, topic, "externalId", metadata, line FROM "SourceText"
      WHERE "corpusId" = ${corpusId} ${topic} ${search} ${edge}
      ORDER BY id ${order} LIMIT ${limit}`,
  );
}

export type PairItem = { id: bigint; instruction: string; chosen: string | null; rejected: string | null; topic: string | null; externalId: string | null; metadata: unknown };

export async function listDatasetPairs(datasetId: string, filter: { query?: string | null; topic?: string | null }, request: PageRequest): Promise<Page<PairItem>> {
  const topic = filter.topic ? Prisma.sql`AND topic = ${filter.topic}` : Prisma.empty;
  const pattern = filter.query ? containsPattern(filter.query) : null;
  const search = pattern ? Prisma.sql`AND (instruction ILIKE ${pattern} OR rejected ILIKE ${pattern} OR chosen ILIKE ${pattern})` : Prisma.empty;
  return keysetPage(request, (edge, order, limit) =>
    db().$queryRaw<PairItem[]>`
      SELECT id, instruction, chosen, rejected, topic, "externalId", metadata FROM "Pair"
      WHERE "datasetId" = ${datasetId} ${topic} ${search} ${edge}
      ORDER BY id ${order} LIMIT ${limit}`,
  );
}

async function assertNoRunningImport(tx: Prisma.TransactionClient, where: { corpusId: string } | { datasetId: string }): Promise<void> {
  const running = await tx.import.findFirst({ where: { ...where, status: 'RUNNING' }, select: { id: true } });
  if (running) throw new UserFacingError('An import into it is running; cancel the import first.');
}

/** Deletes a corpus with its texts and imports; the typed name guards against the wrong click. */
export async function deleteCorpus(corpusId: string, confirmName: string, actor: AuditActor): Promise<void> {
  await db().$transaction(async (tx) => {
    const corpus = await tx.corpus.findUnique({ where: { id: corpusId } });
    if (!corpus) throw new UserFacingError('This corpus no longer exists.');
    if (confirmName.trim() !== corpus.name.trim()) throw new UserFacingError('Type the name of the corpus exactly to confirm.');
    await assertNoRunningImport(tx, { corpusId });
    await tx.corpus.delete({ where: { id: corpusId } });
    await recordAudit(
      { actor, action: 'corpus.delete', targetType: 'Corpus', targetId: corpusId, before: { name: corpus.name, itemCount: corpus.itemCount, duplicateCount: corpus.duplicateCount } },
      tx,
    );
  }, deleteTransaction);
}

export async function deleteDataset(datasetId: string, confirmName: string, actor: AuditActor): Promise<void> {
  await db().$transaction(async (tx) => {
    const dataset = await tx.preferenceDataset.findUnique({ where: { id: datasetId } });
    if (!dataset) throw new UserFacingError('This dataset no longer exists.');
    if (confirmName.trim() !== dataset.name.trim()) throw new UserFacingError('Type the name of the dataset exactly to confirm.');
    await assertNoRunningImport(tx, { datasetId });
    await tx.preferenceDataset.delete({ where: { id: datasetId } });
    await recordAudit({ actor, action: 'dataset.delete', targetType: 'PreferenceDataset', targetId: datasetId, before: { name: dataset.name, pairCount: dataset.pairCount } }, tx);
  }, deleteTransaction);
}

/** True when nothing has been imported yet (the page then offers the sample corpus). */
export async function hasNoData(): Promise<boolean> {
  const [corpora, datasets] = await Promise.all([db().corpus.count(), db().preferenceDataset.count()]);
  return corpora === 0 && datasets === 0;
}

const pageCursor = z
  .string()
  .regex(/^\d{1,19}$/)
  .transform((value) => BigInt(value))
  .optional()
  .catch(undefined);
const browseParamsSchema = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  topic: z.string().trim().max(200).optional().catch(undefined),
  after: pageCursor,
  before: pageCursor,
});

/** Search parameters of a browse page (bad values are ignored, not errors). */
export function parseBrowseParams(params: Record<string, string | string[] | undefined>): { query: string | null; topic: string | null; after: bigint | null; before: bigint | null } {
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const parsed = browseParamsSchema.parse({ q: first(params.q), topic: first(params.topic), after: first(params.after), before: first(params.before) });
  return { query: parsed.q || null, topic: parsed.topic || null, after: parsed.after ?? null, before: parsed.before ?? null };
}

/** Metadata as readable JSON text for display (never rendered as HTML). */
export function metadataText(metadata: unknown): string | null {
  return metadata === null || metadata === undefined ? null : JSON.stringify(metadata, null, 2);
}
