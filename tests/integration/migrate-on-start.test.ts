import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { migrateOnStart, MigrationStateError } from '@/lib/db/migrate';

// Each case gets its own database in the shared test cluster.
const created: string[] = [];
async function freshDatabase(): Promise<{ url: string; client: pg.Client }> {
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  const name = `mig_${crypto.randomUUID().replaceAll('-', '')}`;
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  created.push(name);
  const url = new URL(inject('databaseUrl'));
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return { url: url.toString(), client };
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
});

describe('migrations at start', () => {
  it('applies every migration to an empty database, then nothing the second time', async () => {
    const { url, client } = await freshDatabase();
    const first = await migrateOnStart(url);
    expect(first.length).toBeGreaterThan(0);
    expect(await migrateOnStart(url)).toEqual([]);
    const tables = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name = 'User'`);
    expect(tables.rows[0].n).toBe(1);
    await client.end();
  });

  it('refuses a database that is ahead of the code', async () => {
    const { url, client } = await freshDatabase();
    await migrateOnStart(url);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, 'x', now(), '29991231000000_from_the_future', now(), 1)`,
      [crypto.randomUUID()],
    );
    await client.end();
    await expect(migrateOnStart(url)).rejects.toThrow(MigrationStateError);
    await expect(migrateOnStart(url)).rejects.toThrow(/ahead of this code.*29991231000000_from_the_future/);
  });

  it('refuses a database with a failed migration', async () => {
    const { url, client } = await freshDatabase();
    await migrateOnStart(url);
    await client.query(`UPDATE _prisma_migrations SET finished_at = NULL, logs = 'boom' WHERE id = (SELECT id FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1)`);
    await client.end();
    await expect(migrateOnStart(url)).rejects.toThrow(/failed migration/);
  });
});
