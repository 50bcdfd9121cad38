import path from 'node:path';
import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { dataDir, loadOrCreateSecrets } from '@/lib/runtime/data-dir';

export type DatabaseHandle = { url: string; embedded: boolean; stop(): Promise<void> };

/** DATABASE_URL when given; otherwise the embedded Postgres whose data lives in DATA_DIR/postgres. */
export async function openDatabase(log: (line: string) => void = () => {}): Promise<DatabaseHandle> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, stop: async () => {} };
  }
  const secrets = loadOrCreateSecrets();
  const db = await startEmbeddedPostgres({ databaseDir: path.join(dataDir(), 'postgres'), password: secrets.postgresPassword, log });
  return { url: db.url, embedded: true, stop: db.stop };
}
