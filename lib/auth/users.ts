import crypto from 'node:crypto';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { hashPassword, MIN_PASSWORD_LENGTH } from '@/lib/auth/passwords';
import { normaliseEmail } from '@/lib/auth/login';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { roles } from '@/lib/auth/permissions';
import { UserFacingError } from '@/lib/errors';

export const newUserSchema = z.object({
  email: z.email('Enter a valid email address.').max(320).transform(normaliseEmail),
  name: z.string().trim().max(200).optional().transform((v) => v || null),
  password: z.string().min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`).max(1024),
  role: z.enum(roles),
});
export type NewUser = z.output<typeof newUserSchema>;

const publicUserFields = { id: true, email: true, name: true, role: true, active: true, createdAt: true } as const;

export function listUsers() {
  return db().user.findMany({ orderBy: { createdAt: 'asc' }, select: publicUserFields });
}

export async function createUser(input: NewUser, actor: AuditActor) {
  const existing = await db().user.findUnique({ where: { email: input.email } });
  if (existing) throw new UserFacingError(`A user with email ${input.email} already exists.`);
  const passwordHash = await hashPassword(input.password);
  return db().$transaction(async (tx) => {
    const user = await tx.user.create({ data: { email: input.email, name: input.name, role: input.role, passwordHash }, select: publicUserFields });
    await recordAudit({ actor, action: 'user.created', targetType: 'user', targetId: user.id, after: user }, tx);
    return user;
  });
}

async function assertAnotherActiveAdmin(userId: string): Promise<void> {
  const others = await db().user.count({ where: { role: 'ADMIN', active: true, id: { not: userId } } });
  if (others === 0) throw new UserFacingError('This is the last active admin; make someone else admin first.');
}

/** Changing role or deactivating bumps sessionVersion so the user's existing sessions end. */
export async function updateUser(userId: string, change: { role?: (typeof roles)[number]; active?: boolean }, actor: AuditActor) {
  const before = await db().user.findUnique({ where: { id: userId }, select: publicUserFields });
  if (!before) throw new UserFacingError('No such user.');
  const demotesAdmin = before.role === 'ADMIN' && before.active && ((change.role && change.role !== 'ADMIN') || change.active === false);
  if (demotesAdmin) await assertAnotherActiveAdmin(userId);
  return db().$transaction(async (tx) => {
    const after = await tx.user.update({ where: { id: userId }, data: { ...change, sessionVersion: { increment: 1 } }, select: publicUserFields });
    await recordAudit({ actor, action: 'user.updated', targetType: 'user', targetId: userId, before, after }, tx);
    return after;
  });
}

/**
 * First start: with no users, create an admin from ADMIN_EMAIL/ADMIN_PASSWORD, or with a
 * random password that is printed once.
 */
export async function ensureFirstAdmin(log: (line: string) => void): Promise<void> {
  if ((await db().user.count()) > 0) return;
  const email = normaliseEmail(process.env.ADMIN_EMAIL || 'admin@localhost');
  const given = process.env.ADMIN_PASSWORD;
  const password = given || crypto.randomBytes(12).toString('base64url');
  await createUser({ email, name: 'Administrator', password, role: 'ADMIN' }, null);
  if (given) log(`Created the first admin ${email} (password from ADMIN_PASSWORD).`);
  else log(`Created the first admin.\n\n    email:    ${email}\n    password: ${password}\n\n  This password is shown once; change it under Settings → Users.`);
}

export async function setBlurPreference(userId: string, blurHarmful: boolean): Promise<void> {
  await db().user.update({ where: { id: userId }, data: { blurHarmful } });
}
