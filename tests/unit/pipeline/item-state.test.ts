import { describe, expect, it } from 'vitest';
import { applyStageResult, causeKind, formatCause, isFinalState, progressFromResults, type StageResultSummary } from '@/lib/pipeline/item-state';
import { funnelFromCounts, runItemStates, type FailedByStage, type StateCounts } from '@/lib/pipeline/progress';

const ok = (stage: StageResultSummary['stage'], extra: Partial<StageResultSummary> = {}): StageResultSummary => ({
  stage,
  ok: true,
  output: null,
  verdict: null,
  reason: null,
  error: null,
  ...extra,
});

describe('progressFromResults', () => {
  it('starts with induction and walks the kept path to a kept pair', () => {
    expect(progressFromResults([])).toMatchObject({ state: 'PENDING', next: 'induce' });
    const results = [
      ok('induce', { output: 'Write a rant.' }),
      ok('filterInstruction', { verdict: 'PASS', reason: 'clear' }),
      ok('generateResponse', { output: 'I would rather not.' }),
      ok('filterResponse', { verdict: 'PASS', reason: 'safe' }),
    ];
    const steps = results.map((_, index) => progressFromResults(results.slice(0, index + 1)));
    expect(steps.map((step) => [step.state, step.next])).toEqual([
      ['INDUCED', 'filterInstruction'],
      ['INSTRUCTION_KEPT', 'generateResponse'],
      ['RESPONSE_WRITTEN', 'filterResponse'],
      ['PAIR_KEPT', null],
    ]);
    expect(steps[3]).toMatchObject({ instruction: 'Write a rant.', chosen: 'I would rather not.', instructionVerdict: 'PASS', responseReason: 'safe' });
  });

  it('ignores the order results come in, and stops at a dropped instruction', () => {
    const progress = progressFromResults([ok('filterInstruction', { verdict: 'FAIL', reason: 'off topic' }), ok('induce', { output: 'x' })]);
    expect(progress).toMatchObject({ state: 'INSTRUCTION_DROPPED', next: null, instructionReason: 'off topic' });
    expect(isFinalState(progress.state)).toBe(true);
  });

  it('treats an unparseable verdict that was stored as ok as a drop', () => {
    const progress = progressFromResults([ok('induce', { output: 'x' }), ok('filterInstruction', { verdict: 'UNPARSEABLE', reason: 'garbled' })]);
    expect(progress.state).toBe('INSTRUCTION_DROPPED');
  });

  it('marks a failed stage as the item failing, unless the item is being retried', () => {
    const results = [ok('induce', { output: 'x' }), ok('filterInstruction', { verdict: 'PASS' }), { ...ok('generateResponse'), ok: false, error: 'server: 500' }];
    expect(progressFromResults(results)).toMatchObject({ state: 'FAILED', failedStage: 'generateResponse', failureCause: 'server: 500', next: null });
    expect(progressFromResults(results, { retrying: true })).toMatchObject({ state: 'INSTRUCTION_KEPT', next: 'generateResponse' });
  });

  it('gives a failure without a message a cause anyway', () => {
    const failed = applyStageResult(progressFromResults([]), { ...ok('induce'), ok: false });
    expect(failed.failureCause).toMatch(/^unknown: /);
  });
});

describe('causes', () => {
  it('splits "kind: message" and round-trips', () => {
    expect(causeKind(formatCause('rate_limited', 'Too many requests: slow down'))).toBe('rate_limited');
    expect(causeKind('no colon here')).toBe('unknown');
  });
});

describe('funnelFromCounts', () => {
  const zeroStates = (): StateCounts => Object.fromEntries(runItemStates.map((state) => [state, 0])) as StateCounts;
  const zeroFailed = (): FailedByStage => ({ induce: 0, filterInstruction: 0, generateResponse: 0, filterResponse: 0 });

  it('counts each item up to the furthest step it reached', () => {
    const states = { ...zeroStates(), PENDING: 3, INDUCED: 2, INSTRUCTION_DROPPED: 10, INSTRUCTION_KEPT: 1, RESPONSE_WRITTEN: 4, PAIR_KEPT: 50, PAIR_DROPPED: 20, FAILED: 10 };
    const failed = { induce: 1, filterInstruction: 2, generateResponse: 3, filterResponse: 4 };
    const funnel = funnelFromCounts(states, failed, 100);
    expect(Object.fromEntries(funnel.map((step) => [step.key, step.count]))).toEqual({
      items: 100,
      induced: 100 - 3 - 1,
      instructionKept: 1 + 4 + 50 + 20 + 3 + 4,
      responseWritten: 4 + 50 + 20 + 4,
      pairKept: 50,
    });
  });

  it('is all zeros past the first step for a run that has not started', () => {
    expect(funnelFromCounts({ ...zeroStates(), PENDING: 7 }, zeroFailed(), 7).map((step) => step.count)).toEqual([7, 0, 0, 0, 0]);
  });
});
