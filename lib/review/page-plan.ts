import { db, Prisma } from '@/lib/db/client';

/**
 * Why list queries need more than "WHERE filters ORDER BY id LIMIT n": Postgres assumes filters
 * are independent of each other and of the id order. When they are not (an imported dataset has
 * no DROPPED pairs; a filter's matches all sit in old ids) its plan walks an id-ordered index
 * expecting a page soon and reads most of the table instead; and it can only guess how many
 * rows a '%term%' search matches. So a filtered page runs the planner's plan under a time
 * budget, and past it a plan whose cost does not depend on those estimates.
 */

export type PageSpec = {
  /** Conditions an index answers for any range of ids ((column, id) btrees; the tags GIN once it exists). */
  indexed: Prisma.Sql[];
  /** Conditions tested on rows. */
  residual: Prisma.Sql[];
  /** The text search; `indexable` lets the trigram indexes answer it. */
  search: ((indexable: boolean) => Prisma.Sql) | null;
  limit: number;
  descending: boolean;
  /** Exclusive keyset cursor, when paging on from a previous page. */
  cursor: bigint | null;
};

export type Fallback = 'windows' | 'bitmaps';
export type PlanOptions = { planBudgetMs?: number; windowsBudgetMs?: number; onFallback?: (fallback: Fallback) => void };
export type IdRow = { id: bigint };
/** The page's ids; `resumeAfter` is set when the scan stopped at its time budget before filling the page. */
export type PageIds = { ids: bigint[]; resumeAfter: bigint | null };
type Tx = Prisma.TransactionClient;

export const PLAN_BUDGET_MS = 80;
/** A trigram search legitimately takes longer (reading posting lists, rechecking rows). */
export const SEARCH_PLAN_BUDGET_MS = 100;
/**
 * Wall time a whole search request may take: the planner's plan, then one fallback in what is
 * left, past which the page comes back short with a cursor. With the planner's plan at 150 ms,
 * a 0.5 % sample and an unbounded bitmap scan after it, the slowest searches (a rare word, or one
 * matching a few thousand rows, with filters) took 450–500 ms and set the p95 (bench:review).
 */
export const SEARCH_BUDGET_MS = 220;
/** Even a search past its budget gets this long for the trigram plan before its windows. */
const MIN_BITMAP_MS = 40;
const FALLBACK_TIMEOUT_MS = 15_000;
/** Id windows: small first (dense matches fill a page at once), growing ×4 up to a bound on work per query. */
const FIRST_WINDOW = 16_384n;
const MAX_WINDOW = 65_536n;
/**
 * Wall time the windows may take before the page comes back short, with a cursor to continue
 * from where the scan stopped ("searched down to pair n"). Bounds every request, whatever the
 * combination of filters.
 */
export const WINDOWS_BUDGET_MS = 200;

function and(parts: Prisma.Sql[]): Prisma.Sql {
  return parts.length ? Prisma.join(parts, ' AND ') : Prisma.sql`TRUE`;
}

function direction(spec: PageSpec): Prisma.Sql {
  return spec.descending ? Prisma.sql`DESC` : Prisma.sql`ASC`;
}

/** The whole page in one query, for the planner to plan as it likes. */
export function pageSql(spec: PageSpec): Prisma.Sql {
  const cursor = spec.cursor === null ? Prisma.sql`TRUE` : spec.descending ? Prisma.sql`p."id" < ${spec.cursor}` : Prisma.sql`p."id" > ${spec.cursor}`;
  const conditions = [...spec.indexed, ...spec.residual, ...(spec.search ? [spec.search(true)] : [])];
  return Prisma.sql`SELECT p."id" FROM "Pair" p WHERE ${and(conditions)} AND ${cursor} ORDER BY p."id" ${direction(spec)} LIMIT ${spec.limit}`;
}

/**
 * The matches in ids [lo, hi): each indexed filter read from its own (column, id) index over
 * just that range (index-only, no table access), the id lists intersected, and only the
 * survivors read from the table for the remaining conditions. The work is bounded by the range
 * whatever the planner believes.
 */
function windowSql(spec: PageSpec, lo: bigint, hi: bigint, limit: number): Prisma.Sql {
  const range = Prisma.sql`p."id" >= ${lo} AND p."id" < ${hi}`;
  const rest = [...spec.residual, ...(spec.search ? [spec.search(false)] : [])];
  if (!spec.indexed.length) return Prisma.sql`SELECT p."id" FROM "Pair" p WHERE ${range} AND ${and(rest)} ORDER BY p."id" ${direction(spec)} LIMIT ${limit}`;
  // OFFSET 0 keeps each branch a query of its own: merged into one scan, the planner would
  // again test every row of the window against all the filters.
  const branches = spec.indexed.map((condition) => Prisma.sql`(SELECT p."id" FROM "Pair" p WHERE ${condition} AND ${range} ORDER BY p."id" ${direction(spec)} OFFSET 0)`);
  const candidates = Prisma.join(branches, ' INTERSECT ');
  if (!rest.length) return Prisma.sql`SELECT w."id" FROM (${candidates}) w ORDER BY w."id" ${direction(spec)} LIMIT ${limit}`;
  // The range again on the joined table: otherwise a merge join may walk its whole primary key.
  return Prisma.sql`SELECT p."id" FROM (${candidates}) w JOIN "Pair" p ON p."id" = w."id" WHERE ${range} AND ${and(rest)} ORDER BY p."id" ${direction(spec)} LIMIT ${limit}`;
}

/**
 * Id windows walked from the cursor: small first, growing while they come back sparse. The first
 * window always completes (so every request makes progress); later ones get what is left of the
 * budget, and the page comes back short with a cursor where the scan stopped.
 */
async function windows(tx: Tx, spec: PageSpec, budgetMs: number): Promise<PageIds> {
  const started = Date.now();
  const [bounds] = await tx.$queryRaw<{ min: bigint | null; max: bigint | null }[]>`SELECT min("id") AS "min", max("id") AS "max" FROM "Pair"`;
  if (bounds.min === null || bounds.max === null) return { ids: [], resumeAfter: null };
  const { min, max } = bounds;
  // Index scans come out in id order: merge them and stream the survivors instead of hashing whole windows.
  await tx.$queryRaw`SELECT set_config('enable_hashagg', 'off', true), set_config('enable_hashjoin', 'off', true)`;
  const ids: bigint[] = [];
  let size = FIRST_WINDOW;
  let first = true;
  /** Scans [lo, hi); false when the budget ran out before the window was done. */
  const take = async (lo: bigint, hi: bigint): Promise<boolean> => {
    if (!first) {
      const left = budgetMs - (Date.now() - started);
      if (left <= 0) return false;
      await tx.$queryRaw`SELECT set_config('statement_timeout', ${String(left)}, true)`;
    }
    first = false;
    try {
      const rows = await tx.$queryRaw<IdRow[]>(windowSql(spec, lo, hi, spec.limit - ids.length));
      ids.push(...rows.map((row) => row.id));
    } catch (error) {
      if (isStatementTimeout(error)) return false;
      throw error;
    }
    size = size * 4n > MAX_WINDOW ? MAX_WINDOW : size * 4n;
    return true;
  };
  // Windows start at the nearest existing id, so gaps in the ids (deleted datasets) cost nothing.
  const nearestBelow = async (bound: bigint) => (await tx.$queryRaw<{ id: bigint | null }[]>`SELECT max("id") AS "id" FROM "Pair" WHERE "id" < ${bound}`)[0].id;
  const nearestAbove = async (bound: bigint) => (await tx.$queryRaw<{ id: bigint | null }[]>`SELECT min("id") AS "id" FROM "Pair" WHERE "id" >= ${bound}`)[0].id;
  if (spec.descending) {
    let hi = spec.cursor === null || spec.cursor > max ? max + 1n : spec.cursor;
    while (ids.length < spec.limit && hi > min) {
      const top = await nearestBelow(hi);
      if (top === null) break;
      hi = top + 1n;
      const lo = hi - size > min ? hi - size : min;
      if (!(await take(lo, hi))) return { ids, resumeAfter: hi };
      hi = lo;
    }
  } else {
    let lo = spec.cursor === null || spec.cursor < min ? min : spec.cursor + 1n;
    while (ids.length < spec.limit && lo <= max) {
      const bottom = await nearestAbove(lo);
      if (bottom === null) break;
      lo = bottom;
      const hi = lo + size;
      if (!(await take(lo, hi))) return { ids, resumeAfter: lo - 1n };
      lo = hi;
    }
  }
  return { ids, resumeAfter: null };
}

async function allAtOnce(tx: Tx, spec: PageSpec): Promise<PageIds> {
  const rows = await tx.$queryRaw<IdRow[]>(pageSql(spec));
  return { ids: rows.map((row) => row.id), resumeAfter: null };
}

/**
 * A search matching fewer rows than estimated: let the trigram indexes find them, within the
 * budget. A term matching more rows than that allows (every match is rechecked on its row) goes
 * on in id windows, whose first window always completes.
 */
async function bitmaps(tx: Tx, spec: PageSpec, budgetMs: number): Promise<PageIds> {
  const started = Date.now();
  await tx.$queryRaw`SAVEPOINT page_bitmaps`;
  try {
    await tx.$queryRaw`SELECT set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true), set_config('enable_seqscan', 'off', true),
      set_config('statement_timeout', ${String(Math.max(MIN_BITMAP_MS, budgetMs))}, true)`;
    const page = await allAtOnce(tx, spec);
    await tx.$queryRaw`RELEASE SAVEPOINT page_bitmaps`;
    return page;
  } catch (error) {
    if (!isStatementTimeout(error)) throw error;
    // Also undoes the settings above.
    await tx.$queryRaw`ROLLBACK TO SAVEPOINT page_bitmaps`;
    return windows(tx, spec, budgetMs - (Date.now() - started));
  }
}

const fallbacks: Record<Fallback, (tx: Tx, spec: PageSpec, budgetMs: number) => Promise<PageIds>> = { windows, bitmaps };

/**
 * Share of sampled rows a term must match for "test rows until the page is full" to beat the
 * trigram index: at 0.1 % that is ~50,000 rows (≈ 250 ms); rarer terms, or terms whose trigrams
 * are common ("and the"), are cheaper through the index.
 */
const DENSE_SEARCH = 0.001;

/**
 * Which plan follows a planner's plan that overran. Filters alone: intersect their index ranges
 * window by window. With a search, the plan that overran tells which way the planner's guess of
 * the term's frequency was wrong (it can only guess it for '%term%'): trigram bitmaps that overran
 * found more matches than it thought, which windows find soonest by testing rows; an id-ordered
 * walk that overran met fewer, which the trigram bitmaps find. Looking at the plan takes a few ms;
 * measuring the frequency on a sample, as when no plan ran (`planBudgetMs: 0`), took ~70 ms.
 */
async function chooseFallback(tx: Tx, spec: PageSpec, plannerRan: boolean): Promise<Fallback> {
  if (!spec.search) return 'windows';
  if (plannerRan) {
    const plan = await tx.$queryRaw<{ 'QUERY PLAN': string }[]>(Prisma.sql`EXPLAIN ${pageSql(spec)}`);
    return plan.some((line) => line['QUERY PLAN'].includes('Bitmap Heap Scan')) ? 'windows' : 'bitmaps';
  }
  const [sample] = await tx.$queryRaw<{ hits: number; rows: number }[]>`
    SELECT count(*) FILTER (WHERE ${spec.search(false)})::int AS "hits", count(*)::int AS "rows" FROM "Pair" p TABLESAMPLE SYSTEM (0.5)`;
  return sample.rows > 0 && sample.hits / sample.rows >= DENSE_SEARCH ? 'windows' : 'bitmaps';
}

function isStatementTimeout(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const adapterError = (error.meta as { driverAdapterError?: { cause?: { originalCode?: string } } } | undefined)?.driverAdapterError;
  return adapterError?.cause?.originalCode === '57014';
}

/** The ids of one page: unfiltered straight from the primary key; filtered within the budget, else bounded. */
export async function runPagePlan(spec: PageSpec, options: PlanOptions = {}): Promise<PageIds> {
  const started = Date.now();
  if (!spec.indexed.length && !spec.residual.length && !spec.search) {
    const rows = await db().$queryRaw<IdRow[]>(pageSql(spec));
    return { ids: rows.map((row) => row.id), resumeAfter: null };
  }
  const budget = options.planBudgetMs ?? (spec.search ? SEARCH_PLAN_BUDGET_MS : PLAN_BUDGET_MS);
  // A budget of 0 skips the planner's plan (tests and diagnostics of the fallbacks).
  if (budget > 0) {
    try {
      const [, rows] = await db().$transaction([db().$queryRaw`SELECT set_config('statement_timeout', ${String(budget)}, true)`, db().$queryRaw<IdRow[]>(pageSql(spec))]);
      return { ids: rows.map((row) => row.id), resumeAfter: null };
    } catch (error) {
      if (!isStatementTimeout(error)) throw error;
    }
  }
  return db().$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT set_config('statement_timeout', ${String(FALLBACK_TIMEOUT_MS)}, true)`;
      const fallback = await chooseFallback(tx, spec, budget > 0);
      options.onFallback?.(fallback);
      const left = spec.search ? SEARCH_BUDGET_MS - (Date.now() - started) : WINDOWS_BUDGET_MS;
      return fallbacks[fallback](tx, spec, options.windowsBudgetMs ?? left);
    },
    { timeout: FALLBACK_TIMEOUT_MS + 5_000, maxWait: 10_000 },
  );
}
