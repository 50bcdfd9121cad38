/**
 * The life of one run item as pure functions. StageResult rows are the truth; RunItem.state is a
 * projection of them kept for fast counting. Given the results an item already has, these
 * functions say which stage comes next, what the item knows so far (instruction, chosen response,
 * verdicts) and which state it ends in, so a worker that restarts after a crash continues exactly
 * where the stored results end.
 */
import type { RunItemState, Verdict } from '@/lib/db/generated/enums';
import type { StageName } from '@/lib/pipeline/stage-names';

export const finalStates = ['INSTRUCTION_DROPPED', 'PAIR_KEPT', 'PAIR_DROPPED', 'FAILED'] as const satisfies readonly RunItemState[];
export type FinalState = (typeof finalStates)[number];

export function isFinalState(state: RunItemState): state is FinalState {
  return (finalStates as readonly RunItemState[]).includes(state);
}

/** The state an item is in just before `stage` runs; a failed item retried goes back to it. */
export const stateBefore: Record<StageName, RunItemState> = {
  induce: 'PENDING',
  filterInstruction: 'INDUCED',
  generateResponse: 'INSTRUCTION_KEPT',
  filterResponse: 'RESPONSE_WRITTEN',
};

/** What a stage produced, as far as the item's progress is concerned. */
export interface StageResultSummary {
  stage: StageName;
  ok: boolean;
  output: string | null;
  verdict: Verdict | null;
  reason: string | null;
  error: string | null;
}

export interface ItemProgress {
  state: RunItemState;
  /** The stage to run next, or null when the item is final. */
  next: StageName | null;
  instruction: string | null;
  chosen: string | null;
  instructionVerdict: Verdict | null;
  instructionReason: string | null;
  responseVerdict: Verdict | null;
  responseReason: string | null;
  failedStage: StageName | null;
  failureCause: string | null;
}

const initialProgress: ItemProgress = {
  state: 'PENDING',
  next: 'induce',
  instruction: null,
  chosen: null,
  instructionVerdict: null,
  instructionReason: null,
  responseVerdict: null,
  responseReason: null,
  failedStage: null,
  failureCause: null,
};

type Advance = (progress: ItemProgress, result: StageResultSummary) => ItemProgress;

const passed = (result: StageResultSummary) => result.verdict === 'PASS';

/** How each stage's result moves the item on (only called for successful results). */
const advanceOn: Record<StageName, Advance> = {
  induce: (progress, result) => ({ ...progress, state: 'INDUCED', next: 'filterInstruction', instruction: result.output ?? '' }),
  filterInstruction: (progress, result) => ({
    ...progress,
    state: passed(result) ? 'INSTRUCTION_KEPT' : 'INSTRUCTION_DROPPED',
    next: passed(result) ? 'generateResponse' : null,
    instructionVerdict: result.verdict,
    instructionReason: result.reason,
  }),
  generateResponse: (progress, result) => ({ ...progress, state: 'RESPONSE_WRITTEN', next: 'filterResponse', chosen: result.output ?? '' }),
  filterResponse: (progress, result) => ({
    ...progress,
    state: passed(result) ? 'PAIR_KEPT' : 'PAIR_DROPPED',
    next: null,
    responseVerdict: result.verdict,
    responseReason: result.reason,
  }),
};

/** Applies one stage's result to the item. A failed stage makes the item FAILED with its cause. */
export function applyStageResult(progress: ItemProgress, result: StageResultSummary): ItemProgress {
  if (!result.ok) {
    return { ...progress, state: 'FAILED', next: null, failedStage: result.stage, failureCause: result.error ?? 'unknown: the stage failed without a message' };
  }
  return advanceOn[result.stage](progress, result);
}

/**
 * Replays stored results in stage order. `retrying` treats a stored failure as not yet run — that is
 * how "retry failed items" gives a failed stage another go while keeping everything before it.
 */
export function progressFromResults(results: readonly StageResultSummary[], options: { retrying?: boolean } = {}): ItemProgress {
  const byStage = new Map(results.map((result) => [result.stage, result]));
  let progress = initialProgress;
  while (progress.next !== null) {
    const result = byStage.get(progress.next);
    if (!result || (!result.ok && options.retrying)) return progress;
    progress = applyStageResult(progress, result);
  }
  return progress;
}

/** "kind: message" → kind, the key errors are grouped by. */
export function causeKind(cause: string): string {
  const colon = cause.indexOf(':');
  return colon > 0 ? cause.slice(0, colon).trim() : 'unknown';
}

export function formatCause(kind: string, message: string): string {
  return `${kind}: ${message}`;
}
