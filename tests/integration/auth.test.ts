import { describe, expect, it, vi } from 'vitest';
import { db } from '@/lib/db/client';
import { verifyPassword } from '@/lib/auth/passwords';
import { authenticate, checkLoginRateLimit, LOGIN_WINDOW_MS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP } from '@/lib/auth/login';
import { createUser, ensureFirstAdmin, updateUser } from '@/lib/auth/users';
import { userForSession } from '@/lib/auth/session';
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

describe('sessions and user administration', () => {
  it('ends existing sessions when a user is deactivated or their role changes', async () => {
    const admin = await createTestUser('ADMIN');
    const user = await createTestUser('RESEARCHER');
    const session = { userId: user.id, sessionVersion: user.sessionVersion };
    expect(await userForSession(session)).toMatchObject({ role: 'RESEARCHER' });

    const changed = await updateUser(user.id, { role: 'REVIEWER' }, admin);
    expect(changed.role).toBe('REVIEWER');
    expect(await userForSession(session)).toBeNull();

    const fresh = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    await updateUser(user.id, { active: false }, admin);
    expect(await userForSession({ userId: user.id, sessionVersion: fresh.sessionVersion })).toBeNull();

    const log = await db().auditLog.findMany({ where: { targetId: user.id, action: 'user.updated' }, orderBy: { createdAt: 'asc' } });
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ actorId: admin.id, before: expect.objectContaining({ role: 'RESEARCHER' }), after: expect.objectContaining({ role: 'REVIEWER' }) });
  });

  it('creates users once per email and never demotes the last active admin', async () => {
    const admin = await createTestUser('ADMIN');
    const input = { email: `new-${admin.id}@test.local`, name: null, password: 'long enough password', role: 'RESEARCHER' as const };
    const created = await createUser(input, admin);
    expect(created).toMatchObject({ email: input.email, role: 'RESEARCHER', active: true });
    expect(created).not.toHaveProperty('passwordHash');
    await expect(createUser(input, admin)).rejects.toThrow(/already exists/);

    await db().user.updateMany({ where: { role: 'ADMIN', id: { not: admin.id } }, data: { active: false } });
    await expect(updateUser(admin.id, { active: false }, admin)).rejects.toThrow(/last active admin/);
    await expect(updateUser(admin.id, { role: 'REVIEWER' }, admin)).rejects.toThrow(/last active admin/);
  });

  it('creates the first admin only when there are no users', async () => {
    const lines: string[] = [];
    await ensureFirstAdmin((line) => lines.push(line));
    expect(lines).toEqual([]);
  });
});
