/**
 * The evaluation worker: takes chunk jobs from the `eval-chunk` queue and processes them, beside the
 * pipeline worker in the same processes (the app and `npm run worker`). Both share the LLM cache and
 * the endpoints' limits through Postgres, so evaluations and pipeline runs get the same throughput
 * and never exceed an endpoint's limits together.
 */
import type { PgBoss } from 'pg-boss';
import { EvalControls } from '@/lib/eval/control';
import { evalChunkJobSchema, processEvalChunk, type EvalChunkEnvironment, type EvalChunkJob } from '@/lib/eval/process-chunk';
import { reconcileEvalRuns } from '@/lib/eval/runs';
import { queues } from '@/lib/jobs/queues';
import type { LlmDeps } from '@/lib/llm/call';
import type { EndpointConfig } from '@/lib/llm/types';
import { endpointLookup } from '@/lib/pipeline/models';
import { pool } from '@/lib/db/pools';
import type { SqlPool } from '@/lib/db/sql';

export interface EvalWorkerOptions {
  boss: PgBoss;
  /** The process's LLM service (or anything with its shape). */
  llm: { endpoint(idOrName: string): Promise<EndpointConfig>; deps: LlmDeps };
  concurrentChunks?: number;
  reconcileEveryMs?: number;
  controlRefreshMs?: number;
  pool?: SqlPool;
  log?: (message: string) => void;
}

export interface EvalWorker {
  controls: EvalControls;
  stop(): Promise<void>;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export interface EvalChunkWorker {
  controls: EvalControls;
  handle(chunk: EvalChunkJob): Promise<object>;
  stop(): Promise<void>;
}

/** What a worker does with one `evalChunk` job (lib/worker/handlers.ts), without the queue. */
export function createEvalChunkWorker(options: Omit<EvalWorkerOptions, 'boss' | 'concurrentChunks' | 'reconcileEveryMs'>): EvalChunkWorker {
  const log = options.log ?? ((message: string) => console.log(`[eval] ${message}`));
  const controls = new EvalControls({ refreshMs: options.controlRefreshMs, log });
  const env: EvalChunkEnvironment = {
    controls,
    endpoints: endpointLookup((name) => options.llm.endpoint(name)),
    deps: options.llm.deps,
    pool: options.pool ?? pool('pipeline'),
  };
  return {
    controls,
    async handle(chunk) {
      const report = await processEvalChunk(chunk, env);
      if (report.runCompleted) log(`evaluation ${chunk.evalRunId} completed`);
      return report.items === null ? { skipped: true } : { items: report.items, stepsRun: report.stepsRun };
    },
    async stop() {
      controls.stopAll();
    },
  };
}

/** Repairs evaluation runs a crash left behind (the `evalReconcile` schedule, or a test's timer). */
export async function reconcileEvaluations(boss: PgBoss, log: (message: string) => void): Promise<void> {
  const result = await reconcileEvalRuns(boss);
  if (result.started + result.completed + result.requeued > 0) log(`recovered evaluations: ${JSON.stringify(result)}`);
}

/** A chunk worker on the queue in this process (tests; worker processes use lib/worker/runtime.ts). */
export async function startEvalWorker(options: EvalWorkerOptions): Promise<EvalWorker> {
  const log = options.log ?? ((message: string) => console.log(`[eval] ${message}`));
  const worker = createEvalChunkWorker({ ...options, log });
  const queueName = queues.evalChunk.name;
  const concurrentChunks = options.concurrentChunks ?? positiveInt(process.env.PIPELINE_JOBS, 10);

  await options.boss.work(queueName, { batchSize: 1, localConcurrency: concurrentChunks, pollingIntervalSeconds: 0.5 }, async ([job]) =>
    worker.handle(evalChunkJobSchema.parse(job.data)),
  );

  const reconcileEveryMs = options.reconcileEveryMs ?? 15_000;
  let reconciling = false;
  const timer =
    reconcileEveryMs > 0
      ? setInterval(() => {
          if (reconciling) return;
          reconciling = true;
          reconcileEvaluations(options.boss, log)
            .catch((error: unknown) => log(`evaluation recovery failed: ${String(error)}`))
            .finally(() => {
              reconciling = false;
            });
        }, reconcileEveryMs)
      : null;
  timer?.unref?.();

  return {
    controls: worker.controls,
    async stop() {
      if (timer) clearInterval(timer);
      await worker.stop();
      await options.boss.offWork(queueName, { wait: true });
    },
  };
}
