/** Read-side queries for the audit pages. */
import { db, type PrismaClient } from '@/lib/db/client';
import { parseAuditSettings, type AuditCriteriaName, type AuditScope, type CriterionKey } from '@/lib/audit/config';
import { computeAuditStatistics, getAuditProgress, type AuditProgress } from '@/lib/audit/statistics';
import type { EstimateBlock, TargetResult } from '@/lib/audit/summary';

export interface AuditListRow {
  id: string;
  name: string;
  status: 'OPEN' | 'CLOSED';
  criteria: AuditCriteriaName;
  strategy: string;
  sampleSize: number;
  reviewersPerItem: number;
  createdAt: string;
  progress: Pick<AuditProgress, 'slots' | 'answered' | 'items' | 'completeItems'>;
  mainCriterion: CriterionKey;
  precision: EstimateBlock | null;
  target: TargetResult | null;
}

export async function listAudits(limit = 100, client: PrismaClient = db()): Promise<AuditListRow[]> {
  const audits = await client.audit.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true } });
  const rows: AuditListRow[] = [];
  for (const { id } of audits) {
    const [{ overview, statistics }, progress] = await Promise.all([computeAuditStatistics(id, client), getAuditProgress(id, client)]);
    const main = statistics.criteria.find((entry) => entry.criterion === statistics.mainCriterion);
    rows.push({
      id,
      name: overview.name,
      status: overview.status,
      criteria: overview.criteria,
      strategy: overview.strategy,
      sampleSize: overview.sampleSize,
      reviewersPerItem: overview.reviewersPerItem,
      createdAt: overview.createdAt,
      progress: { slots: progress.slots, answered: progress.answered, items: progress.items, completeItems: progress.completeItems },
      mainCriterion: statistics.mainCriterion,
      precision: main?.precision ?? null,
      target: statistics.target,
    });
  }
  return rows;
}

export interface ScopeOptions {
  runs: { id: string; name: string; createdAt: string; simulated: boolean }[];
  datasets: { id: string; name: string; pairCount: number; createdAt: string }[];
}

export async function auditScopeOptions(client: PrismaClient = db()): Promise<ScopeOptions> {
  const [runs, datasets] = await Promise.all([
    client.run.findMany({ orderBy: { createdAt: 'desc' }, take: 200, select: { id: true, name: true, createdAt: true, simulated: true } }),
    client.preferenceDataset.findMany({ orderBy: { createdAt: 'desc' }, take: 200, select: { id: true, name: true, pairCount: true, createdAt: true } }),
  ]);
  return {
    runs: runs.map((run) => ({ ...run, createdAt: run.createdAt.toISOString() })),
    datasets: datasets.map((dataset) => ({ ...dataset, createdAt: dataset.createdAt.toISOString() })),
  };
}

/** Names of the runs and datasets an audit scope refers to (for display and reports). */
export async function scopeSourceNames(scope: AuditScope, client: PrismaClient = db()): Promise<{ runs: { id: string; name: string }[]; datasets: { id: string; name: string }[] }> {
  const [runs, datasets] = await Promise.all([
    client.run.findMany({ where: { id: { in: scope.runIds } }, select: { id: true, name: true } }),
    client.preferenceDataset.findMany({ where: { id: { in: scope.datasetIds } }, select: { id: true, name: true } }),
  ]);
  const nameOf = (rows: { id: string; name: string }[], id: string) => rows.find((row) => row.id === id)?.name ?? '(deleted)';
  return {
    runs: scope.runIds.map((id) => ({ id, name: nameOf(runs, id) })),
    datasets: scope.datasetIds.map((id) => ({ id, name: nameOf(datasets, id) })),
  };
}

/**
 * Audits whose scope covers any of these runs or datasets, newest first — for the export's dataset
 * card (`buildAuditReport` each of them).
 */
export async function auditIdsCovering(sources: { runIds?: readonly string[]; datasetIds?: readonly string[] }, client: PrismaClient = db()): Promise<string[]> {
  const runIds = new Set(sources.runIds ?? []);
  const datasetIds = new Set(sources.datasetIds ?? []);
  const audits = await client.audit.findMany({ orderBy: { createdAt: 'desc' }, select: { id: true, scope: true } });
  return audits
    .filter((audit) => {
      const { scope } = parseAuditSettings(audit.scope);
      return scope.runIds.some((id) => runIds.has(id)) || scope.datasetIds.some((id) => datasetIds.has(id));
    })
    .map((audit) => audit.id);
}

export async function auditExists(auditId: string, client: PrismaClient = db()): Promise<boolean> {
  return (await client.audit.findUnique({ where: { id: auditId }, select: { id: true } })) !== null;
}
