/**
 * The job table: every pg-boss queue of the app, with the payload its jobs carry (checked by zod
 * when sent and again when worked), its retry and expiry policy and, for the periodic sweeps, its
 * schedule. Senders (`sendJob`) and workers (lib/worker) both read it; the handlers live in
 * lib/worker/handlers.ts, whose `Record<QueueKind, …>` the compiler holds to this list.
 *
 * The database row (Run, Import, Export) holds the state; a job only says "work on this row".
 * A worker that dies stops sending heartbeats; its job goes back to the queue within
 * `heartbeatSeconds` plus one supervision pass and another worker continues from the row.
 */
import type { Queue } from 'pg-boss';
import { z } from 'zod';

export type QueuePolicy = Omit<Queue, 'name'>;

const id = z.string().min(1).max(100);
const noPayload = z.object({}).strict();

export interface QueueDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  payload: S;
  policy: QueuePolicy;
  /** Jobs one worker process works on at once. */
  concurrency: (env: Record<string, string | undefined>) => number;
  /** A cron expression (minute precision): pg-boss sends one job per occurrence, whichever process's clock runs it. */
  schedule?: string;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

/** Chunk queues: one stately job per chunk (never two workers on one chunk), retried with backoff. */
const chunkPolicy: QueuePolicy = {
  policy: 'stately',
  heartbeatSeconds: 10,
  expireInSeconds: 12 * 60 * 60,
  retryLimit: 20,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 60,
  deleteAfterSeconds: 24 * 60 * 60,
};

/** A periodic sweep: at most one waiting, never retried (the next occurrence is the retry). */
const sweepPolicy: QueuePolicy = { policy: 'short', retryLimit: 0, expireInSeconds: 5 * 60, deleteAfterSeconds: 60 * 60 };

/** Keeps each entry's payload type while checking every entry against `QueueDefinition`. */
function defineQueues<T extends Record<string, z.ZodType>>(table: { [K in keyof T]: QueueDefinition<T[K]> }): { [K in keyof T]: QueueDefinition<T[K]> } {
  return table;
}

export const queues = defineQueues({
  /**
   * One job per chunk of run items. `stately` with a singleton key per chunk means a chunk is
   * never processed by two workers at once, and re-sending a chunk (resume, retry, recovery) while
   * it is queued is a no-op.
   */
  pipelineChunk: {
    name: 'pipeline-chunk',
    payload: z.object({ runId: id, fromId: z.string().regex(/^\d+$/), toId: z.string().regex(/^\d+$/) }),
    policy: chunkPolicy,
    concurrency: (env) => positiveInt(env.PIPELINE_JOBS, 10),
  },
  /**
   * One job per started or resumed import (key: the import id, one waiting or running at a time).
   * `token` is the attempt `beginImport`/`resumeImport` issued; a retry after a crash takes the
   * import over from that attempt (lib/importers/jobs/lifecycle.ts `takeOverImport`).
   */
  import: {
    name: 'import',
    payload: z.object({ importId: id, token: z.string().uuid() }),
    policy: { policy: 'exclusive', heartbeatSeconds: 10, expireInSeconds: 12 * 60 * 60, retryLimit: 5, retryDelay: 1, deleteAfterSeconds: 7 * 24 * 60 * 60 },
    concurrency: (env) => positiveInt(env.IMPORT_JOBS, 2),
  },
  /** One job per background bundle export (key: the export id); a retry writes the bundle again from the start. */
  export: {
    name: 'export',
    payload: z.object({ exportId: id, actor: z.object({ id: z.string(), email: z.string() }) }),
    policy: { policy: 'exclusive', heartbeatSeconds: 10, expireInSeconds: 12 * 60 * 60, retryLimit: 3, retryDelay: 1, deleteAfterSeconds: 7 * 24 * 60 * 60 },
    concurrency: (env) => positiveInt(env.EXPORT_JOBS, 2),
  },
  /** One job per chunk of evaluation items, with the same policy as pipeline chunks (lib/eval). */
  evalChunk: {
    name: 'eval-chunk',
    payload: z.object({ evalRunId: id, fromId: z.string().regex(/^\d+$/), toId: z.string().regex(/^\d+$/) }),
    policy: chunkPolicy,
    concurrency: (env) => positiveInt(env.EVAL_JOBS ?? env.PIPELINE_JOBS, 10),
  },
  /** Marks imports whose worker is gone and has not been replaced as FAILED (resumable); removes abandoned uploads. */
  importSweep: { name: 'import-sweep', payload: noPayload, policy: sweepPolicy, concurrency: () => 1, schedule: '* * * * *' },
  /** Marks background exports with neither a live job nor a live worker as FAILED. */
  exportSweep: { name: 'export-sweep', payload: noPayload, policy: sweepPolicy, concurrency: () => 1, schedule: '* * * * *' },
  /** Repairs runs a crash left behind: starts queued runs, re-queues lost chunks, completes finished runs. */
  pipelineReconcile: { name: 'pipeline-reconcile', payload: noPayload, policy: sweepPolicy, concurrency: () => 1, schedule: '* * * * *' },
  /** The same repairs for evaluation runs. */
  evalReconcile: { name: 'eval-reconcile', payload: noPayload, policy: sweepPolicy, concurrency: () => 1, schedule: '* * * * *' },
});

export type QueueKind = keyof typeof queues;
export const queueKinds = Object.keys(queues) as QueueKind[];
export type JobPayload<K extends QueueKind> = z.infer<(typeof queues)[K]['payload']>;
