/**
 * Starting and stopping a whole pipeline worker in a process: pg-boss, the LLM service (Postgres
 * cache, call log, cross-process limiter) and the chunk worker. `npm run worker` and the in-app
 * worker (instrumentation.ts) both use this.
 */
import { startEvalWorker } from '@/lib/eval/worker';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { llmService } from '@/lib/llm/service';
import { pipelineModels } from '@/lib/pipeline/models';
import { ensureBuiltInRecipes } from '@/lib/pipeline/recipes';
import { startPipelineWorker, type PipelineWorker } from '@/lib/pipeline/worker';

export interface WorkerRuntime {
  worker: PipelineWorker;
  stop(): Promise<void>;
}

export async function startWorkerRuntime(options: { log?: (message: string) => void; concurrentChunks?: number } = {}): Promise<WorkerRuntime> {
  const log = options.log ?? ((message: string) => console.log(`[pipeline] ${message}`));
  const boss = await getBoss({ log });
  const service = llmService();
  await ensureBuiltInRecipes();
  const worker = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: options.concurrentChunks, log });
  const evalWorker = await startEvalWorker({ boss, llm: service, concurrentChunks: options.concurrentChunks });
  let stopping: Promise<void> | null = null;
  return {
    worker,
    stop() {
      stopping ??= (async () => {
        await Promise.all([worker.stop(), evalWorker.stop()]);
        await service.flush().catch((error: unknown) => log(`could not flush the LLM call log: ${String(error)}`));
        await stopBoss();
      })();
      return stopping;
    },
  };
}

const globalForWorker = globalThis as unknown as { studioInAppWorker?: Promise<WorkerRuntime | null> };

/** The worker inside the app server; started once per process, never during `next build`. */
export function startInAppWorker(env: NodeJS.ProcessEnv = process.env): Promise<WorkerRuntime | null> {
  globalForWorker.studioInAppWorker ??= (async () => {
    if (env.IN_APP_WORKER === '0' || env.NEXT_PHASE === 'phase-production-build' || !env.DATABASE_URL) return null;
    const runtime = await startWorkerRuntime();
    console.log('[pipeline] in-app worker started (IN_APP_WORKER=0 turns it off; `npm run worker` adds more)');
    const stop = () => void runtime.stop().catch(() => {});
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    return runtime;
  })().catch((error: unknown) => {
    console.error('[pipeline] the in-app worker did not start:', error);
    return null;
  });
  return globalForWorker.studioInAppWorker;
}
