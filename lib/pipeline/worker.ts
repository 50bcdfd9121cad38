/**
 * The pipeline worker: takes chunk jobs from pg-boss and processes them, several at a time. The
 * same code runs inside the app (instrumentation.ts) and in `npm run worker` processes; they share
 * the queue, the LLM cache and the endpoint limits through Postgres, so adding processes adds
 * throughput until the endpoints' limits bind.
 */
import type { PgBoss } from 'pg-boss';
import { queues } from '@/lib/jobs/queues';
import { chunkJobSchema, processChunk, type ChunkEnvironment } from '@/lib/pipeline/process-chunk';
import { RunControls } from '@/lib/pipeline/run-control';
import { pipelinePool } from '@/lib/pipeline/sql';
import { createStageWriter, type StageWriter } from '@/lib/pipeline/stage-writer';
import { reconcileRuns } from '@/lib/pipeline/runs';
import type { PipelineModels } from '@/lib/pipeline/stages/types';

export interface PipelineWorkerOptions {
  boss: PgBoss;
  models: PipelineModels;
  /** Chunk jobs worked on at once by this process (default PIPELINE_JOBS or 10). */
  concurrentChunks?: number;
  /** How often this process repairs runs a crash left behind (0 = never). */
  reconcileEveryMs?: number;
  /** How often running runs' status and budget are re-read. */
  controlRefreshMs?: number;
  /** Defaults to batched writes on the pipeline's pg pool. */
  writer?: StageWriter;
  log?: (message: string) => void;
}

export interface PipelineWorker {
  controls: RunControls;
  /** Stops taking jobs; chunks in progress stop at their next stage boundary. */
  stop(): Promise<void>;
}

function positiveInt(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export async function startPipelineWorker(options: PipelineWorkerOptions): Promise<PipelineWorker> {
  const log = options.log ?? ((message: string) => console.log(`[pipeline] ${message}`));
  const controls = new RunControls({ refreshMs: options.controlRefreshMs, log });
  const writer = options.writer ?? createStageWriter(pipelinePool());
  const env: ChunkEnvironment = { controls, models: options.models, writer };
  const queueName = queues.pipelineChunk.name;
  const concurrentChunks = options.concurrentChunks ?? positiveInt(process.env.PIPELINE_JOBS, 10);

  await options.boss.work(queueName, { batchSize: 1, localConcurrency: concurrentChunks, pollingIntervalSeconds: 0.5 }, async ([job]) => {
    const chunk = chunkJobSchema.parse(job.data);
    const report = await processChunk(chunk, env);
    if (report.runCompleted) log(`run ${chunk.runId} completed`);
    return report.items === null ? { skipped: true } : { items: report.items, stagesRun: report.stagesRun };
  });

  const reconcileEveryMs = options.reconcileEveryMs ?? 15_000;
  let reconciling = false;
  const timer =
    reconcileEveryMs > 0
      ? setInterval(() => {
          if (reconciling) return;
          reconciling = true;
          reconcileRuns(options.boss, queueName, log)
            .then((result) => {
              if (result.started + result.completed + result.requeued + result.failed > 0) log(`recovered runs: ${JSON.stringify(result)}`);
            })
            .catch((error: unknown) => log(`run recovery failed: ${String(error)}`))
            .finally(() => {
              reconciling = false;
            });
        }, reconcileEveryMs)
      : null;
  timer?.unref?.();

  return {
    controls,
    async stop() {
      if (timer) clearInterval(timer);
      controls.stopAll();
      await options.boss.offWork(queueName, { wait: true });
      await writer.flush();
    },
  };
}
