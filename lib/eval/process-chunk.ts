/**
 * Works one chunk of an evaluation run: every pending item runs the steps it can (generations first,
 * then the judges that need them), items in parallel (the endpoint limiter decides how many calls
 * really run at once). A step whose result is stored is never run again; a crash between a model
 * call and its write costs no second payment, because the reply is in the LLM cache.
 */
import { z } from 'zod';
import type { EvalControl, EvalControls } from '@/lib/eval/control';
import { planItem, type ItemPlan } from '@/lib/eval/item-plan';
import { runEvalStep } from '@/lib/eval/steps';
import { completeEvalRunIfDone, loadEvalChunkItems, loadEvalItemResults, settleEvalItem, writeStepResult, type EvalChunkItem } from '@/lib/eval/store';
import type { LlmDeps } from '@/lib/llm/call';
import { LlmError } from '@/lib/llm/errors';
import { causeKind } from '@/lib/pipeline/item-state';
import type { EndpointLookup } from '@/lib/pipeline/models';
import { RunStoppedError } from '@/lib/pipeline/run-control';
import type { SqlPool } from '@/lib/db/sql';

export const evalChunkJobSchema = z.object({
  evalRunId: z.string().min(1),
  fromId: z.string().regex(/^\d+$/),
  toId: z.string().regex(/^\d+$/),
});
export type EvalChunkJob = z.infer<typeof evalChunkJobSchema>;

export interface EvalChunkEnvironment {
  controls: EvalControls;
  endpoints: EndpointLookup;
  deps: LlmDeps;
  pool: SqlPool;
}

export interface EvalChunkReport {
  /** Null when the run was not RUNNING, so nothing was done. */
  items: number | null;
  stepsRun: number;
  runCompleted: boolean;
}

function isStop(error: unknown): boolean {
  return error instanceof RunStoppedError || (error instanceof LlmError && error.kind === 'cancelled');
}

async function advanceItem(item: EvalChunkItem, control: EvalControl, env: EvalChunkEnvironment): Promise<number> {
  const deps: LlmDeps = { ...env.deps, limiter: control.limiter(env.deps.limiter) };
  let results = item.results;
  const attempted = new Set<string>();
  // An unusable judge reply is cached like any other; retrying it needs a fresh call.
  const retryFresh = new Set([...results.values()].filter((result) => !result.ok && result.error !== null && causeKind(result.error) === 'unparseable').map((result) => result.step));
  let plan: ItemPlan = planItem(control.config, item.facts, results, { retrying: true });
  let stepsRun = 0;

  while (plan.runnable.length > 0 && !control.stopped) {
    const batch = plan.runnable;
    const outcomes = await Promise.allSettled(
      batch.map(async (step) => {
        attempted.add(step.step);
        const outcome = await runEvalStep(step, item.facts, {
          runId: control.runId,
          endpoints: env.endpoints,
          deps,
          signal: control.cancel.signal,
          bypassCache: retryFresh.has(step.step),
        });
        if (control.cancel.signal.aborted) return null;
        const written = await writeStepResult(env.pool, { itemId: item.id, step: step.step, kind: step.kind, subject: step.subject, judge: step.judge, outcome });
        stepsRun += 1;
        return { step: step.step, outcome, written };
      }),
    );
    const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected' && !isStop(outcome.reason));
    if (failure) throw failure.reason;
    const stored = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value !== null ? [outcome.value] : []));
    if (stored.length < outcomes.length) return stepsRun;
    if (stored.every((entry) => entry.written)) {
      // Our rows are the stored ones: no need to read them back.
      results = new Map(results);
      for (const { step, outcome } of stored) {
        results.set(step, { step, ok: outcome.ok, output: outcome.output, verdict: outcome.verdict, score: outcome.score, preference: outcome.preference, error: outcome.error });
      }
    } else {
      // Another worker stored some of these steps first; the stored rows decide.
      results = await loadEvalItemResults(item.id);
    }
    plan = planItem(control.config, item.facts, results, { retrying: true, skip: attempted });
  }
  if (!control.stopped && plan.state !== 'PENDING') await settleEvalItem(env.pool, item.id, plan.state, plan.failureCause);
  return stepsRun;
}

/** Processes one chunk job; throws only for infrastructure errors (the queue then retries the job). */
export async function processEvalChunk(job: EvalChunkJob, env: EvalChunkEnvironment): Promise<EvalChunkReport> {
  const control = await env.controls.acquire(job.evalRunId);
  if (!control) return { items: null, stepsRun: 0, runCompleted: false };
  try {
    const items = await loadEvalChunkItems(job.evalRunId, BigInt(job.fromId), BigInt(job.toId));
    const settled = await Promise.allSettled(items.map((item) => advanceItem(item, control, env)));
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
    const stepsRun = settled.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0);
    const runCompleted = control.stopped ? false : await completeEvalRunIfDone(job.evalRunId);
    return { items: items.length, stepsRun, runCompleted };
  } finally {
    env.controls.release(control);
  }
}
