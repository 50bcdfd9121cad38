/**
 * Blind audits: a reviewer answers without seeing the automatic verdicts. The audit screen hides
 * them (lib/audit/review.ts); every other place that shows a pair must ask `verdictsHiddenFrom`
 * too, or a reviewer could look the verdict up next door (the review detail panel did).
 *
 * Rule: the verdicts of a pair are hidden from a user who may label audit items while the pair is
 * an item of an OPEN blind audit that still needs answers and that this user has not answered.
 * Once they answered it, the item is complete or the audit is closed, they are shown again.
 */
import { can, type RoleName } from '@/lib/auth/permissions';
import { db } from '@/lib/db/client';

export type Viewer = { id: string; role: RoleName };

export async function verdictsHiddenFrom(viewer: Viewer, pairId: bigint): Promise<boolean> {
  return (await pairsWithVerdictsHiddenFrom(viewer, [pairId])).has(pairId.toString());
}

/** The ids (as strings) among `pairIds` whose automatic verdicts are hidden from `viewer`. */
export async function pairsWithVerdictsHiddenFrom(viewer: Viewer, pairIds: readonly bigint[]): Promise<Set<string>> {
  if (pairIds.length === 0 || !can(viewer.role, 'audits:review')) return new Set();
  const rows = await db().$queryRawUnsafe<{ pairId: bigint }[]>(
    `SELECT DISTINCT i."pairId" FROM "AuditItem" i JOIN "Audit" a ON a."id" = i."auditId"
     WHERE i."pairId" = ANY($1::bigint[]) AND a."blind" AND a."status" = 'OPEN'
       AND NOT EXISTS (SELECT 1 FROM "AuditLabel" l WHERE l."auditItemId" = i."id" AND l."reviewerId" = $2 AND l."answeredAt" IS NOT NULL)
       AND (SELECT count(*) FROM "AuditLabel" l WHERE l."auditItemId" = i."id" AND l."answeredAt" IS NOT NULL) < a."reviewersPerItem"`,
    pairIds.map(String),
    viewer.id,
  );
  return new Set(rows.map((row) => row.pairId.toString()));
}
