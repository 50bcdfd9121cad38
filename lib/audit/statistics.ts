/** Loads an audit's cells, items and answers and summarises them; progress per reviewer and per audit. */
import { db, type PrismaClient } from '@/lib/db/client';
import { UserFacingError } from '@/lib/errors';
import { parseAuditSettings, type AuditCriteriaName, type AuditSettings, type CriterionKey } from '@/lib/audit/config';
import { parseCellKey } from '@/lib/audit/cells';
import { summarizeAudit, type AuditStatistics, type SummaryCell, type SummaryItem } from '@/lib/audit/summary';

const verdictPasses: Record<'PASS' | 'FAIL' | 'UNPARSEABLE', boolean | null> = { PASS: true, FAIL: false, UNPARSEABLE: null };
const statusKept: Record<'PENDING' | 'KEPT' | 'DROPPED', boolean | null> = { PENDING: null, KEPT: true, DROPPED: false };

export interface AuditOverview {
  id: string;
  name: string;
  status: 'OPEN' | 'CLOSED';
  criteria: AuditCriteriaName;
  strategy: string;
  sampleSize: number;
  seed: string;
  reviewersPerItem: number;
  blind: boolean;
  guidelines: string;
  createdAt: string;
  createdByEmail: string | null;
  settings: AuditSettings;
  cells: SummaryCell[];
}

export async function loadAuditOverview(auditId: string, client: PrismaClient = db()): Promise<AuditOverview | null> {
  const audit = await client.audit.findUnique({ where: { id: auditId }, include: { strata: { orderBy: { key: 'asc' } } } });
  if (!audit) return null;
  const creator = audit.createdById ? await client.user.findUnique({ where: { id: audit.createdById }, select: { email: true } }) : null;
  return {
    id: audit.id,
    name: audit.name,
    status: audit.status,
    criteria: audit.criteria,
    strategy: audit.strategy,
    sampleSize: audit.sampleSize,
    seed: audit.seed,
    reviewersPerItem: audit.reviewersPerItem,
    blind: audit.blind,
    guidelines: audit.guidelines,
    createdAt: audit.createdAt.toISOString(),
    createdByEmail: creator?.email ?? null,
    settings: parseAuditSettings(audit.scope),
    cells: audit.strata.map((stratum) => ({ key: stratum.key, ...parseCellKey(stratum.key), populationSize: stratum.populationSize, sampleSize: stratum.sampleSize })),
  };
}

export async function computeAuditStatistics(auditId: string, client: PrismaClient = db()): Promise<{ overview: AuditOverview; statistics: AuditStatistics }> {
  const overview = await loadAuditOverview(auditId, client);
  if (!overview) throw new UserFacingError('This audit does not exist.');
  const items = await client.auditItem.findMany({
    where: { auditId },
    orderBy: { position: 'asc' },
    select: {
      stratum: true,
      pair: { select: { status: true, instructionVerdict: true, responseVerdict: true } },
      labels: {
        where: { answeredAt: { not: null } },
        orderBy: [{ answeredAt: 'asc' }, { id: 'asc' }],
        select: { reviewerId: true, instructionValid: true, pairCorrect: true },
      },
    },
  });
  const summaryItems: SummaryItem[] = items.map((item) => {
    const automatic: Record<CriterionKey, boolean | null> = {
      instruction: item.pair.instructionVerdict ? verdictPasses[item.pair.instructionVerdict] : null,
      pair: item.pair.responseVerdict ? verdictPasses[item.pair.responseVerdict] : null,
      both: statusKept[item.pair.status],
    };
    return { cell: item.stratum, automatic, labels: item.labels };
  });
  const statistics = summarizeAudit({
    criteria: overview.criteria,
    reviewersPerItem: overview.reviewersPerItem,
    stratifyBy: overview.settings.stratifyBy,
    target: overview.settings.target,
    cells: overview.cells,
    items: summaryItems,
  });
  return { overview, statistics };
}

export interface ReviewerProgress {
  reviewerId: string;
  email: string | null;
  answered: number;
  leased: number;
}

export interface AuditProgress {
  items: number;
  /** items × reviewersPerItem: the number of answers the audit needs. */
  slots: number;
  answered: number;
  leased: number;
  completeItems: number;
  reviewers: ReviewerProgress[];
}

export async function getAuditProgress(auditId: string, client: PrismaClient = db()): Promise<AuditProgress> {
  const audit = await client.audit.findUnique({ where: { id: auditId }, select: { reviewersPerItem: true, sampleSize: true } });
  if (!audit) throw new UserFacingError('This audit does not exist.');
  const [itemCounts, reviewerRows] = await Promise.all([
    client.$queryRawUnsafe<{ items: number; complete: number }[]>(
      `SELECT count(*)::int AS items,
              count(*) FILTER (WHERE (SELECT count(*) FROM "AuditLabel" l WHERE l."auditItemId" = i."id" AND l."answeredAt" IS NOT NULL) >= $2)::int AS complete
       FROM "AuditItem" i WHERE i."auditId" = $1`,
      auditId,
      audit.reviewersPerItem,
    ),
    client.$queryRawUnsafe<{ reviewerId: string; email: string | null; answered: number; leased: number }[]>(
      `SELECT l."reviewerId" AS "reviewerId", u."email" AS email,
              count(*) FILTER (WHERE l."answeredAt" IS NOT NULL)::int AS answered,
              count(*) FILTER (WHERE l."answeredAt" IS NULL AND l."leaseExpiresAt" >= now())::int AS leased
       FROM "AuditLabel" l JOIN "AuditItem" i ON i."id" = l."auditItemId" LEFT JOIN "User" u ON u."id" = l."reviewerId"
       WHERE i."auditId" = $1 GROUP BY 1, 2 ORDER BY answered DESC, email`,
      auditId,
    ),
  ]);
  const items = Number(itemCounts[0]?.items ?? 0);
  const reviewers = reviewerRows
    .map((row) => ({ reviewerId: row.reviewerId, email: row.email, answered: Number(row.answered), leased: Number(row.leased) }))
    .filter((row) => row.answered + row.leased > 0);
  return {
    items,
    slots: items * audit.reviewersPerItem,
    answered: reviewers.reduce((sum, row) => sum + row.answered, 0),
    leased: reviewers.reduce((sum, row) => sum + row.leased, 0),
    completeItems: Number(itemCounts[0]?.complete ?? 0),
    reviewers,
  };
}
