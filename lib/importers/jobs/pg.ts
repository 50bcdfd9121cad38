import pg from 'pg';

/**
 * The import runner's own small connection pool. Batches of thousands of rows go straight to the
 * driver: through Prisma's raw-query path the same inserts cost ~80 MB more resident memory and
 * keep growing with the batch count, which the constant-memory goal cannot afford. Everything
 * rare and audit-logged (create, start, cancel, delete) still goes through `db()`.
 */
export type PgClient = Pick<pg.PoolClient, 'query'>;

const globalForPool = globalThis as unknown as { studioImportPool?: pg.Pool };

export function importPool(): pg.Pool {
  if (!globalForPool.studioImportPool) {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL is not set.');
    const pool = new pg.Pool({ connectionString, max: 6, idleTimeoutMillis: 10_000 });
    // Writers (2 by default) hold one connection each for their whole transaction; the heartbeat,
    // id reservation and state saves need a few more.
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on('error', (error) => console.error('[imports] idle database connection failed:', error.message));
    globalForPool.studioImportPool = pool;
  }
  return globalForPool.studioImportPool;
}

export async function closeImportPool(): Promise<void> {
  const pool = globalForPool.studioImportPool;
  globalForPool.studioImportPool = undefined;
  await pool?.end();
}

/** Number of rows a statement changed. */
export async function execute(client: PgClient, sql: string, values: unknown[] = []): Promise<number> {
  return (await client.query(sql, values)).rowCount ?? 0;
}

export async function queryRows<T>(client: PgClient, sql: string, values: unknown[] = []): Promise<T[]> {
  return (await client.query(sql, values)).rows as T[];
}

/** BEGIN … COMMIT on one pooled connection; ROLLBACK when `work` throws. */
export async function withTransaction<T>(work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await importPool().connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    // A connection that cannot even roll back is discarded rather than handed out again.
    client.release(broken);
  }
}
