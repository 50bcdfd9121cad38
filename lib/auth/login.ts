import crypto from 'node:crypto';
import { db, type Prisma } from '@/lib/db/client';
import { hashPassword, verifyPassword } from '@/lib/auth/passwords';
import { startSession } from '@/lib/auth/sessions';
import { recordAudit } from '@/lib/audit-log/record';
import type { RoleName } from '@/lib/auth/permissions';
import { UserFacingError } from '@/lib/errors';

// Invariant: a password is verified only after a LoginAttempt row for it has been reserved under
// the per-email and per-address advisory locks, while fewer than the limit of failures exist in
// the window. The row counts as a failure until the password proves right, so parallel guesses
// can never verify more passwords than the limit allows.

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

function positiveInteger(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new UserFacingError(`${name} must be a whole number ≥ 1 (got "${process.env[name]}").`);
  return value;
}

export const MAX_FAILURES_PER_ACCOUNT = positiveInteger('LOGIN_MAX_FAILURES_PER_ACCOUNT', 5);
export const MAX_FAILURES_PER_IP = positiveInteger('LOGIN_MAX_FAILURES_PER_IP', 20);

/** Expired attempts deleted per sign-in: more than one attempt adds, so the table stays small. */
const PRUNE_BATCH = 200;

export type LoginBlock = { blocked: false } | { blocked: true; retryAfterSeconds: number; reason: string };
export type ActiveLoginBlock = Extract<LoginBlock, { blocked: true }>;

/** What a blocked user reads: the reason and when to try again. */
export function blockMessage({ reason, retryAfterSeconds }: ActiveLoginBlock): string {
  const minutes = Math.ceil(retryAfterSeconds / 60);
  return `${reason} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

type AttemptsClient = Pick<Prisma.TransactionClient, 'loginAttempt'>;

/**
 * Too many recent failures for this account or from this address? Reads at most `limit` rows
 * per key: the newest failures, of which the oldest decides when the block lifts.
 */
export async function checkLoginRateLimit(email: string, ip: string, now = new Date(), client: AttemptsClient = db()): Promise<LoginBlock> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const recentFailures = (where: { email: string } | { ip: string }, limit: number) =>
    client.loginAttempt.findMany({
      where: { ...where, success: false, createdAt: { gte: since } },
      orderBy: { createdAt: 'desc' },
      take: limit,
      select: { createdAt: true },
    });
  const [byAccount, byIp] = await Promise.all([recentFailures({ email: normaliseEmail(email) }, MAX_FAILURES_PER_ACCOUNT), recentFailures({ ip }, MAX_FAILURES_PER_IP)]);
  const retryAfter = (failures: { createdAt: Date }[]) => Math.max(1, Math.ceil((failures[failures.length - 1].createdAt.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1000));
  if (byAccount.length >= MAX_FAILURES_PER_ACCOUNT) {
    return { blocked: true, retryAfterSeconds: retryAfter(byAccount), reason: 'Too many failed sign-in attempts for this account.' };
  }
  if (byIp.length >= MAX_FAILURES_PER_IP) {
    return { blocked: true, retryAfterSeconds: retryAfter(byIp), reason: 'Too many failed sign-in attempts from your network address.' };
  }
  return { blocked: false };
}

/** Serialises checks per email and per address, then records the attempt as a failure. */
async function reserveAttempt(email: string, ip: string, at: Date | undefined): Promise<{ attemptId: string } | { block: ActiveLoginBlock }> {
  return db().$transaction(
    async (tx) => {
      // Always email before address, so two transactions never wait on each other in a cycle.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`login-email:${email}`}, 0))`;
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`login-ip:${ip}`}, 0))`;
      // The clock is read after the locks, so attempts recorded while this one waited are inside the window.
      const now = at ?? new Date();
      const block = await checkLoginRateLimit(email, ip, now, tx);
      if (block.blocked) return { block };
      const attempt = await tx.loginAttempt.create({ data: { email, ip, success: false, createdAt: now }, select: { id: true } });
      return { attemptId: attempt.id };
    },
    { maxWait: 15_000, timeout: 15_000 },
  );
}

/** Deletes a batch of attempts older than the window (nothing reads them any more). */
async function pruneLoginAttempts(): Promise<number> {
  const expired = new Date(Date.now() - LOGIN_WINDOW_MS);
  return db().$executeRaw`
    DELETE FROM "LoginAttempt" WHERE id IN (
      SELECT id FROM "LoginAttempt" WHERE "createdAt" < ${expired} ORDER BY "createdAt" LIMIT ${PRUNE_BATCH} FOR UPDATE SKIP LOCKED
    )`;
}

let dummyHash: Promise<string> | null = null;

/** A hash of a password nobody knows, so that unknown emails cost one verification too. */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomBytes(32).toString('base64url'));
  return dummyHash;
}

type StoredUser = { id: string; email: string; name: string | null; role: RoleName; active: boolean };

export type PasswordCheck =
  | { outcome: 'ok'; user: StoredUser }
  | { outcome: 'failed'; user: StoredUser | null }
  | { outcome: 'blocked'; block: ActiveLoginBlock };

/**
 * Checks a password within the sign-in limits: reserve an attempt (or be blocked), verify — against
 * a dummy hash when the email is unknown, and also for deactivated users, so timing says nothing —
 * then mark the attempt a success when it was one.
 */
export async function checkPasswordLimited(emailInput: string, password: string, ip: string, now?: Date): Promise<PasswordCheck> {
  const email = normaliseEmail(emailInput);
  const reservation = await reserveAttempt(email, ip, now);
  if ('block' in reservation) return { outcome: 'blocked', block: reservation.block };
  const user = await db().user.findUnique({
    where: { email },
    select: { id: true, email: true, name: true, role: true, active: true, passwordHash: true },
  });
  const passwordOk = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  const stored = user && { id: user.id, email: user.email, name: user.name, role: user.role, active: user.active };
  if (passwordOk && stored?.active) {
    await db().loginAttempt.update({ where: { id: reservation.attemptId }, data: { success: true } });
  }
  await pruneLoginAttempts();
  return passwordOk && stored?.active ? { outcome: 'ok', user: stored } : { outcome: 'failed', user: stored };
}

export type AuthenticatedUser = { id: string; email: string; name: string | null; role: RoleName; sessionId: string };

export type SignInResult = { outcome: 'ok'; user: AuthenticatedUser } | { outcome: 'failed' } | { outcome: 'blocked'; block: ActiveLoginBlock };

/** Signs in within the limits, starts a session, logs the outcome, and never says which part was wrong. */
export async function authenticate(email: string, password: string, ip: string, now?: Date): Promise<SignInResult> {
  const check = await checkPasswordLimited(email, password, ip, now);
  if (check.outcome === 'blocked') return check;
  const user = check.user;
  if (check.outcome === 'failed') {
    await recordAudit({ actor: user ? { id: user.id, email: user.email } : null, action: 'login.failed', targetType: 'user', targetId: user?.id ?? normaliseEmail(email), ip });
    return { outcome: 'failed' };
  }
  const signedIn = check.user;
  const sessionId = await db().$transaction(async (tx) => {
    const id = await startSession(tx, signedIn.id);
    await recordAudit({ actor: { id: signedIn.id, email: signedIn.email }, action: 'login.succeeded', targetType: 'user', targetId: signedIn.id, ip }, tx);
    return id;
  });
  return { outcome: 'ok', user: { id: signedIn.id, email: signedIn.email, name: signedIn.name, role: signedIn.role, sessionId } };
}
