import crypto from 'node:crypto';
import pg from 'pg';
import { disconnectDb } from '@/lib/db/client';
import { migrateOnStart } from '@/lib/db/migrate';

/**
 * For the rare test whose subject is global state (e.g. "the built-in recipes", of which a database
 * holds one set): a fresh, migrated database in the same cluster, used by `db()` in this test file
 * only. Other files share the integration database and can create those rows in any order.
 */
export async function useOwnDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const shared = process.env.DATABASE_URL;
  if (!shared) throw new Error('DATABASE_URL is not set (tests/integration/setup-env.ts sets it).');
  const name = `it_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new URL(shared);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const own = new URL(shared);
  own.pathname = `/${name}`;
  const url = own.toString();
  await migrateOnStart(url);
  await disconnectDb();
  process.env.DATABASE_URL = url;
  return {
    url,
    async drop() {
      await disconnectDb();
      process.env.DATABASE_URL = shared;
      const dropper = new pg.Client({ connectionString: admin.toString() });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
