/**
 * A worker: pg-boss plus one handler per queue of the job table, each queue worked on with its
 * own concurrency, and the periodic sweeps scheduled. `npm run worker` (any number, on any machine
 * sharing DATABASE_URL and DATA_DIR) and the in-app worker (instrumentation.ts) run the same code,
 * so every worker handles every kind of job.
 */
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { queueKinds, queues, type QueueKind } from '@/lib/jobs/queues';
import { jobHandlers, type JobHandler, type WorkerContext } from '@/lib/worker/handlers';

export interface WorkerRuntimeOptions {
  log?: (message: string) => void;
  /** Jobs at once per queue, over the table's defaults (e.g. `--jobs=` for pipeline chunks). */
  concurrency?: Partial<Record<QueueKind, number>>;
  /** The queues to work on (default: all of them). */
  kinds?: readonly QueueKind[];
}

export interface WorkerRuntime {
  /** Stops taking jobs, lets the ones in progress finish or stop at a safe point, then stops pg-boss. */
  stop(): Promise<void>;
}

async function startQueue<K extends QueueKind>(kind: K, context: WorkerContext, options: WorkerRuntimeOptions): Promise<JobHandler<K>> {
  const definition = queues[kind];
  const handler = await jobHandlers[kind](context);
  const localConcurrency = options.concurrency?.[kind] ?? definition.concurrency(process.env);
  await context.boss.work(definition.name, { batchSize: 1, localConcurrency, pollingIntervalSeconds: 0.5 }, async ([job]) =>
    handler.handle(definition.payload.parse(job.data) as Parameters<typeof handler.handle>[0], { id: job.id, retryCount: job.retryCount }),
  );
  if (definition.schedule) await context.boss.schedule(definition.name, definition.schedule, {});
  return handler;
}

export async function startWorkerRuntime(options: WorkerRuntimeOptions = {}): Promise<WorkerRuntime> {
  const log = options.log ?? ((message: string) => console.log(`[worker] ${message}`));
  const boss = await getBoss({ log });
  const context: WorkerContext = { boss, log };
  const kinds = options.kinds ?? queueKinds;
  const started: { kind: QueueKind; handler: JobHandler<QueueKind> }[] = [];
  for (const kind of kinds) started.push({ kind, handler: (await startQueue(kind, context, options)) as JobHandler<QueueKind> });
  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        await Promise.all(started.map(({ kind }) => boss.offWork(queues[kind].name, { wait: true })));
        for (const { handler } of started) await handler.stop?.();
        await stopBoss();
      })();
      return stopping;
    },
  };
}

const globalForWorker = globalThis as unknown as { studioInAppWorker?: Promise<WorkerRuntime | null> };

/** The worker inside the app server; started once per process, never during `next build`, none with IN_APP_WORKER=0. */
export function startInAppWorker(env: NodeJS.ProcessEnv = process.env): Promise<WorkerRuntime | null> {
  globalForWorker.studioInAppWorker ??= (async () => {
    if (env.IN_APP_WORKER === '0' || env.NEXT_PHASE === 'phase-production-build' || !env.DATABASE_URL) return null;
    const runtime = await startWorkerRuntime();
    console.log('[worker] in-app worker started for every queue (IN_APP_WORKER=0 turns it off; `npm run worker` adds more)');
    const stop = () => void runtime.stop().catch(() => {});
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return runtime;
  })().catch((error: unknown) => {
    console.error('[worker] the in-app worker did not start:', error);
    return null;
  });
  return globalForWorker.studioInAppWorker;
}
