import crypto from 'node:crypto';
import { db } from '@/lib/db/client';
import { hashPassword } from '@/lib/auth/passwords';
import type { RoleName } from '@/lib/auth/permissions';

/** A user with a unique email, so tests never collide on shared data. */
export async function createTestUser(role: RoleName, password = 'correct horse battery') {
  const email = `${role.toLowerCase()}-${crypto.randomUUID()}@test.local`;
  const user = await db().user.create({ data: { email, role, passwordHash: await hashPassword(password) } });
  return { ...user, password };
}

export function uniqueIp(): string {
  return `10.${crypto.randomInt(256)}.${crypto.randomInt(256)}.${crypto.randomInt(256)}`;
}
