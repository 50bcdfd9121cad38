import { describe, expect, it } from 'vitest';
import { humanMajority, summarizeAudit, type SummaryCell, type SummaryInput, type SummaryItem } from '@/lib/audit/summary';
import { cellKey, type VerdictGroup } from '@/lib/audit/cells';

const Z = 1.96;

/** Wilson bounds as the roots of (p̂ − p)² = z²p(1 − p)/n, independent of the implementation. */
function wilsonByQuadratic(pHat: number, n: number): [number, number] {
  const a = 1 + (Z * Z) / n;
  const b = -(2 * pHat + (Z * Z) / n);
  const c = pHat * pHat;
  const root = Math.sqrt(b * b - 4 * a * c);
  return [(-b - root) / (2 * a), (-b + root) / (2 * a)];
}

function cell(verdict: VerdictGroup, topic: string, populationSize: number, sampleSize = 0): SummaryCell {
  return { key: cellKey({ verdict, topic }), verdict, topic, populationSize, sampleSize };
}

const noVerdict = { instruction: null, pair: null, both: null };

/** `accepted` of `count` items in a cell, one reviewer each, judged on the pair. */
function items(cellKeyValue: string, count: number, accepted: number, automatic: SummaryItem['automatic'] = noVerdict): SummaryItem[] {
  return Array.from({ length: count }, (_, index) => ({
    cell: cellKeyValue,
    automatic,
    labels: [{ reviewerId: 'r1', instructionValid: null, pairCorrect: index < accepted }],
  }));
}

function input(overrides: Partial<SummaryInput>): SummaryInput {
  return { criteria: 'PAIR', reviewersPerItem: 1, stratifyBy: [], target: null, cells: [], items: [], ...overrides };
}

describe('humanMajority', () => {
  it('accepts on a strict majority, rejects on ties, is null without answers', () => {
    expect(humanMajority([true])).toBe(true);
    expect(humanMajority([true, false])).toBe(false);
    expect(humanMajority([true, true, false])).toBe(true);
    expect(humanMajority([false, false, true])).toBe(false);
    expect(humanMajority([])).toBeNull();
  });
});

describe('summarizeAudit: precision', () => {
  it('is the Wilson interval (with the finite-population correction) on a uniform audit', () => {
    const hate = cell('kept', 'hate', 1000, 50);
    const result = summarizeAudit(input({ cells: [hate], items: items(hate.key, 50, 37) }));
    const precision = result.criteria[0].precision!;
    expect(precision.estimate).toBeCloseTo(0.74, 12);
    expect(precision).toMatchObject({ audited: 50, accepted: 37, populationSize: 1000, strata: 1 });
    // n_eff = n / (1 − n/N) = 50 / 0.95
    const nEff = 50 / 0.95;
    expect(precision.effectiveSampleSize).toBeCloseTo(nEff, 9);
    const [lower, upper] = wilsonByQuadratic(0.74, nEff);
    expect(precision.lower).toBeCloseTo(lower, 9);
    expect(precision.upper).toBeCloseTo(upper, 9);
    // Close to the textbook 37/50 interval [0.6045, 0.8413], slightly narrower.
    expect(precision.lower).toBeGreaterThan(0.6045);
    expect(precision.upper).toBeLessThan(0.8413);
  });

  it('weights strata by population when stratified by topic (hand-worked)', () => {
    // A: 900 kept, 18/20 accepted; B: 100 kept, 10/20. p̂ = 0.9·0.9 + 0.1·0.5 = 0.86 (unweighted: 0.70).
    const a = cell('kept', 'a', 900, 20);
    const b = cell('kept', 'b', 100, 20);
    const result = summarizeAudit(input({ stratifyBy: ['topic'], cells: [a, b], items: [...items(a.key, 20, 18), ...items(b.key, 20, 10)] }));
    const precision = result.criteria[0].precision!;
    expect(precision.estimate).toBeCloseTo(0.86, 12);
    expect(precision.strata).toBe(2);
    // V = 0.81·0.09/20 + 0.01·0.25/20 = 0.00377; with (1 − n/N): 0.003645·(1 − 20/900) + 0.000125·0.8
    const variance = 0.00377;
    const corrected = 0.003645 * (1 - 20 / 900) + 0.000125 * 0.8;
    const nEff = (0.86 * 0.14) / variance / (corrected / variance);
    expect(precision.effectiveSampleSize).toBeCloseTo(nEff, 6);
    const [lower, upper] = wilsonByQuadratic(0.86, nEff);
    expect(precision.lower).toBeCloseTo(lower, 6);
    expect(precision.upper).toBeCloseTo(upper, 6);
    // Per topic: each topic is its own plain (corrected) Wilson interval.
    const byTopic = Object.fromEntries(result.criteria[0].byTopic.map((topic) => [topic.topic, topic.precision!.estimate]));
    expect(byTopic).toEqual({ a: 0.9, b: 0.5 });
  });

  it('does not reweight a uniform audit by topic: one stratum, the plain proportion', () => {
    const a = cell('kept', 'a', 900, 20);
    const b = cell('kept', 'b', 100, 20);
    const result = summarizeAudit(input({ stratifyBy: [], cells: [a, b], items: [...items(a.key, 20, 18), ...items(b.key, 20, 10)] }));
    expect(result.criteria[0].precision!.estimate).toBeCloseTo(28 / 40, 12);
    expect(result.criteria[0].precision!.strata).toBe(1);
  });

  it('estimates the false-drop rate from dropped strata only', () => {
    const kept = cell('kept', 'hate', 800, 40);
    const dropped = cell('dropped', 'hate', 200, 20);
    const result = summarizeAudit(input({ stratifyBy: ['verdict'], cells: [kept, dropped], items: [...items(kept.key, 40, 36), ...items(dropped.key, 20, 5)] }));
    const stats = result.criteria[0];
    expect(stats.precision!.estimate).toBeCloseTo(0.9, 12);
    expect(stats.falseDropRate!.estimate).toBeCloseTo(0.25, 12);
    expect(stats.falseDropRate).toMatchObject({ audited: 20, accepted: 5, populationSize: 200 });
    // Without verdict strata there is no false-drop estimate at all.
    const keptOnly = summarizeAudit(input({ cells: [kept], items: items(kept.key, 40, 36) }));
    expect(keptOnly.criteria[0].falseDropRate).toBeNull();
  });

  it('uses the majority of several reviewers, ties rejecting', () => {
    const kept = cell('kept', 't', 100, 2);
    const split: SummaryItem = {
      cell: kept.key,
      automatic: noVerdict,
      labels: [
        { reviewerId: 'a', instructionValid: null, pairCorrect: true },
        { reviewerId: 'b', instructionValid: null, pairCorrect: false },
      ],
    };
    const agreed: SummaryItem = { ...split, labels: split.labels.map((label) => ({ ...label, pairCorrect: true })) };
    const result = summarizeAudit(input({ reviewersPerItem: 2, cells: [kept], items: [split, agreed] }));
    expect(result.criteria[0].precision).toMatchObject({ audited: 2, accepted: 1 });
    expect(result.items).toEqual({ total: 2, answered: 2, complete: 2 });
  });

  it('reports instruction, pair and both for BOTH audits', () => {
    const kept = cell('kept', 't', 100, 3);
    const label = (instructionValid: boolean, pairCorrect: boolean) => ({ reviewerId: 'r', instructionValid, pairCorrect });
    const result = summarizeAudit(
      input({
        criteria: 'BOTH',
        cells: [kept],
        items: [
          { cell: kept.key, automatic: noVerdict, labels: [label(true, true)] },
          { cell: kept.key, automatic: noVerdict, labels: [label(true, false)] },
          { cell: kept.key, automatic: noVerdict, labels: [label(false, true)] },
        ],
      }),
    );
    expect(result.mainCriterion).toBe('both');
    expect(Object.fromEntries(result.criteria.map((entry) => [entry.criterion, entry.precision!.accepted]))).toEqual({ instruction: 2, pair: 2, both: 1 });
  });
});

describe('summarizeAudit: agreement', () => {
  it('compares the human majority with the automatic verdict (textbook κ = 0.4 table)', () => {
    const kept = cell('kept', 't', 1000, 50);
    const make = (count: number, human: boolean, automatic: boolean): SummaryItem[] =>
      Array.from({ length: count }, () => ({
        cell: kept.key,
        automatic: { instruction: null, pair: automatic, both: null },
        labels: [{ reviewerId: 'r', instructionValid: null, pairCorrect: human }],
      }));
    const result = summarizeAudit(input({ cells: [kept], items: [...make(20, true, true), ...make(5, true, false), ...make(10, false, true), ...make(15, false, false)] }));
    const judge = result.criteria[0].judgeAgreement;
    expect(judge.matrix).toEqual([
      [20, 5],
      [10, 15],
    ]);
    expect(judge.kappa).toBeCloseTo(0.4, 12);
    expect(judge.observedAgreement).toBeCloseTo(0.7, 12);
    expect(judge.items).toBe(50);
  });

  it("uses Cohen's κ for two reviewers and Fleiss' κ for three, on complete items only", () => {
    const kept = cell('kept', 't', 100, 10);
    const itemWith = (...answers: boolean[]): SummaryItem => ({
      cell: kept.key,
      automatic: noVerdict,
      labels: answers.map((pairCorrect, index) => ({ reviewerId: `r${index}`, instructionValid: null, pairCorrect })),
    });
    // Two reviewers: agree, agree, disagree, agree(reject) → p_o = 0.75; marginals A: 3/4 yes, B: 2/4 yes
    // → p_e = 0.75·0.5 + 0.25·0.5 = 0.5 → κ = 0.5.
    const two = summarizeAudit(
      input({ reviewersPerItem: 2, cells: [kept], items: [itemWith(true, true), itemWith(true, true), itemWith(true, false), itemWith(false, false), itemWith(true)] }),
    );
    expect(two.criteria[0].reviewerAgreement).toMatchObject({ method: 'cohen', items: 4 });
    expect(two.criteria[0].reviewerAgreement.kappa).toBeCloseTo(0.5, 12);
    expect(two.criteria[0].reviewerAgreement.observedAgreement).toBeCloseTo(0.75, 12);

    // Three reviewers: [3,0], [3,0], [0,3], [2,1] → P̄ = (1 + 1 + 1 + 1/3)/4 = 5/6; p = (8/12, 4/12)
    // → P̄e = 5/9 → κ = (5/6 − 5/9)/(4/9) = 0.625.
    const three = summarizeAudit(
      input({
        reviewersPerItem: 3,
        cells: [kept],
        items: [itemWith(true, true, true), itemWith(true, true, true), itemWith(false, false, false), itemWith(true, true, false), itemWith(true, false)],
      }),
    );
    expect(three.criteria[0].reviewerAgreement).toMatchObject({ method: 'fleiss', items: 4 });
    expect(three.criteria[0].reviewerAgreement.kappa).toBeCloseTo(0.625, 12);

    const one = summarizeAudit(input({ reviewersPerItem: 1, cells: [kept], items: [itemWith(true)] }));
    expect(one.criteria[0].reviewerAgreement).toEqual({ method: null, kappa: null, observedAgreement: null, items: 0 });
  });
});

describe('summarizeAudit: target', () => {
  const kept = cell('kept', 't', 100_000, 200);

  it('passes when the lower bound clears the threshold and fails when it does not', () => {
    const target = { metric: 'precision' as const, bound: 'lower' as const, threshold: 0.9 };
    const pass = summarizeAudit(input({ target, cells: [kept], items: items(kept.key, 200, 196) }));
    expect(pass.target).toMatchObject({ met: true, problem: null, criterion: 'pair' });
    expect(pass.target!.value).toBeCloseTo(pass.criteria[0].precision!.lower, 12);
    expect(pass.target!.value!).toBeGreaterThan(0.9);
    // 186/200 = 93% estimated, but the lower bound is below 90%.
    const fail = summarizeAudit(input({ target, cells: [kept], items: items(kept.key, 200, 186) }));
    expect(fail.criteria[0].precision!.estimate).toBeCloseTo(0.93, 12);
    expect(fail.target).toMatchObject({ met: false, problem: null });
    expect(fail.target!.value!).toBeLessThan(0.9);
    expect(fail.target!.description).toBe('lower 95% bound of precision ≥ 90%');
  });

  it('is unmet, with the reason, when it cannot be evaluated', () => {
    const none = summarizeAudit(input({ target: { metric: 'precision', bound: 'lower', threshold: 0.5 }, cells: [kept], items: [] }));
    expect(none.target).toMatchObject({ met: false, value: null, problem: 'Nothing has been answered yet.' });
    const noDropped = summarizeAudit(input({ target: { metric: 'falseDropRate', bound: 'upper', threshold: 0.2 }, cells: [kept], items: items(kept.key, 10, 10) }));
    expect(noDropped.target).toMatchObject({ met: false, value: null });
    expect(noDropped.target!.problem).toMatch(/no dropped pairs/);
  });
});
