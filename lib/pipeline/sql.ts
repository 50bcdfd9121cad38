/**
 * The pipeline's own small pg pool for its hot path (stage writes): plain parameterised SQL,
 * without Prisma's per-query overhead, and not queued behind page queries.
 */
import pg from 'pg';

/** Prisma keeps DateTime columns as UTC wall-clock `timestamp(3)`; raw SQL must agree. */
export const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

export type SqlPool = Pick<pg.Pool, 'query'>;

const globalForPool = globalThis as unknown as { studioPipelinePool?: pg.Pool };

export function pipelinePool(): pg.Pool {
  if (!globalForPool.studioPipelinePool) {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL is not set.');
    const pool = new pg.Pool({ connectionString, max: Number(process.env.PIPELINE_POOL_SIZE ?? 4), idleTimeoutMillis: 30_000, allowExitOnIdle: true });
    pool.on('error', (error) => console.warn(`[pipeline] idle database connection failed: ${error.message}`));
    globalForPool.studioPipelinePool = pool;
  }
  return globalForPool.studioPipelinePool;
}

export async function closePipelinePool(): Promise<void> {
  const pool = globalForPool.studioPipelinePool;
  globalForPool.studioPipelinePool = undefined;
  await pool?.end();
}
