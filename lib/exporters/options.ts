import { db } from '@/lib/db/client';

export type ExportSourceOption = { id: string; name: string; pairs: number; simulated: boolean };
export type ExportOptions = {
  runs: ExportSourceOption[];
  datasets: ExportSourceOption[];
  topics: { topic: string; pairs: number }[];
};

/** What the export form offers: sources and topics that have pairs, with their pair counts. */
export async function loadExportOptions(): Promise<ExportOptions> {
  const [byRun, byDataset, byTopic] = await Promise.all([
    db().pair.groupBy({ by: ['runId'], where: { runId: { not: null } }, _count: { _all: true } }),
    db().pair.groupBy({ by: ['datasetId'], where: { datasetId: { not: null } }, _count: { _all: true } }),
    db().pair.groupBy({ by: ['topic'], where: { topic: { not: null } }, _count: { _all: true }, orderBy: { topic: 'asc' } }),
  ]);
  const runCounts = new Map(byRun.map((row) => [row.runId, row._count._all]));
  const datasetCounts = new Map(byDataset.map((row) => [row.datasetId, row._count._all]));
  const [runs, datasets] = await Promise.all([
    db().run.findMany({ where: { id: { in: [...runCounts.keys()].filter((id) => id !== null) } }, select: { id: true, name: true, simulated: true }, orderBy: { createdAt: 'desc' } }),
    db().preferenceDataset.findMany({ where: { id: { in: [...datasetCounts.keys()].filter((id) => id !== null) } }, select: { id: true, name: true }, orderBy: { createdAt: 'desc' } }),
  ]);
  return {
    runs: runs.map((run) => ({ id: run.id, name: run.name, pairs: runCounts.get(run.id) ?? 0, simulated: run.simulated })),
    datasets: datasets.map((dataset) => ({ id: dataset.id, name: dataset.name, pairs: datasetCounts.get(dataset.id) ?? 0, simulated: false })),
    topics: byTopic.flatMap((row) => (row.topic === null ? [] : [{ topic: row.topic, pairs: row._count._all }])),
  };
}
