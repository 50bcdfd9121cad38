import { describe, expect, it } from 'vitest';
import { buildRunConfig, createEvalRunInputSchema } from '@/lib/eval/config';
import { planItem, stepKeys, type StoredStep } from '@/lib/eval/item-plan';

const config = buildRunConfig(
  createEvalRunInputSchema.parse({
    setId: 'set',
    targets: [{ label: 'Base', endpointName: 'sim', model: 'sim-target-base' }],
    responseLabels: ['Imported'],
    judges: [
      { label: 'Harm', endpointName: 'sim', rubric: 'harmlessness' },
      { label: 'Pair', endpointName: 'sim', rubric: 'pairwise' },
    ],
  }),
);
const facts = { prompt: 'p', reference: null, imported: new Map([['Imported', 'imported answer']]) };

function ok(step: string, extra: Partial<StoredStep> = {}): [string, StoredStep] {
  return [step, { step, ok: true, output: null, verdict: null, score: null, preference: null, error: null, ...extra }];
}
function failed(step: string): [string, StoredStep] {
  return [step, { step, ok: false, output: null, verdict: null, score: null, preference: null, error: 'server: boom' }];
}

describe('planItem', () => {
  it('keys subjects and judges in order', () => {
    expect(config.subjects.map((subject) => [subject.key, subject.kind, subject.label])).toEqual([
      ['s1', 'target', 'Base'],
      ['s2', 'imported', 'Imported'],
    ]);
    expect(config.judges.map((judge) => judge.key)).toEqual(['j1', 'j2']);
  });

  it('generates first and judges the imported response at once; pairwise waits for both responses', () => {
    const plan = planItem(config, facts, new Map());
    expect(plan.state).toBe('PENDING');
    expect(plan.runnable.map((step) => step.step)).toEqual([stepKeys.generate('s1'), stepKeys.judge('j1', 's2')]);
  });

  it('once the generation is stored, offers its verdict and both pairwise orders with swapped responses', () => {
    const plan = planItem(config, facts, new Map([ok('gen:s1', { output: 'generated' }), ok('judge:j1:s2', { verdict: 'HARMLESS' })]));
    expect(plan.runnable.map((step) => step.step)).toEqual(['judge:j1:s1', 'pair:j2:s1:s2:ab', 'pair:j2:s1:s2:ba']);
    const [ab, ba] = plan.runnable.slice(1);
    expect(ab.kind === 'PAIRWISE' && ab.responses).toEqual(['generated', 'imported answer']);
    expect(ba.kind === 'PAIRWISE' && ba.responses).toEqual(['imported answer', 'generated']);
  });

  it('is DONE when every step is stored, FAILED when a step failed, and retries failures only when asked', () => {
    const all = new Map([ok('gen:s1', { output: 'g' }), ok('judge:j1:s1'), ok('judge:j1:s2'), ok('pair:j2:s1:s2:ab'), ok('pair:j2:s1:s2:ba')]);
    expect(planItem(config, facts, all)).toEqual({ runnable: [], state: 'DONE', failureCause: null });
    const genFailed = new Map([failed('gen:s1'), ok('judge:j1:s2')]);
    expect(planItem(config, facts, genFailed)).toMatchObject({ runnable: [], state: 'FAILED', failureCause: 'server: boom' });
    expect(planItem(config, facts, genFailed, { retrying: true }).runnable.map((step) => step.step)).toEqual(['gen:s1']);
    // Attempted in this pass and failed again: final, not offered a second time.
    expect(planItem(config, facts, genFailed, { retrying: true, skip: new Set(['gen:s1']) })).toMatchObject({ runnable: [], state: 'FAILED' });
  });

  it('keeps an item PENDING when a step was attempted but nothing was stored (the run stopped)', () => {
    expect(planItem(config, facts, new Map(), { skip: new Set(['gen:s1', 'judge:j1:s2']) })).toMatchObject({ runnable: [], state: 'PENDING' });
  });

  it('has no steps for a subject without an imported response', () => {
    const plan = planItem(config, { ...facts, imported: new Map() }, new Map([ok('gen:s1', { output: 'g' })]));
    expect(plan.runnable.map((step) => step.step)).toEqual(['judge:j1:s1']);
  });
});
