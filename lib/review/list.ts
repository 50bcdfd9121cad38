import { db, Prisma } from '@/lib/db/client';
import { likePattern, type AuditOutcomeName, type DecisionName, type FilterKey, type PairQuery, type VerdictName } from './filters';
import type { PairListRow, PairOriginName, PairPage } from './types';

/** Characters of each text a list row carries; the detail panel loads the whole text. */
export const LIST_CLIP = 320;

type Condition = (query: PairQuery) => Prisma.Sql | null;

function verdictCondition(column: Prisma.Sql, value: PairQuery['iv']): Prisma.Sql | null {
  if (value === undefined) return null;
  return value === 'NONE' ? Prisma.sql`${column} IS NULL` : Prisma.sql`${column} = CAST(${value} AS "Verdict")`;
}

function searchCondition(query: PairQuery): Prisma.Sql | null {
  if (!query.q) return null;
  const pattern = likePattern(query.q);
  // Each ILIKE is answered by its own gin_trgm_ops index (a BitmapOr for both).
  const byScope = {
    all: Prisma.sql`(p."instruction" ILIKE ${pattern} OR p."rejected" ILIKE ${pattern})`,
    instruction: Prisma.sql`p."instruction" ILIKE ${pattern}`,
    source: Prisma.sql`p."rejected" ILIKE ${pattern}`,
  } satisfies Record<PairQuery['in'], Prisma.Sql>;
  return byScope[query.in];
}

/**
 * One SQL condition per offered filter. Each equality filter has a (column, id) index, so
 * Postgres can walk it in id order and stop after one page.
 */
export const filterConditions: Record<FilterKey, Condition> = {
  run: (q) => (q.run ? Prisma.sql`p."runId" = ${q.run}` : null),
  dataset: (q) => (q.dataset ? Prisma.sql`p."datasetId" = ${q.dataset}` : null),
  topic: (q) => (q.topic !== undefined ? Prisma.sql`p."topic" = ${q.topic}` : null),
  iv: (q) => verdictCondition(Prisma.sql`p."instructionVerdict"`, q.iv),
  rv: (q) => verdictCondition(Prisma.sql`p."responseVerdict"`, q.rv),
  status: (q) => (q.status ? Prisma.sql`p."status" = CAST(${q.status} AS "PairStatus")` : null),
  human: (q) => {
    if (!q.human) return null;
    const byValue = {
      NONE: Prisma.sql`p."humanStatus" IS NULL`,
      ANY: Prisma.sql`p."humanStatus" IS NOT NULL`,
      KEPT: Prisma.sql`p."humanStatus" = 'KEPT'`,
      DROPPED: Prisma.sql`p."humanStatus" = 'DROPPED'`,
    } satisfies Record<NonNullable<PairQuery['human']>, Prisma.Sql>;
    return byValue[q.human];
  },
  audit: (q) => (q.audit ? Prisma.sql`p."auditOutcome" = CAST(${q.audit} AS "AuditOutcome")` : null),
  edited: (q) => (q.edited ? Prisma.sql`p."humanEdited" = ${q.edited === 'yes'}` : null),
  tag: (q) => (q.tag ? Prisma.sql`p."tags" @> ARRAY[${q.tag}]::text[]` : null),
  q: searchCondition,
};

function conditionsOf(query: PairQuery): Prisma.Sql[] {
  return Object.values(filterConditions)
    .map((condition) => condition(query))
    .filter((part): part is Prisma.Sql => part !== null);
}

/** The WHERE clause of a query without its cursor. */
export function pairWhere(query: PairQuery): Prisma.Sql {
  const parts = conditionsOf(query);
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}

/**
 * How long the planner's first choice may run. Postgres assumes filters are independent; when
 * they are not (an imported dataset has no DROPPED pairs, say) it walks an id-ordered index
 * expecting a page soon and reads the whole table instead.
 */
export const ORDERED_PLAN_BUDGET_MS = 150;
const FALLBACK_TIMEOUT_MS = 15_000;

function isStatementTimeout(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const adapterError = (error.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined)?.driverAdapterError;
  return adapterError?.cause?.originalCode === '57014';
}

function setLocal(name: string, value: string) {
  return db().$executeRaw`SELECT set_config(${name}, ${value}, true)`;
}

/**
 * Runs a filtered page query with the planner's plan under a time budget; past it, runs it again
 * with bitmap scans only, which intersect the filters' indexes first — fast exactly when the
 * filters match few rows, which is when the first plan is slow.
 */
async function runGuarded<T>(sql: Prisma.Sql, guarded: boolean, options: ListOptions): Promise<T[]> {
  if (!guarded) return db().$queryRaw<T[]>(sql);
  try {
    const [, rows] = await db().$transaction([setLocal('statement_timeout', String(options.planBudgetMs ?? ORDERED_PLAN_BUDGET_MS)), db().$queryRaw<T[]>(sql)]);
    return rows;
  } catch (error) {
    if (!isStatementTimeout(error)) throw error;
  }
  options.onFallback?.();
  const [, , , rows] = await db().$transaction([
    setLocal('statement_timeout', String(FALLBACK_TIMEOUT_MS)),
    setLocal('enable_indexscan', 'off'),
    setLocal('enable_seqscan', 'off'),
    db().$queryRaw<T[]>(sql),
  ]);
  return rows;
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
export type ListOptions = { planBudgetMs?: number; onFallback?: () => void };

export async function listPairs(query: PairQuery, options: ListOptions = {}): Promise<PairPage> {
  const descending = query.sort === 'new';
  const cursor = query.after === undefined ? Prisma.sql`TRUE` : descending ? Prisma.sql`p."id" < ${BigInt(query.after)}` : Prisma.sql`p."id" > ${BigInt(query.after)}`;
  const order = descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  // Names are joined after the LIMIT so the page is chosen from Pair's indexes alone.
  const conditions = conditionsOf(query);
  const where = conditions.length ? Prisma.join(conditions, ' AND ') : Prisma.sql`TRUE`;
  // One equality filter walks its own (column, id) index in order: nothing to guard.
  const guarded = conditions.length > 1 || query.q !== undefined;
  const rows = await runGuarded<RawListRow>(
    Prisma.sql`
    SELECT page.*, r."name" AS "runName", d."name" AS "datasetName"
    FROM (
      SELECT p."id", p."origin"::text AS "origin", p."runId", p."datasetId", p."topic",
        left(p."instruction", ${LIST_CLIP}) AS "instruction", char_length(p."instruction") AS "instructionLength",
        left(p."chosen", ${LIST_CLIP}) AS "chosen", char_length(p."chosen") AS "chosenLength",
        left(p."rejected", ${LIST_CLIP}) AS "rejected", char_length(p."rejected") AS "rejectedLength",
        p."instructionVerdict"::text AS "instructionVerdict", left(p."instructionReason", ${LIST_CLIP}) AS "instructionReason",
        p."responseVerdict"::text AS "responseVerdict", left(p."responseReason", ${LIST_CLIP}) AS "responseReason",
        p."status"::text AS "status", p."humanStatus"::text AS "humanStatus", p."humanEdited", p."tags",
        p."auditOutcome"::text AS "auditOutcome", p."simulated"
      FROM "Pair" p
      WHERE ${where} AND ${cursor}
      ORDER BY p."id" ${order}
      LIMIT ${query.limit + 1}
    ) page
    LEFT JOIN "Run" r ON r."id" = page."runId"
    LEFT JOIN "PreferenceDataset" d ON d."id" = page."datasetId"
    ORDER BY page."id" ${order}`,
    guarded,
    options,
  );
  const hasMore = rows.length > query.limit;
  const pageRows = hasMore ? rows.slice(0, query.limit) : rows;
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
        humanStatus: row.humanStatus,
        humanEdited: row.humanEdited,
        tags: row.tags,
        auditOutcome: row.auditOutcome,
        simulated: row.simulated,
      }),
    ),
    nextCursor: hasMore ? pageRows[pageRows.length - 1].id.toString() : null,
  };
}
