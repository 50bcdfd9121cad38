/**
 * The evaluation worker: takes chunk jobs from the `eval-chunk` queue and processes them, beside the
 * pipeline worker in the same processes (the app and `npm run worker`). Both share the LLM cache and
 * the endpoints' limits through Postgres, so evaluations and pipeline runs get the same throughput
 * and never exceed an endpoint's limits together.
 */
import type { PgBoss } from 'pg-boss';
import { EvalControls } from '@/lib/eval/control';
import { evalChunkJobSchema, processEvalChunk, type EvalChunkEnvironment } from '@/lib/eval/process-chunk';
import { reconcileEvalRuns } from '@/lib/eval/runs';
import { queues } from '@/lib/jobs/queues';
import type { LlmDeps } from '@/lib/llm/call';
import type { EndpointConfig } from '@/lib/llm/types';
import { endpointLookup } from '@/lib/pipeline/models';
import { pipelinePool, type SqlPool } from '@/lib/pipeline/sql';

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

export async function startEvalWorker(options: EvalWorkerOptions): Promise<EvalWorker> {
  const log = options.log ?? ((message: string) => console.log(`[eval] ${message}`));
  const controls = new EvalControls({ refreshMs: options.controlRefreshMs, log });
  const env: EvalChunkEnvironment = {
    controls,
    endpoints: endpointLookup((name) => options.llm.endpoint(name)),
    deps: options.llm.deps,
    pool: options.pool ?? pipelinePool(),
  };
  const queueName = queues.evalChunk.name;
  const concurrentChunks = options.concurrentChunks ?? positiveInt(process.env.PIPELINE_JOBS, 10);

  await options.boss.work(queueName, { batchSize: 1, localConcurrency: concurrentChunks, pollingIntervalSeconds: 0.5 }, async ([job]) => {
    const chunk = evalChunkJobSchema.parse(job.data);
    const report = await processEvalChunk(chunk, env);
    if (report.runCompleted) log(`evaluation ${chunk.evalRunId} completed`);
    return report.items === null ? { skipped: true } : { items: report.items, stepsRun: report.stepsRun };
  });

  const reconcileEveryMs = options.reconcileEveryMs ?? 15_000;
  let reconciling = false;
  const timer =
    reconcileEveryMs > 0
      ? setInterval(() => {
          if (reconciling) return;
          reconciling = true;
          reconcileEvalRuns(options.boss)
            .then((result) => {
              if (result.started + result.completed + result.requeued > 0) log(`recovered evaluations: ${JSON.stringify(result)}`);
            })
            .catch((error: unknown) => log(`evaluation recovery failed: ${String(error)}`))
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
    },
  };
}
