import { z } from 'zod';
import { db, type Prisma } from '@/lib/db/client';
import { generatePassword, hashPassword, passwordSchema } from '@/lib/auth/passwords';
import { blockMessage, checkPasswordLimited, normaliseEmail } from '@/lib/auth/login';
import { endUserSessions } from '@/lib/auth/sessions';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { roles, type RoleName } from '@/lib/auth/permissions';
import { UserFacingError } from '@/lib/errors';

export const newUserSchema = z.object({
  email: z.email('Enter a valid email address.').max(320).transform(normaliseEmail),
  name: z.string().trim().max(200).optional().transform((v) => v || null),
  password: passwordSchema,
  role: z.enum(roles),
});
export type NewUser = z.output<typeof newUserSchema>;

const publicUserFields = { id: true, email: true, name: true, role: true, active: true, createdAt: true } as const;

export function listUsers() {
  return db().user.findMany({ orderBy: { createdAt: 'asc' }, select: publicUserFields });
}

export async function createUser(input: NewUser, actor: AuditActor, options: { mustChangePassword?: boolean } = {}) {
  const existing = await db().user.findUnique({ where: { email: input.email } });
  if (existing) throw new UserFacingError(`A user with email ${input.email} already exists.`);
  const passwordHash = await hashPassword(input.password);
  return db().$transaction(async (tx) => {
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, role: input.role, passwordHash, mustChangePassword: options.mustChangePassword ?? false },
      select: publicUserFields,
    });
    await recordAudit({ actor, action: 'user.created', targetType: 'user', targetId: user.id, after: user }, tx);
    return user;
  });
}

/**
 * Locks every active admin row, then the target row, for the rest of the transaction. In id order,
 * so two admins changing each other at once queue up instead of deadlocking; the second one then
 * sees the first one's change (READ COMMITTED re-reads locked rows) and the last-admin check holds.
 */
async function lockAdminsAndUser(tx: Prisma.TransactionClient, userId: string): Promise<string[]> {
  const admins = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "User" WHERE role = 'ADMIN' AND active ORDER BY id FOR UPDATE`;
  await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${userId} FOR UPDATE`;
  return admins.map((admin) => admin.id);
}

/** Changing role or deactivating ends the user's sessions at once. Never leaves no active admin. */
export async function updateUser(userId: string, change: { role?: RoleName; active?: boolean }, actor: AuditActor) {
  return db().$transaction(async (tx) => {
    const activeAdmins = await lockAdminsAndUser(tx, userId);
    const before = await tx.user.findUnique({ where: { id: userId }, select: publicUserFields });
    if (!before) throw new UserFacingError('No such user.');
    const demotesAdmin = before.role === 'ADMIN' && before.active && ((change.role && change.role !== 'ADMIN') || change.active === false);
    if (demotesAdmin && !activeAdmins.some((id) => id !== userId)) {
      throw new UserFacingError('This is the last active admin; make someone else admin first.');
    }
    const after = await tx.user.update({ where: { id: userId }, data: change, select: publicUserFields });
    await endUserSessions(tx, userId);
    await recordAudit({ actor, action: 'user.updated', targetType: 'user', targetId: userId, before, after }, tx);
    return after;
  });
}

export const changePasswordSchema = z
  .object({ currentPassword: z.string().min(1, 'Enter your current password.').max(1024), newPassword: passwordSchema })
  .refine((input) => input.newPassword !== input.currentPassword, { path: ['newPassword'], message: 'Choose a password different from the current one.' });

type Account = { id: string; email: string; sessionId: string };

/**
 * Changes one's own password. The current password is checked within the sign-in limits (a
 * stolen session cannot guess it faster than a sign-in form could). Ends the user's other
 * sessions; this one stays.
 */
export async function changeOwnPassword(account: Account, input: z.output<typeof changePasswordSchema>, ip: string): Promise<{ endedSessions: number }> {
  const check = await checkPasswordLimited(account.email, input.currentPassword, ip);
  if (check.outcome === 'blocked') throw new UserFacingError(blockMessage(check.block));
  if (check.outcome !== 'ok' || check.user.id !== account.id) throw new UserFacingError('The current password is wrong.');
  const passwordHash = await hashPassword(input.newPassword);
  return db().$transaction(async (tx) => {
    await tx.user.update({ where: { id: account.id }, data: { passwordHash, mustChangePassword: false } });
    const endedSessions = await endUserSessions(tx, account.id, account.sessionId);
    await recordAudit({ actor: account, action: 'user.password_changed', targetType: 'user', targetId: account.id, after: { endedSessions } }, tx);
    return { endedSessions };
  });
}

/**
 * An admin sets a generated password for someone else; it is returned once (never stored or
 * logged in clear), must be changed at the next sign-in, and ends the user's sessions.
 */
export async function resetPassword(userId: string, actor: NonNullable<AuditActor>): Promise<{ email: string; password: string }> {
  if (userId === actor.id) throw new UserFacingError('Change your own password under Settings → Password and sessions.');
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  return db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true } });
    if (!user) throw new UserFacingError('No such user.');
    await tx.user.update({ where: { id: userId }, data: { passwordHash, mustChangePassword: true } });
    const endedSessions = await endUserSessions(tx, userId);
    await recordAudit({ actor, action: 'user.password_reset', targetType: 'user', targetId: userId, after: { mustChangePassword: true, endedSessions } }, tx);
    return { email: user.email, password };
  });
}

/** Ends every session of a user ("sign out everywhere" when the actor is that user). */
export async function endSessions(userId: string, actor: NonNullable<AuditActor>): Promise<{ email: string; endedSessions: number }> {
  return db().$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId }, select: { email: true } });
    if (!user) throw new UserFacingError('No such user.');
    const endedSessions = await endUserSessions(tx, userId);
    await recordAudit({ actor, action: 'user.sessions_ended', targetType: 'user', targetId: userId, after: { endedSessions } }, tx);
    return { email: user.email, endedSessions };
  });
}

/**
 * The first admin from ADMIN_EMAIL/ADMIN_PASSWORD, or with a generated password that is printed
 * once and must be changed at first sign-in. ADMIN_PASSWORD obeys the rules of every password.
 */
export function firstAdminFromEnv(env: { ADMIN_EMAIL?: string; ADMIN_PASSWORD?: string } = { ADMIN_EMAIL: process.env.ADMIN_EMAIL, ADMIN_PASSWORD: process.env.ADMIN_PASSWORD }): { email: string; password: string; generated: boolean } {
  const email = normaliseEmail(env.ADMIN_EMAIL || 'admin@localhost');
  if (!env.ADMIN_PASSWORD) return { email, password: generatePassword(), generated: true };
  const parsed = passwordSchema.safeParse(env.ADMIN_PASSWORD);
  if (!parsed.success) throw new UserFacingError(`ADMIN_PASSWORD is not acceptable: ${parsed.error.issues.map((i) => i.message).join(' ')}`);
  return { email, password: parsed.data, generated: false };
}

/** First start: with no users, create the first admin. */
export async function ensureFirstAdmin(log: (line: string) => void): Promise<void> {
  const admin = firstAdminFromEnv();
  if ((await db().user.count()) > 0) return;
  await createUser({ email: admin.email, name: 'Administrator', password: admin.password, role: 'ADMIN' }, null, { mustChangePassword: admin.generated });
  if (!admin.generated) log(`Created the first admin ${admin.email} (password from ADMIN_PASSWORD).`);
  else log(`Created the first admin.\n\n    email:    ${admin.email}\n    password: ${admin.password}\n\n  This password is shown once; you will choose your own at first sign-in.`);
}

export async function setBlurPreference(userId: string, blurHarmful: boolean): Promise<void> {
  await db().user.update({ where: { id: userId }, data: { blurHarmful } });
}
