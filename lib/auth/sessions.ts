import crypto from 'node:crypto';
import { db, type Prisma } from '@/lib/db/client';

// Invariant: a session cookie (a JWT) is honoured only while its UserSession row exists and has not
// expired. Signing out, "sign out everywhere", password changes and resets, role changes and
// deactivation all end sessions by deleting rows; the JWT itself cannot be recalled.

export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/** Expired rows deleted per sign-in, so the table holds roughly the live sessions. */
const PRUNE_BATCH = 200;

type SessionsClient = Pick<Prisma.TransactionClient, 'userSession' | '$executeRaw'>;

/** Records a new session for a user who just proved their password; returns its id for the JWT. */
export async function startSession(client: SessionsClient, userId: string, now = new Date()): Promise<string> {
  const id = crypto.randomBytes(32).toString('base64url');
  await client.userSession.create({ data: { id, userId, createdAt: now, expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000) } });
  await client.$executeRaw`
    DELETE FROM "UserSession" WHERE id IN (
      SELECT id FROM "UserSession" WHERE "expiresAt" < ${now} ORDER BY "expiresAt" LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED
    )`;
  return id;
}

/** Sign-out: this one session ends. */
export async function endSession(sessionId: string): Promise<void> {
  await db().userSession.deleteMany({ where: { id: sessionId } });
}

/** Ends every session of a user, or every other one when `keep` names the caller's. */
export async function endUserSessions(client: Pick<Prisma.TransactionClient, 'userSession'>, userId: string, keep?: string): Promise<number> {
  const { count } = await client.userSession.deleteMany({ where: { userId, ...(keep ? { id: { not: keep } } : {}) } });
  return count;
}
