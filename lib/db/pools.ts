/**
 * Every connection pool of a process, named, sized in one table. Besides Prisma (page queries,
 * audited mutations) a process keeps small `pg` pools of its own for hot paths where Prisma's
 * per-query overhead or memory costs too much, each kept apart so that one hot path never queues
 * behind another:
 *  - imports: batches of thousands of rows go straight to the driver. Through Prisma's raw-query
 *    path the same inserts cost ~80 MB more resident memory and keep growing with the batch count,
 *    which the constant-memory goal cannot afford; an import process never loads the ORM.
 *  - exports: a server-side cursor fetched in large batches as arrays keeps a million-row export
 *    fast and its memory flat; each running export holds one connection for its whole length.
 *  - pipeline: stage writes, plain parameterised SQL, not queued behind page queries.
 *  - llm: cache, call log and limiter leases, with synchronous_commit off (see lib/llm).
 *  - prisma and jobs (pg-boss) own their pools; their sizes are read from here too.
 * A pool opens connections only when used, so a process opens at most the sum of the pools it uses.
 */
import pg from 'pg';

export const poolNames = ['prisma', 'jobs', 'pipeline', 'imports', 'exports', 'llm'] as const;
export type PoolName = (typeof poolNames)[number];

type PoolBudget = { envVar: string; max: number; why: string };

/** The one place where a process's connections are decided; each is overridable by its variable. */
export const poolBudget: Record<PoolName, PoolBudget> = {
  prisma: { envVar: 'DATABASE_POOL_SIZE', max: 10, why: 'pages, server actions, audited writes' },
  jobs: { envVar: 'JOBS_POOL_SIZE', max: 4, why: 'pg-boss: fetching, completing, supervising, schedules' },
  pipeline: { envVar: 'PIPELINE_POOL_SIZE', max: 4, why: 'batched stage writes' },
  // Writers (2 by default) hold one connection each for their whole transaction; the heartbeat,
  // id reservation and state saves need a few more.
  imports: { envVar: 'IMPORT_POOL_SIZE', max: 6, why: 'import batches, heartbeats, state saves' },
  exports: { envVar: 'EXPORT_POOL_SIZE', max: 4, why: 'one cursor per running export' },
  llm: { envVar: 'LLM_POOL_SIZE', max: 6, why: 'LLM cache, call log, cross-process limiter' },
};

/** The size of a pool: its variable when set to a positive integer, else the budget's default. */
export function poolSize(name: PoolName, env: Record<string, string | undefined> = process.env): number {
  const { envVar, max } = poolBudget[name];
  const value = Number(env[envVar]);
  return Number.isInteger(value) && value > 0 ? value : max;
}

/** The most connections one process opens to the app database when every pool is in use. */
export function totalConnections(env: Record<string, string | undefined> = process.env): number {
  return poolNames.reduce((sum, name) => sum + poolSize(name, env), 0);
}

export function databaseUrl(): string {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set. Start the app with `npm start`, which provides the embedded Postgres.');
  return connectionString;
}

export type PoolOptions = { connectionString?: string; max?: number; onConnect?: (client: pg.PoolClient) => Promise<unknown> };

/** A new pool named after its use (it shows as `studio-<name>` in pg_stat_activity). */
export function createPool(name: PoolName, options: PoolOptions = {}): pg.Pool {
  const config = {
    connectionString: options.connectionString ?? databaseUrl(),
    max: options.max ?? poolSize(name),
    idleTimeoutMillis: 30_000,
    allowExitOnIdle: true,
    application_name: `studio-${name}`,
    // Awaited by pg-pool before the client is handed out.
    ...(options.onConnect ? { onConnect: options.onConnect } : {}),
  };
  const created = new pg.Pool(config as pg.PoolConfig);
  // An idle client that loses its connection (database restart) must not crash the process.
  created.on('error', (error) => console.error(`[db] idle ${name} connection failed: ${error.message}`));
  return created;
}

type SharedPoolName = Extract<PoolName, 'pipeline' | 'imports' | 'exports'>;

// Kept on globalThis: Next bundles instrumentation, route handlers and actions separately.
const globalForPools = globalThis as unknown as { studioPools?: Map<SharedPoolName, pg.Pool> };
const sharedPools = (): Map<SharedPoolName, pg.Pool> => (globalForPools.studioPools ??= new Map());

/** The process's pool for one hot path; created on first use. */
export function pool(name: SharedPoolName): pg.Pool {
  let found = sharedPools().get(name);
  if (!found) {
    found = createPool(name);
    sharedPools().set(name, found);
  }
  return found;
}

/** Ends the shared pools (scripts and tests; a server keeps them for its life). */
export async function closePools(names: readonly SharedPoolName[] = ['pipeline', 'imports', 'exports']): Promise<void> {
  await Promise.all(
    names.map(async (name) => {
      const found = sharedPools().get(name);
      sharedPools().delete(name);
      await found?.end();
    }),
  );
}
