/**
 * One pg-boss instance per process (kept on globalThis, because Next bundles instrumentation,
 * route handlers and server actions separately and module state is not shared between them).
 */
import { PgBoss } from 'pg-boss';
import { poolSize } from '@/lib/db/pools';
import { queueKinds, queues, type QueueKind } from '@/lib/jobs/queues';

const globalForBoss = globalThis as unknown as { studioBoss?: Promise<PgBoss> };

export interface BossOptions {
  connectionString?: string;
  /** Supervision (expired jobs, lost heartbeats) is cheap; every process may run it. */
  supervise?: boolean;
  log?: (message: string) => void;
}

async function createBoss(options: BossOptions): Promise<PgBoss> {
  const connectionString = options.connectionString ?? process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set; the job queue lives in the app database.');
  const boss = new PgBoss({
    connectionString,
    max: poolSize('jobs'),
    // A worker killed mid-job is noticed within heartbeatSeconds plus one supervision pass.
    supervise: options.supervise ?? true,
    superviseIntervalSeconds: 5,
    monitorIntervalSeconds: 5,
    // The periodic sweeps are pg-boss schedules (lib/jobs/queues.ts); one process's clock sends each occurrence.
    schedule: true,
    application_name: 'studio-jobs',
  });
  const log = options.log ?? ((message: string) => console.error(`[jobs] ${message}`));
  boss.on('error', (error) => log(`pg-boss: ${error instanceof Error ? error.message : String(error)}`));
  await boss.start();
  for (const kind of queueKinds) await ensureQueue(boss, kind);
  return boss;
}

/** Creates the queue, or brings an existing one's options up to date (only its policy is fixed at creation). */
async function ensureQueue(boss: PgBoss, kind: QueueKind): Promise<void> {
  const { name, policy } = queues[kind];
  const existing = await boss.getQueue(name);
  if (existing) {
    const { policy: _policy, partition: _partition, deadLetter: _deadLetter, heartbeatSeconds: _heartbeat, retryDelayMax: _max, ...updatable } = policy;
    await boss.updateQueue(name, updatable);
    return;
  }
  try {
    await boss.createQueue(name, policy);
  } catch (error) {
    // Another process created it between our check and our create.
    if (!(await boss.getQueue(name))) throw error;
  }
}

/** The process's started pg-boss with every queue created; the first call starts it. */
export function getBoss(options: BossOptions = {}): Promise<PgBoss> {
  globalForBoss.studioBoss ??= createBoss(options).catch((error: unknown) => {
    globalForBoss.studioBoss = undefined;
    throw error;
  });
  return globalForBoss.studioBoss;
}

export async function stopBoss(options: { graceful?: boolean; timeout?: number } = {}): Promise<void> {
  const pending = globalForBoss.studioBoss;
  globalForBoss.studioBoss = undefined;
  if (!pending) return;
  const boss = await pending.catch(() => null);
  await boss?.stop({ graceful: options.graceful ?? true, timeout: options.timeout ?? 10_000, close: true });
}
