/**
 * The pipeline's part of a worker: processes chunk jobs, several at a time. Every worker process
 * (in the app, or `npm run worker`) runs it for the `pipelineChunk` queue; processes share the
 * queue, the LLM cache and the endpoint limits through Postgres, so adding processes adds
 * throughput until the endpoints' limits bind.
 */
import type { PgBoss } from 'pg-boss';
import { pool } from '@/lib/db/pools';
import { queues, type JobPayload } from '@/lib/jobs/queues';
import { ItemSlots, itemsInFlightFromEnv } from '@/lib/pipeline/item-slots';
import { processChunk, type ChunkEnvironment } from '@/lib/pipeline/process-chunk';
import { RunControls } from '@/lib/pipeline/run-control';
import { createStageWriter, type StageWriter } from '@/lib/pipeline/stage-writer';
import { reconcileRuns } from '@/lib/pipeline/runs';
import type { PipelineModels } from '@/lib/pipeline/stages/types';

export interface ChunkWorkerOptions {
  models: PipelineModels;
  /** How often running runs' status and budget are re-read. */
  controlRefreshMs?: number;
  /** Defaults to batched writes on the pipeline's pg pool. */
  writer?: StageWriter;
  /** Items advanced at once across this process's chunks (default PIPELINE_ITEMS or 400). */
  itemsInFlight?: number;
  log?: (message: string) => void;
}

export interface ChunkWorker {
  controls: RunControls;
  handle(chunk: JobPayload<'pipelineChunk'>): Promise<object>;
  /** Chunks in progress stop at their next stage boundary; pending stage writes are flushed. */
  stop(): Promise<void>;
}

/** The handler of chunk jobs with the per-process state it needs (run controls, batched writer). */
export function createChunkWorker(options: ChunkWorkerOptions): ChunkWorker {
  const log = options.log ?? ((message: string) => console.log(`[pipeline] ${message}`));
  const controls = new RunControls({ refreshMs: options.controlRefreshMs, log });
  const writer = options.writer ?? createStageWriter(pool('pipeline'));
  const slots = new ItemSlots(options.itemsInFlight ?? itemsInFlightFromEnv());
  const env: ChunkEnvironment = { controls, models: options.models, writer, slots };
  return {
    controls,
    async handle(chunk) {
      const report = await processChunk(chunk, env);
      if (report.runCompleted) log(`run ${chunk.runId} completed`);
      return report.items === null ? { skipped: true } : { items: report.items, stagesRun: report.stagesRun };
    },
    async stop() {
      controls.stopAll();
      await writer.flush();
    },
  };
}

/** Repairs runs a crash left behind (the `pipelineReconcile` schedule, or a test's timer). */
export async function reconcilePipelineRuns(boss: PgBoss, log: (message: string) => void): Promise<void> {
  const result = await reconcileRuns(boss, queues.pipelineChunk.name, log);
  if (result.started + result.completed + result.requeued + result.failed > 0) log(`recovered runs: ${JSON.stringify(result)}`);
}

export interface PipelineWorkerOptions extends ChunkWorkerOptions {
  boss: PgBoss;
  /** Chunk jobs worked on at once by this process (default PIPELINE_JOBS or 10). */
  concurrentChunks?: number;
  /** How often this process repairs runs (0 = never; worker processes use the schedule instead). */
  reconcileEveryMs?: number;
}

export interface PipelineWorker {
  controls: RunControls;
  /** Stops taking jobs; chunks in progress stop at their next stage boundary. */
  stop(): Promise<void>;
}

/**
 * A chunk worker on its own, without the other queues (tests of the pipeline use it; processes
 * run every queue through lib/worker/runtime.ts).
 */
export async function startPipelineWorker(options: PipelineWorkerOptions): Promise<PipelineWorker> {
  const log = options.log ?? ((message: string) => console.log(`[pipeline] ${message}`));
  const worker = createChunkWorker(options);
  const { name, payload } = queues.pipelineChunk;
  const concurrentChunks = options.concurrentChunks ?? queues.pipelineChunk.concurrency(process.env);
  await options.boss.work(name, { batchSize: 1, localConcurrency: concurrentChunks, pollingIntervalSeconds: 0.5 }, async ([job]) => worker.handle(payload.parse(job.data)));

  const reconcileEveryMs = options.reconcileEveryMs ?? 0;
  let reconciling = false;
  const timer =
    reconcileEveryMs > 0
      ? setInterval(() => {
          if (reconciling) return;
          reconciling = true;
          reconcilePipelineRuns(options.boss, log)
            .catch((error: unknown) => log(`run recovery failed: ${String(error)}`))
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
      worker.controls.stopAll();
      await options.boss.offWork(name, { wait: true });
      await worker.stop();
    },
  };
}
