import pg from 'pg';

const globalForExports = globalThis as unknown as { studioExportPool?: pg.Pool };

/**
 * Exports read through plain `pg` rather than Prisma: a server-side cursor fetched in large
 * batches as arrays is what keeps a million-row export fast and its memory flat. A few
 * connections suffice, since each running export holds one for its whole length.
 */
export function exportPool(): pg.Pool {
  if (!globalForExports.studioExportPool) {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL is not set. Start the app with `npm start`, which provides the embedded Postgres.');
    const pool = new pg.Pool({ connectionString, max: Number(process.env.EXPORT_POOL_SIZE ?? 4), application_name: 'studio-exports' });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', (error) => console.error(`[exports] idle database connection failed: ${error.message}`));
    globalForExports.studioExportPool = pool;
  }
  return globalForExports.studioExportPool;
}

export async function closeExportPool(): Promise<void> {
  const pool = globalForExports.studioExportPool;
  globalForExports.studioExportPool = undefined;
  await pool?.end();
}
