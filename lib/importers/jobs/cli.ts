import type { AuditActor } from '@/lib/audit-log/record';

import { pool } from '@/lib/db/pools';
import { queryRows } from '@/lib/db/sql';

// Look-ups of the command line, on the job layer's own pool: an import process never loads the ORM.

export async function findActiveUserByEmail(email: string): Promise<NonNullable<AuditActor> | null> {
  const [user] = await queryRows<{ id: string; email: string }>(pool('imports'), `SELECT id, email FROM "User" WHERE email = $1 AND active`, [email]);
  return user ?? null;
}

export async function corpusIdsNamed(name: string): Promise<string[]> {
  return (await queryRows<{ id: string }>(pool('imports'), `SELECT id FROM "Corpus" WHERE name = $1`, [name])).map((row) => row.id);
}

export async function firstRowErrors(importId: string, limit: number): Promise<{ line: number; column: string | null; reason: string }[]> {
  return queryRows(pool('imports'), `SELECT line, "column", reason FROM "ImportRowError" WHERE "importId" = $1 ORDER BY id LIMIT $2`, [importId, limit]);
}
