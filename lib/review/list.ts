import { pairsWithVerdictsHiddenFrom, type Viewer } from '@/lib/audit/blind';
import { db, Prisma } from '@/lib/db/client';
import { likePattern, type AuditOutcomeName, type DecisionName, type FilterKey, type PairQuery, type VerdictName } from './filters';
import type { PairListRow, PairOriginName, PairPage } from './types';
import { runPagePlan, type PageSpec, type PlanOptions } from './page-plan';
import { offeredFilterKeys } from './options';

/** Characters of each text a list row carries; the detail panel loads the whole text. */
export const LIST_CLIP = 320;

type Condition = (query: PairQuery) => Prisma.Sql | null;

function verdictCondition(column: Prisma.Sql, value: PairQuery['iv']): Prisma.Sql | null {
  if (value === undefined) return null;
  return value === 'NONE' ? Prisma.sql`${column} IS NULL` : Prisma.sql`${column} = CAST(${value} AS "Verdict")`;
}

/** The text search; `indexable: false` hides it from the trigram indexes (see page-plan.ts). */
function searchCondition(query: PairQuery, indexable: boolean): Prisma.Sql | null {
  if (!query.q) return null;
  const pattern = likePattern(query.q);
  // Each ILIKE is answered by its own gin_trgm_ops index (a BitmapOr for both); `|| ''` makes
  // the expression differ from the indexed column, so the planner must test rows instead.
  const instruction = indexable ? Prisma.sql`p."instruction"` : Prisma.sql`(p."instruction" || '')`;
  const rejected = indexable ? Prisma.sql`p."rejected"` : Prisma.sql`(p."rejected" || '')`;
  const byScope = {
    all: Prisma.sql`(${instruction} ILIKE ${pattern} OR ${rejected} ILIKE ${pattern})`,
    instruction: Prisma.sql`${instruction} ILIKE ${pattern}`,
    source: Prisma.sql`${rejected} ILIKE ${pattern}`,
  } satisfies Record<PairQuery['in'], Prisma.Sql>;
  return byScope[query.in];
}

/**
 * One SQL condition per offered filter. `indexed` ones have an index Postgres can read for just
 * a range of ids ((column, id) btrees): walk or intersect those ranges in id order. The others are
 * tested on rows unless their index exists (see filtersAwaitingIndex).
 */
const filterConditions: Record<Exclude<FilterKey, 'q'>, { indexed: boolean; sql: Condition }> = {
  run: { indexed: true, sql: (q) => (q.run ? Prisma.sql`p."runId" = ${q.run}` : null) },
  dataset: { indexed: true, sql: (q) => (q.dataset ? Prisma.sql`p."datasetId" = ${q.dataset}` : null) },
  topic: { indexed: true, sql: (q) => (q.topic !== undefined ? Prisma.sql`p."topic" = ${q.topic}` : null) },
  iv: { indexed: true, sql: (q) => verdictCondition(Prisma.sql`p."instructionVerdict"`, q.iv) },
  rv: { indexed: true, sql: (q) => verdictCondition(Prisma.sql`p."responseVerdict"`, q.rv) },
  status: { indexed: true, sql: (q) => (q.status ? Prisma.sql`p."status" = CAST(${q.status} AS "PairStatus")` : null) },
  human: {
    indexed: false,
    sql: (q) => {
      if (!q.human) return null;
      const byValue = {
        NONE: Prisma.sql`p."humanStatus" IS NULL`,
        ANY: Prisma.sql`p."humanStatus" IS NOT NULL`,
        KEPT: Prisma.sql`p."humanStatus" = 'KEPT'`,
        DROPPED: Prisma.sql`p."humanStatus" = 'DROPPED'`,
      } satisfies Record<NonNullable<PairQuery['human']>, Prisma.Sql>;
      return byValue[q.human];
    },
  },
  audit: { indexed: true, sql: (q) => (q.audit ? Prisma.sql`p."auditOutcome" = CAST(${q.audit} AS "AuditOutcome")` : null) },
  edited: { indexed: true, sql: (q) => (q.edited ? Prisma.sql`p."humanEdited" = ${q.edited === 'yes'}` : null) },
  tag: { indexed: false, sql: (q) => (q.tag ? Prisma.sql`p."tags" @> ARRAY[${q.tag}]::text[]` : null) },
};

/** The filters' conditions, split into those an index answers and those tested on rows. */
function conditionsOf(query: PairQuery, hasIndex: (key: FilterKey) => boolean): { indexed: Prisma.Sql[]; residual: Prisma.Sql[] } {
  const split = { indexed: [] as Prisma.Sql[], residual: [] as Prisma.Sql[] };
  for (const [key, filter] of Object.entries(filterConditions) as [Exclude<FilterKey, 'q'>, (typeof filterConditions)[Exclude<FilterKey, 'q'>]][]) {
    const sql = filter.sql(query);
    if (sql) split[filter.indexed || hasIndex(key) ? 'indexed' : 'residual'].push(sql);
  }
  return split;
}

type RawListRow = {
  id: bigint;
  origin: PairOriginName;
  runId: string | null;
  runName: string | null;
  datasetId: string | null;
  datasetName: string | null;
  topic: string | null;
  instruction: string;
  instructionLength: number;
  chosen: string | null;
  chosenLength: number | null;
  rejected: string | null;
  rejectedLength: number | null;
  instructionVerdict: VerdictName | null;
  instructionReason: string | null;
  responseVerdict: VerdictName | null;
  responseReason: string | null;
  status: DecisionName;
  humanStatus: DecisionName | null;
  humanEdited: boolean;
  tags: string[];
  auditOutcome: AuditOutcomeName;
  simulated: boolean;
};

function clipped(text: string | null, length: number | null) {
  return text === null ? null : { text, length: length ?? text.length };
}

/**
 * One page of pairs, newest or oldest first, after a keyset cursor (the last id of the previous
 * page). Never OFFSET: page 10,000 costs what page 1 costs.
 */
export type ListOptions = PlanOptions;

/** The rows of a page, in page order, with the run and dataset names. */
async function rowsFor(ids: bigint[], descending: boolean): Promise<RawListRow[]> {
  if (!ids.length) return [];
  const order = descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  return db().$queryRaw<RawListRow[]>`
    SELECT p."id", p."origin"::text AS "origin", p."runId", r."name" AS "runName", p."datasetId", d."name" AS "datasetName", p."topic",
      left(p."instruction", ${LIST_CLIP}) AS "instruction", char_length(p."instruction") AS "instructionLength",
      left(p."chosen", ${LIST_CLIP}) AS "chosen", char_length(p."chosen") AS "chosenLength",
      left(p."rejected", ${LIST_CLIP}) AS "rejected", char_length(p."rejected") AS "rejectedLength",
      p."instructionVerdict"::text AS "instructionVerdict", left(p."instructionReason", ${LIST_CLIP}) AS "instructionReason",
      p."responseVerdict"::text AS "responseVerdict", left(p."responseReason", ${LIST_CLIP}) AS "responseReason",
      p."status"::text AS "status", p."humanStatus"::text AS "humanStatus", p."humanEdited", p."tags",
      p."auditOutcome"::text AS "auditOutcome", p."simulated"
    FROM "Pair" p
    LEFT JOIN "Run" r ON r."id" = p."runId"
    LEFT JOIN "PreferenceDataset" d ON d."id" = p."datasetId"
    WHERE p."id" = ANY(${ids.map(String)}::bigint[])
    ORDER BY p."id" ${order}`;
}

/**
 * One page of pairs, newest or oldest first, after a keyset cursor (the last id of the previous
 * page). Never OFFSET: page 10,000 costs what page 1 costs. The page's ids are chosen first from
 * the indexes alone (narrow rows make index-only plans attractive), then its rows are read.
 * Unmasked: what a user sees goes through `listPairsFor`.
 */
export async function listPairs(query: PairQuery, options: ListOptions = {}): Promise<PairPage> {
  const descending = query.sort === 'new';
  // Human decision and tags join the indexed filters once a migration adds their indexes.
  const withIndex = new Set<FilterKey>(await offeredFilterKeys());
  const spec: PageSpec = {
    ...conditionsOf(query, (key) => withIndex.has(key)),
    search: query.q === undefined ? null : (indexable) => searchCondition(query, indexable) ?? Prisma.sql`TRUE`,
    limit: query.limit + 1,
    descending,
    cursor: query.after === undefined ? null : BigInt(query.after),
  };
  const { ids, resumeAfter } = await runPagePlan(spec, options);
  const rows = await rowsFor(ids, descending);
  const hasMore = rows.length > query.limit;
  const pageRows = hasMore ? rows.slice(0, query.limit) : rows;
  const nextCursor = hasMore ? pageRows[pageRows.length - 1].id.toString() : resumeAfter === null ? null : resumeAfter.toString();
  return {
    rows: pageRows.map(
      (row): PairListRow => ({
        id: row.id.toString(),
        origin: row.origin,
        runId: row.runId,
        runName: row.runName,
        datasetId: row.datasetId,
        datasetName: row.datasetName,
        topic: row.topic,
        instruction: { text: row.instruction, length: row.instructionLength },
        chosen: clipped(row.chosen, row.chosenLength),
        rejected: clipped(row.rejected, row.rejectedLength),
        instructionVerdict: row.instructionVerdict,
        instructionReason: row.instructionReason,
        responseVerdict: row.responseVerdict,
        responseReason: row.responseReason,
        status: row.status,
        automaticHidden: false,
        humanStatus: row.humanStatus,
        humanEdited: row.humanEdited,
        tags: row.tags,
        auditOutcome: row.auditOutcome,
        simulated: row.simulated,
      }),
    ),
    nextCursor,
    partial: !hasMore && resumeAfter !== null,
  };
}

/**
 * `listPairs` as `viewer` may see it: rows of pairs a blind audit hides from them (see
 * lib/audit/blind.ts) come without verdicts, reasons or the pipeline's decision, and are left out
 * when the query filters on those (a match would tell the verdict). Route handlers use this.
 */
export async function listPairsFor(viewer: Viewer, query: PairQuery, options: ListOptions = {}): Promise<PairPage> {
  const page = await listPairs(query, options);
  const hidden = await pairsWithVerdictsHiddenFrom(viewer, page.rows.map((row) => BigInt(row.id)));
  if (hidden.size === 0) return page;
  const filtersOnAutomatic = query.iv !== undefined || query.rv !== undefined || query.status !== undefined;
  // The cursor stays the unfiltered page's: paging goes on after the rows left out.
  const visible = filtersOnAutomatic ? page.rows.filter((row) => !hidden.has(row.id)) : page.rows;
  return {
    ...page,
    rows: visible.map((row) =>
      hidden.has(row.id)
        ? { ...row, automaticHidden: true, instructionVerdict: null, instructionReason: null, responseVerdict: null, responseReason: null, status: null }
        : row,
    ),
  };
}
