import { db } from '@/lib/db/client';

export type SourceOption = { id: string; name: string; detail: string; simulated?: boolean };
export type FilterOptions = { runs: SourceOption[]; datasets: SourceOption[]; topics: string[] };

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
  const [runs, datasets, topics] = await Promise.all([
    db().run.findMany({ orderBy: { createdAt: 'desc' }, take: OPTION_LIMIT, select: { id: true, name: true, status: true, createdAt: true, simulated: true } }),
    db().preferenceDataset.findMany({ orderBy: { createdAt: 'desc' }, take: OPTION_LIMIT, select: { id: true, name: true, pairCount: true } }),
    listPairTopics(),
  ]);
  return {
    runs: runs.map((run) => ({ id: run.id, name: run.name, detail: `${run.status.toLowerCase()} · ${run.createdAt.toISOString().slice(0, 10)}`, simulated: run.simulated })),
    datasets: datasets.map((dataset) => ({ id: dataset.id, name: dataset.name, detail: `${dataset.pairCount.toLocaleString('en')} pairs` })),
    topics,
  };
}
