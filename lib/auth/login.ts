import { db } from '@/lib/db/client';
import { verifyPassword } from '@/lib/auth/passwords';
import { recordAudit } from '@/lib/audit-log/record';
import type { RoleName } from '@/lib/auth/permissions';

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = Number(process.env.LOGIN_MAX_FAILURES_PER_ACCOUNT ?? 5);
export const MAX_FAILURES_PER_IP = Number(process.env.LOGIN_MAX_FAILURES_PER_IP ?? 20);

export type LoginBlock = { blocked: false } | { blocked: true; retryAfterSeconds: number; reason: string };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Too many recent failures for this account or from this address? */
export async function checkLoginRateLimit(email: string, ip: string, now = new Date()): Promise<LoginBlock> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const account = normaliseEmail(email);
  const [byAccount, byIp] = await Promise.all([
    db().loginAttempt.findMany({ where: { email: account, success: false, createdAt: { gte: since } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } }),
    db().loginAttempt.findMany({ where: { ip, success: false, createdAt: { gte: since } }, orderBy: { createdAt: 'asc' }, select: { createdAt: true } }),
  ]);
  const retryAfter = (failures: { createdAt: Date }[], limit: number) =>
    Math.max(1, Math.ceil((failures[failures.length - limit].createdAt.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1000));
  if (byAccount.length >= MAX_FAILURES_PER_ACCOUNT) {
    return { blocked: true, retryAfterSeconds: retryAfter(byAccount, MAX_FAILURES_PER_ACCOUNT), reason: 'Too many failed sign-in attempts for this account.' };
  }
  if (byIp.length >= MAX_FAILURES_PER_IP) {
    return { blocked: true, retryAfterSeconds: retryAfter(byIp, MAX_FAILURES_PER_IP), reason: 'Too many failed sign-in attempts from your network address.' };
  }
  return { blocked: false };
}

export type AuthenticatedUser = { id: string; email: string; name: string | null; role: RoleName; sessionVersion: number };

/** Verifies a password, records the attempt, and never says which part was wrong. */
export async function authenticate(emailInput: string, password: string, ip: string): Promise<AuthenticatedUser | null> {
  const email = normaliseEmail(emailInput);
  const user = await db().user.findUnique({ where: { email } });
  const ok = user != null && user.active && (await verifyPassword(user.passwordHash, password));
  await db().loginAttempt.create({ data: { email, ip, success: ok } });
  if (!ok || !user) {
    await recordAudit({ actor: user ? { id: user.id, email: user.email } : null, action: 'login.failed', targetType: 'user', targetId: user?.id ?? email, ip });
    return null;
  }
  await recordAudit({ actor: { id: user.id, email: user.email }, action: 'login.succeeded', targetType: 'user', targetId: user.id, ip });
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}

export function clientIp(headers: Headers): string {
  // Behind a proxy that overwrites X-Forwarded-For this is the client; Next's own server
  // fills it with the socket address when absent.
  return headers.get('x-forwarded-for')?.split(',')[0]?.trim() || headers.get('x-real-ip') || 'unknown';
}
