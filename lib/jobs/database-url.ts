/**
 * Where a separate process (`npm run worker`) finds the app's database: DATABASE_URL when set,
 * otherwise the embedded Postgres that `npm start` runs from DATA_DIR — its port is in the
 * server's postmaster.pid and its password in the generated secrets file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from '@/lib/runtime/data-dir';

// Same role and database names as lib/db/embedded.ts creates.
const EMBEDDED_USER = 'studio';
const EMBEDDED_DATABASE = 'studio';

export class DatabaseNotFoundError extends Error {}

/** The port a running Postgres listens on, from line 4 of its postmaster.pid. */
export function portFromPostmasterPid(content: string): number | null {
  const port = Number(content.split('\n')[3]?.trim());
  return Number.isInteger(port) && port > 0 ? port : null;
}

export function workerDatabaseUrl(env: Record<string, string | undefined> = process.env, dir = dataDir()): string {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const pidFile = path.join(dir, 'postgres', 'postmaster.pid');
  const secretsFile = path.join(dir, 'secrets.json');
  if (!fs.existsSync(pidFile) || !fs.existsSync(secretsFile)) {
    throw new DatabaseNotFoundError(
      `No DATABASE_URL and no running embedded Postgres in ${dir}. Start the app with \`npm start\` first, or set DATABASE_URL (and DATA_DIR if the app uses another data folder).`,
    );
  }
  const port = portFromPostmasterPid(fs.readFileSync(pidFile, 'utf8'));
  const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as { postgresPassword?: string };
  if (port === null || !secrets.postgresPassword) {
    throw new DatabaseNotFoundError(`Cannot read the embedded Postgres port or password from ${dir}; is \`npm start\` running?`);
  }
  return `postgresql://${EMBEDDED_USER}:${encodeURIComponent(secrets.postgresPassword)}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}
