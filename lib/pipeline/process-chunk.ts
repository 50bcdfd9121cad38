/**
 * Works one chunk of a run: every item with work left goes through its remaining stages on its
 * own (no stage waits for the chunk's other items), as many items at once as the process's item
 * slots admit (lib/pipeline/item-slots.ts; the endpoint limiter then decides how many calls really
 * run at once). A stage whose result is stored is never run again; a crash between the model call
 * and the write costs no second payment, because the reply is in the LLM cache.
 */
import type { JobPayload } from '@/lib/jobs/queues';
import { LlmError } from '@/lib/llm/errors';
import type { LlmDeps } from '@/lib/llm/call';
import { applyStageResult, progressFromResults, type ItemProgress } from '@/lib/pipeline/item-state';
import type { ItemSlots } from '@/lib/pipeline/item-slots';
import { RunStoppedError, type RunControl, type RunControls } from '@/lib/pipeline/run-control';
import { runStage } from '@/lib/pipeline/stages/run-stage';
import type { PipelineModels } from '@/lib/pipeline/stages/types';
import type { StageWriter } from '@/lib/pipeline/stage-writer';
import { completeRunIfDone, loadChunkItems, loadItemResults, type ChunkItem } from '@/lib/pipeline/store';

/** What a chunk job carries (lib/jobs/queues.ts): the run and the RunItem id range. */
export type ChunkJob = JobPayload<'pipelineChunk'>;

export interface ChunkEnvironment {
  controls: RunControls;
  /** Endpoint lookup and the process's LLM ports (cache, limiter, recorder). */
  models: PipelineModels;
  writer: StageWriter;
  /** The process's items in flight, shared by every chunk it works on. */
  slots: ItemSlots;
}

export interface ChunkReport {
  /** Null when the run was not RUNNING, so nothing was done. */
  items: number | null;
  stagesRun: number;
  runCompleted: boolean;
}

function isStop(error: unknown): boolean {
  return error instanceof RunStoppedError || (error instanceof LlmError && error.kind === 'cancelled');
}

async function advanceItem(item: ChunkItem, control: RunControl, env: ChunkEnvironment): Promise<number> {
  const { models } = env;
  // A stored failure on an item that is not FAILED means someone asked to retry it.
  let progress: ItemProgress = progressFromResults(item.results, { retrying: true });
  // A reply that could not be used is cached like any other; asking again needs a fresh call.
  const retryFresh = new Set(item.results.filter((result) => !result.ok && result.verdict === 'UNPARSEABLE').map((result) => result.stage));
  const deps: LlmDeps = { ...models.deps, limiter: control.limiter(models.deps.limiter) };
  const ctxModels: PipelineModels = { ...models, deps };
  let stagesRun = 0;

  while (progress.next !== null && !control.stopped) {
    const stage = progress.next;
    let outcome;
    try {
      outcome = await runStage(
        stage,
        { config: control.config, models: ctxModels, runId: control.runId, signal: control.cancel.signal, bypassCache: retryFresh.has(stage) },
        { text: item.text, topic: item.topic, variant: item.variant, instruction: progress.instruction, chosen: progress.chosen },
      );
    } catch (error) {
      if (isStop(error)) return stagesRun;
      throw error;
    }
    if (control.cancel.signal.aborted) return stagesRun;
    const after = applyStageResult(progress, { stage, ...outcome });
    const written = await env.writer.write({ stage, outcome, after, pair: { runId: control.runId, item, simulated: control.simulated } });
    stagesRun += 1;
    progress = written ? after : progressFromResults(await loadItemResults(item.id));
  }
  return stagesRun;
}

/** Waits for an item slot (in the order chunks asked), then advances the item; a stopped run stops the wait. */
async function advanceWhenAdmitted(item: ChunkItem, control: RunControl, env: ChunkEnvironment): Promise<number> {
  try {
    await env.slots.acquire(control.stop.signal);
  } catch (error) {
    if (isStop(error)) return 0;
    throw error;
  }
  try {
    return control.stopped ? 0 : await advanceItem(item, control, env);
  } finally {
    env.slots.release();
  }
}

/** Processes one chunk job; throws only for infrastructure errors (the queue then retries the job). */
export async function processChunk(job: ChunkJob, env: ChunkEnvironment): Promise<ChunkReport> {
  const control = await env.controls.acquire(job.runId);
  if (!control) return { items: null, stagesRun: 0, runCompleted: false };
  try {
    const items = await loadChunkItems(job.runId, BigInt(job.fromId), BigInt(job.toId));
    const settled = await Promise.allSettled(items.map((item) => advanceWhenAdmitted(item, control, env)));
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    const stagesRun = settled.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0);
    const runCompleted = control.stopped ? false : await completeRunIfDone(job.runId);
    return { items: items.length, stagesRun, runCompleted };
  } finally {
    env.controls.release(control);
  }
}
