import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { authenticate, checkLoginRateLimit, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_IP } from '@/lib/auth/login';
import { createUser, ensureFirstAdmin, updateUser } from '@/lib/auth/users';
import { userForSession } from '@/lib/auth/session';
import { createTestUser, uniqueIp } from './helpers';

describe('sign-in', () => {
  it('accepts the right password (any email case), refuses a wrong one, and logs both', async () => {
    const user = await createTestUser('RESEARCHER');
    const ip = uniqueIp();
    expect(await authenticate(user.email.toUpperCase(), user.password, ip)).toMatchObject({ id: user.id, role: 'RESEARCHER' });
    expect(await authenticate(user.email, 'wrong password', ip)).toBeNull();
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
    expect(await authenticate(user.email, user.password, uniqueIp())).toBeNull();
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
