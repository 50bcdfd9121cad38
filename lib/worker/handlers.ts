/**
 * What a worker does with each queue's jobs: `Record<QueueKind, …>`, so the compiler refuses a
 * queue of lib/jobs/queues.ts that no worker handles. Each entry is started once per worker
 * process (where it builds what its jobs share, e.g. the LLM service) and stopped with it.
 */
import type { PgBoss } from 'pg-boss';
import { evalCardSection } from '@/lib/eval/report';
import { createEvalChunkWorker, reconcileEvaluations } from '@/lib/eval/worker';
import { reapInterruptedExports, runBundleJob } from '@/lib/exporters/jobs';
import { markInterruptedImports, runImportJob } from '@/lib/importers/jobs/lifecycle';
import type { JobPayload, QueueKind } from '@/lib/jobs/queues';
import { llmService } from '@/lib/llm/service';
import { pipelineModels } from '@/lib/pipeline/models';
import { ensureBuiltInRecipes } from '@/lib/pipeline/recipes';
import { createChunkWorker, reconcilePipelineRuns } from '@/lib/pipeline/worker';

export interface WorkerContext {
  boss: PgBoss;
  log: (message: string) => void;
}

/** The job as pg-boss hands it over: `retryCount` > 0 means an earlier attempt did not finish. */
export type JobAttempt = { id: string; retryCount: number };

export interface JobHandler<K extends QueueKind> {
  handle(payload: JobPayload<K>, job: JobAttempt): Promise<object | null>;
  /** After the queue stopped taking jobs: finish or flush what the handler shares between jobs. */
  stop?(): Promise<void>;
}

export type JobHandlers = { [K in QueueKind]: (context: WorkerContext) => Promise<JobHandler<K>> };

export const jobHandlers: JobHandlers = {
  async pipelineChunk({ log }) {
    const service = llmService();
    await ensureBuiltInRecipes();
    const worker = createChunkWorker({ models: pipelineModels(service), log });
    return {
      handle: (chunk) => worker.handle(chunk),
      async stop() {
        await worker.stop();
        await service.flush().catch((error: unknown) => log(`could not flush the LLM call log: ${String(error)}`));
      },
    };
  },
  async evalChunk({ log }) {
    const service = llmService();
    const worker = createEvalChunkWorker({ llm: service, log });
    return {
      handle: (chunk) => worker.handle(chunk),
      async stop() {
        await worker.stop();
        await service.flush().catch((error: unknown) => log(`could not flush the LLM call log: ${String(error)}`));
      },
    };
  },
  async import({ log }) {
    return {
      async handle({ importId, token }, job) {
        const outcome = await runImportJob({ importId, token, retryCount: job.retryCount });
        if (outcome.status !== 'COMPLETED') log(`import ${importId}: ${outcome.status}${'error' in outcome ? ` (${outcome.error})` : ''}`);
        return outcome;
      },
    };
  },
  async export() {
    return {
      async handle({ exportId, actor }) {
        await runBundleJob(exportId, actor, { evaluation: evalCardSection });
        return { exportId };
      },
    };
  },
  async importSweep({ log }) {
    return {
      async handle() {
        const result = await markInterruptedImports();
        if (result.interrupted.length + result.rolledBack.length + result.abandoned.length + result.orphanFiles > 0) log(`import sweep: ${JSON.stringify(result)}`);
        return result;
      },
    };
  },
  async exportSweep({ log }) {
    return {
      async handle() {
        const reaped = await reapInterruptedExports();
        if (reaped > 0) log(`export sweep: ${reaped} interrupted export(s) marked failed`);
        return { reaped };
      },
    };
  },
  async evalReconcile({ boss, log }) {
    return {
      async handle() {
        await reconcileEvaluations(boss, log);
        return null;
      },
    };
  },
  async pipelineReconcile({ boss, log }) {
    return {
      async handle() {
        await reconcilePipelineRuns(boss, log);
        return null;
      },
    };
  },
};
