import { describe, expect, it, vi } from 'vitest';
import { db } from '@/lib/db/client';
import { MIN_PASSWORD_LENGTH, verifyPassword } from '@/lib/auth/passwords';
import { authenticate, checkLoginRateLimit, LOGIN_WINDOW_MS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP } from '@/lib/auth/login';
import { changeOwnPassword, changePasswordSchema, createUser, endSessions, ensureFirstAdmin, firstAdminFromEnv, resetPassword, updateUser } from '@/lib/auth/users';
import { userForSession } from '@/lib/auth/session';
import { endSession, SESSION_MAX_AGE_SECONDS } from '@/lib/auth/sessions';
import { createTestUser, uniqueIp } from './helpers';

// The real verification, observed: which hashes sign-in checks a password against.
vi.mock('@/lib/auth/passwords', async (importOriginal) => {
  const original = await importOriginal<typeof import('@/lib/auth/passwords')>();
  return { ...original, verifyPassword: vi.fn(original.verifyPassword) };
});

describe('sign-in', () => {
  it('accepts the right password (any email case), refuses a wrong one, and logs both', async () => {
    const user = await createTestUser('RESEARCHER');
    const ip = uniqueIp();
    expect(await authenticate(user.email.toUpperCase(), user.password, ip)).toMatchObject({ outcome: 'ok', user: { id: user.id, role: 'RESEARCHER' } });
    expect(await authenticate(user.email, 'wrong password', ip)).toEqual({ outcome: 'failed' });
    const actions = await db().auditLog.findMany({ where: { targetId: user.id }, orderBy: { createdAt: 'asc' }, select: { action: true, ip: true } });
    expect(actions).toEqual([
      { action: 'login.succeeded', ip },
      { action: 'login.failed', ip },
    ]);
  });

  it('blocks an account after repeated failures, from any address, and says for how long', async () => {
    const user = await createTestUser('REVIEWER');
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) await authenticate(user.email, `wrong ${i}`, uniqueIp());
    const block = await checkLoginRateLimit(user.email, uniqueIp());
    expect(block.blocked).toBe(true);
    expect(await authenticate(user.email, 'another guess', uniqueIp())).toMatchObject({ outcome: 'blocked' });
    if (block.blocked) {
      expect(block.reason).toMatch(/this account/);
      expect(block.retryAfterSeconds).toBeGreaterThan(14 * 60);
      expect(block.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    }
    const later = new Date(Date.now() + 16 * 60 * 1000);
    expect((await checkLoginRateLimit(user.email, uniqueIp(), later)).blocked).toBe(false);
  });

  it('blocks an address that sprays many accounts', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < MAX_FAILURES_PER_IP; i++) await authenticate(`nobody-${i}-${ip}@test.local`, 'x', ip);
    const block = await checkLoginRateLimit('someone-else@test.local', ip);
    expect(block).toMatchObject({ blocked: true, reason: expect.stringMatching(/network address/) });
    expect((await checkLoginRateLimit('someone-else@test.local', uniqueIp())).blocked).toBe(false);
  });

  it('refuses a deactivated user even with the right password', async () => {
    const user = await createTestUser('RESEARCHER');
    await db().user.update({ where: { id: user.id }, data: { active: false } });
    expect(await authenticate(user.email, user.password, uniqueIp())).toEqual({ outcome: 'failed' });
  });

  it('refuses the right password while the account is blocked', async () => {
    const user = await createTestUser('RESEARCHER');
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) expect(await authenticate(user.email, `wrong ${i}`, uniqueIp())).toEqual({ outcome: 'failed' });
    const result = await authenticate(user.email, user.password, uniqueIp());
    expect(result).toMatchObject({ outcome: 'blocked', block: { reason: expect.stringMatching(/this account/) } });
  });

  it('lets 50 parallel guesses verify no more passwords than the limit', async () => {
    const user = await createTestUser('REVIEWER');
    const ip = uniqueIp();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => authenticate(user.email, `parallel guess ${i}`, i % 2 ? ip : uniqueIp())));
    expect(results.filter((r) => r.outcome === 'failed')).toHaveLength(MAX_FAILURES_PER_ACCOUNT);
    expect(results.filter((r) => r.outcome === 'blocked')).toHaveLength(50 - MAX_FAILURES_PER_ACCOUNT);
    expect(await db().loginAttempt.count({ where: { email: user.email } })).toBe(MAX_FAILURES_PER_ACCOUNT);
    expect(await authenticate(user.email, user.password, uniqueIp())).toMatchObject({ outcome: 'blocked' });
  });

  it('lets parallel guesses from one address at many accounts verify no more than the address limit', async () => {
    const ip = uniqueIp();
    const results = await Promise.all(Array.from({ length: MAX_FAILURES_PER_IP + 15 }, (_, i) => authenticate(`spray-${i}-${ip}@test.local`, 'x', ip)));
    expect(results.filter((r) => r.outcome === 'failed')).toHaveLength(MAX_FAILURES_PER_IP);
    expect(await db().loginAttempt.count({ where: { ip } })).toBe(MAX_FAILURES_PER_IP);
  });

  it('verifies unknown emails and deactivated users against a hash too, so timing tells nothing', async () => {
    const verify = vi.mocked(verifyPassword);
    const user = await createTestUser('RESEARCHER');
    const inactive = await createTestUser('RESEARCHER');
    await db().user.update({ where: { id: inactive.id }, data: { active: false } });
    const hashParams = (hash: string) => hash.split('$').slice(1, 4).join('$');
    const known = await db().user.findUniqueOrThrow({ where: { id: user.id } });

    verify.mockClear();
    await authenticate(`nobody-${user.id}@test.local`, 'whatever', uniqueIp());
    await authenticate(inactive.email, inactive.password, uniqueIp());
    await authenticate(user.email, 'wrong', uniqueIp());
    expect(verify).toHaveBeenCalledTimes(3);
    const [unknownHash, inactiveHash, knownHash] = verify.mock.calls.map(([hash]) => hash);
    expect(knownHash).toBe(known.passwordHash);
    expect(hashParams(unknownHash)).toBe(hashParams(known.passwordHash)); // same algorithm and cost
    expect(unknownHash).not.toBe(known.passwordHash);
    expect(inactiveHash).not.toBe(unknownHash);
  });

  it('prunes attempts older than the window', async () => {
    const ip = uniqueIp();
    const old = new Date(Date.now() - LOGIN_WINDOW_MS - 60_000);
    await db().loginAttempt.createMany({ data: Array.from({ length: 3 }, () => ({ email: `old-${ip}@test.local`, ip, success: false, createdAt: old })) });
    await authenticate(`someone-${ip}@test.local`, 'x', uniqueIp());
    expect(await db().loginAttempt.count({ where: { ip } })).toBe(0);
  });
});

/** Signs in for real (as the next-auth route does) and returns the session the JWT would carry. */
async function signedIn(user: { email: string; password: string }) {
  const result = await authenticate(user.email, user.password, uniqueIp());
  if (result.outcome !== 'ok') throw new Error(`sign-in failed: ${result.outcome}`);
  return { sessionId: result.user.sessionId };
}

/** Runs `fn` while only `adminIds` are active admins (the rule is global), then restores the others. */
async function withOnlyAdmins(adminIds: string[], fn: () => Promise<void>) {
  const others = await db().user.findMany({ where: { role: 'ADMIN', active: true, id: { notIn: adminIds } }, select: { id: true } });
  await db().user.updateMany({ where: { id: { in: others.map((o) => o.id) } }, data: { active: false } });
  try {
    await fn();
  } finally {
    await db().user.updateMany({ where: { id: { in: others.map((o) => o.id) } }, data: { active: true } });
  }
}

describe('sessions and user administration', () => {
  it('ends existing sessions when a user is deactivated or their role changes', async () => {
    const admin = await createTestUser('ADMIN');
    const user = await createTestUser('RESEARCHER');
    const session = await signedIn(user);
    expect(await userForSession(session)).toMatchObject({ role: 'RESEARCHER', mustChangePassword: false, sessionId: session.sessionId });

    const changed = await updateUser(user.id, { role: 'REVIEWER' }, admin);
    expect(changed.role).toBe('REVIEWER');
    expect(await userForSession(session)).toBeNull();

    const second = await signedIn(user);
    expect(await userForSession(second)).toMatchObject({ role: 'REVIEWER' });
    await updateUser(user.id, { active: false }, admin);
    expect(await userForSession(second)).toBeNull();

    const log = await db().auditLog.findMany({ where: { targetId: user.id, action: 'user.updated' }, orderBy: { createdAt: 'asc' } });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ actorId: admin.id, before: expect.objectContaining({ role: 'RESEARCHER' }), after: expect.objectContaining({ role: 'REVIEWER' }) });
  });

  it('signing out ends that session only; sessions also end when they expire', async () => {
    const user = await createTestUser('REVIEWER');
    const one = await signedIn(user);
    const two = await signedIn(user);
    await endSession(one.sessionId);
    expect(await userForSession(one)).toBeNull();
    expect(await userForSession(two)).toMatchObject({ id: user.id });
    expect(await userForSession(two, new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000 + 1000))).toBeNull();
    expect(await userForSession({ sessionId: 'made-up' })).toBeNull();
    expect(await userForSession({})).toBeNull();
  });

  it('changes one’s own password: current password required, other sessions end, this one stays', async () => {
    const user = await createTestUser('RESEARCHER');
    const here = await signedIn(user);
    const elsewhere = await signedIn(user);
    const account = { id: user.id, email: user.email, sessionId: here.sessionId };

    await expect(changeOwnPassword(account, { currentPassword: 'not it at all', newPassword: 'a brand new password' }, uniqueIp())).rejects.toThrow(/current password is wrong/);
    expect(await userForSession(elsewhere)).not.toBeNull();

    expect(await changeOwnPassword(account, { currentPassword: user.password, newPassword: 'a brand new password' }, uniqueIp())).toEqual({ endedSessions: 1 });
    expect(await userForSession(here)).toMatchObject({ id: user.id });
    expect(await userForSession(elsewhere)).toBeNull();
    expect(await authenticate(user.email, user.password, uniqueIp())).toEqual({ outcome: 'failed' });
    expect(await authenticate(user.email, 'a brand new password', uniqueIp())).toMatchObject({ outcome: 'ok' });

    const [entry] = await db().auditLog.findMany({ where: { targetId: user.id, action: 'user.password_changed' } });
    expect(entry).toMatchObject({ actorId: user.id, after: { endedSessions: 1 } });
    expect(JSON.stringify(entry)).not.toContain('a brand new password');
  });

  it('checks the current password within the sign-in limits', async () => {
    const user = await createTestUser('RESEARCHER');
    const account = { id: user.id, email: user.email, sessionId: (await signedIn(user)).sessionId };
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) {
      await expect(changeOwnPassword(account, { currentPassword: `guess ${i}`, newPassword: 'another new password' }, uniqueIp())).rejects.toThrow(/wrong/);
    }
    await expect(changeOwnPassword(account, { currentPassword: user.password, newPassword: 'another new password' }, uniqueIp())).rejects.toThrow(/Too many/);
  });

  it('validates new passwords like every password', () => {
    expect(changePasswordSchema.safeParse({ currentPassword: 'x', newPassword: 'short' }).success).toBe(false);
    expect(changePasswordSchema.safeParse({ currentPassword: 'same password 1', newPassword: 'same password 1' }).success).toBe(false);
    expect(changePasswordSchema.safeParse({ currentPassword: 'x', newPassword: 'long enough now' }).success).toBe(true);
  });

  it('an admin resets a password: shown once, must be changed, sessions end, audited without the password', async () => {
    const admin = await createTestUser('ADMIN');
    const user = await createTestUser('REVIEWER');
    const session = await signedIn(user);
    const { email, password } = await resetPassword(user.id, admin);
    expect(email).toBe(user.email);
    expect(password.length).toBeGreaterThanOrEqual(MIN_PASSWORD_LENGTH);
    expect(await userForSession(session)).toBeNull();
    expect(await authenticate(user.email, user.password, uniqueIp())).toEqual({ outcome: 'failed' });

    const forced = await signedIn({ email: user.email, password });
    expect(await userForSession(forced)).toMatchObject({ mustChangePassword: true });
    await changeOwnPassword({ id: user.id, email: user.email, sessionId: forced.sessionId }, { currentPassword: password, newPassword: 'chosen by the user' }, uniqueIp());
    expect(await userForSession(forced)).toMatchObject({ mustChangePassword: false });

    const entries = await db().auditLog.findMany({ where: { targetId: user.id, action: 'user.password_reset' } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actorId: admin.id, after: { mustChangePassword: true, endedSessions: 1 } });
    expect(JSON.stringify(entries[0])).not.toContain(password);
    await expect(resetPassword(admin.id, admin)).rejects.toThrow(/own password/);
  });

  it('ends all sessions of a user (an admin, or the user: sign out everywhere)', async () => {
    const admin = await createTestUser('ADMIN');
    const user = await createTestUser('RESEARCHER');
    const sessions = [await signedIn(user), await signedIn(user)];
    expect(await endSessions(user.id, admin)).toEqual({ email: user.email, endedSessions: 2 });
    for (const session of sessions) expect(await userForSession(session)).toBeNull();

    const mine = await signedIn(user);
    expect(await endSessions(user.id, user)).toEqual({ email: user.email, endedSessions: 1 });
    expect(await userForSession(mine)).toBeNull();
    const log = await db().auditLog.findMany({ where: { targetId: user.id, action: 'user.sessions_ended' }, orderBy: { createdAt: 'asc' } });
    expect(log.map((e) => e.actorId)).toEqual([admin.id, user.id]);
  });

  it('creates users once per email and never demotes the last active admin', async () => {
    const admin = await createTestUser('ADMIN');
    const input = { email: `new-${admin.id}@test.local`, name: null, password: 'long enough password', role: 'RESEARCHER' as const };
    const created = await createUser(input, admin);
    expect(created).toMatchObject({ email: input.email, role: 'RESEARCHER', active: true });
    expect(created).not.toHaveProperty('passwordHash');
    await expect(createUser(input, admin)).rejects.toThrow(/already exists/);

    await withOnlyAdmins([admin.id], async () => {
      await expect(updateUser(admin.id, { active: false }, admin)).rejects.toThrow(/last active admin/);
      await expect(updateUser(admin.id, { role: 'REVIEWER' }, admin)).rejects.toThrow(/last active admin/);
    });
  });

  it('keeps one active admin when the last two demote or deactivate each other at the same moment', async () => {
    for (const change of [{ role: 'RESEARCHER' as const }, { active: false }]) {
      for (let round = 0; round < 3; round++) {
        const a = await createTestUser('ADMIN');
        const b = await createTestUser('ADMIN');
        await withOnlyAdmins([a.id, b.id], async () => {
          const results = await Promise.allSettled([updateUser(b.id, change, a), updateUser(a.id, change, b)]);
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          const [refused] = results.filter((r) => r.status === 'rejected');
          expect(String(refused.reason)).toMatch(/last active admin/);
          expect(await db().user.count({ where: { id: { in: [a.id, b.id] }, role: 'ADMIN', active: true } })).toBe(1);
        });
      }
    }
  });

  it('creates the first admin only when there are no users', async () => {
    const lines: string[] = [];
    await ensureFirstAdmin((line) => lines.push(line));
    expect(lines).toEqual([]);
  });

  it('generates a first-admin password that must be changed; ADMIN_PASSWORD obeys the password rules', () => {
    const generated = firstAdminFromEnv({ ADMIN_EMAIL: 'Boss@Example.org' });
    expect(generated).toMatchObject({ email: 'boss@example.org', generated: true });
    expect(generated.password.length).toBeGreaterThanOrEqual(MIN_PASSWORD_LENGTH);
    expect(firstAdminFromEnv({ ADMIN_PASSWORD: 'a fine admin password' })).toEqual({ email: 'admin@localhost', password: 'a fine admin password', generated: false });
    expect(() => firstAdminFromEnv({ ADMIN_PASSWORD: 'short' })).toThrow(/ADMIN_PASSWORD is not acceptable: Use at least 10 characters/);
  });
});
