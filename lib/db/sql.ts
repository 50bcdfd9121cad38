/** What raw SQL on the `pg` pools (lib/db/pools.ts) shares. */
import type pg from 'pg';

/*
 * Prisma stores DateTime as `timestamp(3)` holding UTC wall-clock time. Raw SQL writes and
 * compares those columns with this expression so that every process (and Prisma) agrees on the
 * clock, whatever the session's TimeZone setting.
 */
export const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

/** What a query needs of a pool or a checked-out client; `pg.Pool` and `pg.PoolClient` fit. */
export type SqlPool = Pick<pg.Pool, 'query'>;
export type PgClient = Pick<pg.PoolClient, 'query'>;

/** Number of rows a statement changed. */
export async function execute(client: PgClient, sql: string, values: unknown[] = []): Promise<number> {
  return (await client.query(sql, values)).rowCount ?? 0;
}

export async function queryRows<T>(client: PgClient, sql: string, values: unknown[] = []): Promise<T[]> {
  return (await client.query(sql, values)).rows as T[];
}

/** BEGIN … COMMIT on one connection of `pool`; ROLLBACK when `work` throws. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
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
