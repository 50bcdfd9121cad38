import { db } from '@/lib/db/client';
import { filterKeys, type FilterKey } from './filters';

export type SourceOption = { id: string; name: string; detail: string; simulated?: boolean };
export type FilterOptions = { runs: SourceOption[]; datasets: SourceOption[]; topics: string[]; offered: FilterKey[] };

/**
 * Filters the schema has no index for yet (see the review report): without one each is a scan
 * of the whole Pair table, so the UI offers them only once a migration adds the index.
 */
export const filtersAwaitingIndex: Partial<Record<FilterKey, RegExp>> = {
  human: /USING btree \("humanStatus"/,
  tag: /USING gin \(tags\b/,
};

let offeredCache: Promise<FilterKey[]> | null = null;

/** The filters the UI offers: every filter whose index exists (indexes change only with migrations). */
export function offeredFilterKeys(): Promise<FilterKey[]> {
  offeredCache ??= db()
    .$queryRaw<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'Pair'`
    .then((rows) =>
      filterKeys.filter((key) => {
        const index = filtersAwaitingIndex[key];
        return !index || rows.some((row) => index.test(row.indexdef));
      }),
    )
    .catch((error: unknown) => {
      offeredCache = null;
      throw error;
    });
  return offeredCache;
}

/** For tests and the bench, after they add or drop an index. */
export function forgetOfferedFilters(): void {
  offeredCache = null;
}

const OPTION_LIMIT = 500;

/**
 * Distinct topics by walking the (topic, id) index one value at a time ("loose index scan"):
 * a few index probes per topic instead of reading a million rows.
 */
export async function listPairTopics(): Promise<string[]> {
  const rows = await db().$queryRaw<{ topic: string }[]>`
    WITH RECURSIVE t AS (
      (SELECT "topic" FROM "Pair" WHERE "topic" IS NOT NULL ORDER BY "topic" LIMIT 1)
      UNION ALL
      SELECT (SELECT p."topic" FROM "Pair" p WHERE p."topic" > t."topic" ORDER BY p."topic" LIMIT 1) FROM t WHERE t."topic" IS NOT NULL
    )
    SELECT "topic" FROM t WHERE "topic" IS NOT NULL LIMIT ${OPTION_LIMIT}`;
  return rows.map((row) => row.topic);
}

/** What the filter bar offers: runs and datasets (newest first) and the topics present. */
export async function reviewFilterOptions(): Promise<FilterOptions> {
  const [runs, datasets, topics, offered] = await Promise.all([
    db().run.findMany({ orderBy: { createdAt: 'desc' }, take: OPTION_LIMIT, select: { id: true, name: true, status: true, createdAt: true, simulated: true } }),
    db().preferenceDataset.findMany({ orderBy: { createdAt: 'desc' }, take: OPTION_LIMIT, select: { id: true, name: true, pairCount: true } }),
    listPairTopics(),
    offeredFilterKeys(),
  ]);
  return {
    runs: runs.map((run) => ({ id: run.id, name: run.name, detail: `${run.status.toLowerCase()} · ${run.createdAt.toISOString().slice(0, 10)}`, simulated: run.simulated })),
    datasets: datasets.map((dataset) => ({ id: dataset.id, name: dataset.name, detail: `${dataset.pairCount.toLocaleString('en')} pairs` })),
    topics,
    offered,
  };
}
