/**
 * The work of one evaluation item (one prompt of a run) as pure functions. EvalResult rows are the
 * truth; EvalItem.state is a projection of them. Given the config, what the prompt carries and the
 * results stored so far, `planItem` says which steps can run now and which state the item ends in,
 * so a worker that restarts after a crash continues exactly where the stored results end.
 *
 * Steps and their keys:
 *  - `gen:<subject>`                       a target generates its response;
 *  - `judge:<judge>:<subject>`             a harmlessness or helpfulness judge on one response;
 *  - `pair:<judge>:<subjectA>:<subjectB>:ab|ba`  a pairwise judge, asked in both orders.
 * A judge step needs the subject's response: a stored generation, or the imported response (a
 * prompt without an imported response for a subject simply has no steps for it).
 */
import type { EvalPreference, EvalStepKind, EvalVerdict } from '@/lib/db/generated/enums';
import type { EvalJudge, EvalRunConfig, EvalSubject } from '@/lib/eval/config';

export interface StoredStep {
  step: string;
  ok: boolean;
  output: string | null;
  verdict: EvalVerdict | null;
  score: number | null;
  preference: EvalPreference | null;
  error: string | null;
}

export interface ItemFacts {
  prompt: string;
  reference: string | null;
  /** Imported responses by model label. */
  imported: ReadonlyMap<string, string>;
}

interface StepBase {
  step: string;
  kind: EvalStepKind;
  subject: string;
  judge: string | null;
}

export type RunnableStep =
  | (StepBase & { kind: 'GENERATE'; target: Extract<EvalSubject, { kind: 'target' }> })
  | (StepBase & { kind: 'JUDGE'; judgeConfig: EvalJudge; responses: [string] })
  | (StepBase & { kind: 'PAIRWISE'; judgeConfig: EvalJudge; responses: [string, string]; order: 'ab' | 'ba' });

export interface ItemPlan {
  /** Steps whose inputs are known and that have no stored result (or, when retrying, a failed one). */
  runnable: RunnableStep[];
  /** PENDING while anything can still run; DONE or FAILED (some step failed) otherwise. */
  state: 'PENDING' | 'DONE' | 'FAILED';
  failureCause: string | null;
}

export const stepKeys = {
  generate: (subject: string) => `gen:${subject}`,
  judge: (judge: string, subject: string) => `judge:${judge}:${subject}`,
  pairwise: (judge: string, a: string, b: string, order: 'ab' | 'ba') => `pair:${judge}:${a}:${b}:${order}`,
};

type ResponseState = { kind: 'known'; text: string } | { kind: 'waiting' } | { kind: 'failed' } | { kind: 'absent' };

/**
 * `skip` holds steps already attempted in this pass (not offered again; without a stored result
 * they keep the item PENDING); with `retrying`, stored failures of other steps count as not yet run.
 */
export function planItem(
  config: EvalRunConfig,
  facts: ItemFacts,
  results: ReadonlyMap<string, StoredStep>,
  options: { retrying?: boolean; skip?: ReadonlySet<string> } = {},
): ItemPlan {
  const runnable: RunnableStep[] = [];
  let waiting = false;
  let failure: string | null = null;
  const skip = options.skip ?? new Set<string>();

  /** Whether `step` is done, failed for good, or still to run (offered when allowed). */
  function consider(step: string, make: () => RunnableStep): 'ok' | 'failed' | 'pending' {
    const stored = results.get(step);
    if (stored?.ok) return 'ok';
    if (stored && (!options.retrying || skip.has(step))) {
      failure ??= stored.error ?? `${step} failed`;
      return 'failed';
    }
    waiting = true;
    if (!skip.has(step)) runnable.push(make());
    return 'pending';
  }

  const responses = new Map<string, ResponseState>();
  for (const subject of config.subjects) {
    if (subject.kind === 'imported') {
      const text = facts.imported.get(subject.responseLabel);
      responses.set(subject.key, text === undefined ? { kind: 'absent' } : { kind: 'known', text });
      continue;
    }
    const step = stepKeys.generate(subject.key);
    const stored = results.get(step);
    if (stored?.ok) {
      responses.set(subject.key, { kind: 'known', text: stored.output ?? '' });
      continue;
    }
    const state = consider(step, () => ({ step, kind: 'GENERATE', subject: subject.key, judge: null, target: subject }));
    responses.set(subject.key, state === 'pending' ? { kind: 'waiting' } : { kind: 'failed' });
  }

  for (const judge of config.judges) {
    if (judge.rubric === 'pairwise') {
      config.subjects.forEach((a, i) => {
        for (const b of config.subjects.slice(i + 1)) {
          const ra = responses.get(a.key);
          const rb = responses.get(b.key);
          if (ra?.kind === 'waiting' || rb?.kind === 'waiting') waiting = true;
          if (ra?.kind !== 'known' || rb?.kind !== 'known') continue;
          for (const order of ['ab', 'ba'] as const) {
            const step = stepKeys.pairwise(judge.key, a.key, b.key, order);
            const pair: [string, string] = order === 'ab' ? [ra.text, rb.text] : [rb.text, ra.text];
            consider(step, () => ({ step, kind: 'PAIRWISE', subject: `${a.key}:${b.key}`, judge: judge.key, judgeConfig: judge, responses: pair, order }));
          }
        }
      });
      continue;
    }
    for (const subject of config.subjects) {
      const response = responses.get(subject.key);
      if (response?.kind === 'waiting') waiting = true;
      if (response?.kind !== 'known') continue;
      const step = stepKeys.judge(judge.key, subject.key);
      consider(step, () => ({ step, kind: 'JUDGE', subject: subject.key, judge: judge.key, judgeConfig: judge, responses: [response.text] }));
    }
  }

  if (waiting) return { runnable, state: 'PENDING', failureCause: null };
  if (failure !== null) return { runnable, state: 'FAILED', failureCause: failure };
  return { runnable, state: 'DONE', failureCause: null };
}

/** Every subject pair a pairwise judge compares, in config order. */
export function subjectPairs(config: EvalRunConfig): [EvalSubject, EvalSubject][] {
  return config.subjects.flatMap((a, i) => config.subjects.slice(i + 1).map((b): [EvalSubject, EvalSubject] => [a, b]));
}
