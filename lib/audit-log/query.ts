import { db } from '@/lib/db/client';

export type AuditLogPage = {
  entries: { id: string; createdAt: Date; actorEmail: string | null; action: string; targetType: string | null; targetId: string | null; before: unknown; after: unknown; ip: string | null }[];
  nextCursor: string | null;
};

/** Newest first, keyset-paged by (createdAt, id). */
export async function listAuditLog({ cursor, action, limit = 50 }: { cursor?: string; action?: string; limit?: number }): Promise<AuditLogPage> {
  const after = cursor ? await db().auditLog.findUnique({ where: { id: cursor }, select: { id: true, createdAt: true } }) : null;
  const rows = await db().auditLog.findMany({
    where: {
      ...(action ? { action: { startsWith: action } } : {}),
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    select: { id: true, createdAt: true, actorEmail: true, action: true, targetType: true, targetId: true, before: true, after: true, ip: true },
  });
  return { entries: rows.slice(0, limit), nextCursor: rows.length > limit ? rows[limit - 1].id : null };
}
