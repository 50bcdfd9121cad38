import path from 'node:path';
import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { dataDir, loadOrCreateSecrets } from '@/lib/runtime/data-dir';

export type DatabaseHandle = { url: string; embedded: boolean; clusterDir: string | null; stop(): Promise<void> };

/** DATABASE_URL when given; otherwise the embedded Postgres whose data lives in DATA_DIR/postgres. */
export async function openDatabase(log: (line: string) => void = () => {}, notice: (line: string) => void = log): Promise<DatabaseHandle> {
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, embedded: false, clusterDir: null, stop: async () => {} };
  }
  const secrets = loadOrCreateSecrets();
  const db = await startEmbeddedPostgres({ databaseDir: path.join(dataDir(), 'postgres'), password: secrets.postgresPassword, log, notice });
  return { url: db.url, embedded: true, clusterDir: db.clusterDir, stop: db.stop };
}

