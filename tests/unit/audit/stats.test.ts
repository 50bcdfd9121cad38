import { describe, expect, it } from 'vitest';
import {
  auditTargetSchema,
  cohensKappa,
  confusionMatrix,
  falseDropRate,
  fleissKappa,
  sampleSizeForMargin,
  stratifiedPrecision,
  targetMet,
  wilsonInterval,
} from '@/lib/audit/stats';

const Z = 1.96;

/**
 * Wilson bounds derived independently of the implementation: they are the two roots p of
 * (p̂ − p)² = z²·p(1 − p)/n, i.e. (1 + z²/n)p² − (2p̂ + z²/n)p + p̂² = 0.
 */
function wilsonByQuadratic(pHat: number, n: number, z = Z): [number, number] {
  const a = 1 + (z * z) / n;
  const b = -(2 * pHat + (z * z) / n);
  const c = pHat * pHat;
  const root = Math.sqrt(b * b - 4 * a * c);
  return [(-b - root) / (2 * a), (-b + root) / (2 * a)];
}

describe('wilsonInterval', () => {
  it('gives the known bounds at 0/10 and 10/10', () => {
    const none = wilsonInterval(0, 10);
    expect(none.estimate).toBe(0);
    expect(none.lower).toBe(0);
    expect(none.upper).toBeCloseTo(0.2775, 4);
    const all = wilsonInterval(10, 10);
    expect(all.estimate).toBe(1);
    expect(all.lower).toBeCloseTo(0.7225, 4);
    expect(all.upper).toBe(1);
  });

  it('matches the score-test roots at 37/50 (0.6045, 0.8413)', () => {
    const result = wilsonInterval(37, 50);
    const [lower, upper] = wilsonByQuadratic(37 / 50, 50);
    expect(result.estimate).toBeCloseTo(0.74, 12);
    expect(result.lower).toBeCloseTo(lower, 12);
    expect(result.upper).toBeCloseTo(upper, 12);
    expect(result.lower).toBeCloseTo(0.6045, 4);
    expect(result.upper).toBeCloseTo(0.8413, 4);
  });

  it('matches published outputs of an independent implementation (msn0/wilson-score-interval README)', () => {
    const cases: [number, number, number, number][] = [
      [430, 474, 0.8776750858242243, 0.9301239839930541],
      [392, 436, 0.8672311846637769, 0.9239627360567735],
      [10, 14, 0.4535045882751561, 0.882788120898909],
    ];
    for (const [successes, n, lower, upper] of cases) {
      const result = wilsonInterval(successes, n);
      expect(result.lower).toBeCloseTo(lower, 10);
      expect(result.upper).toBeCloseTo(upper, 10);
    }
  });

  it('narrows with a smaller z and widens with a larger one', () => {
    const at90 = wilsonInterval(37, 50, 1.645);
    const at99 = wilsonInterval(37, 50, 2.576);
    const at95 = wilsonInterval(37, 50);
    expect(at90.upper - at90.lower).toBeLessThan(at95.upper - at95.lower);
    expect(at99.upper - at99.lower).toBeGreaterThan(at95.upper - at95.lower);
    const [lower, upper] = wilsonByQuadratic(0.74, 50, 2.576);
    expect(at99.lower).toBeCloseTo(lower, 12);
    expect(at99.upper).toBeCloseTo(upper, 12);
  });

  it('returns a null estimate and [0, 1] when nothing was audited', () => {
    expect(wilsonInterval(0, 0)).toEqual({ estimate: null, lower: 0, upper: 1 });
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(11, 10)).toThrow(/successes/);
    expect(() => wilsonInterval(-1, 10)).toThrow(/successes/);
    expect(() => wilsonInterval(1, -5)).toThrow(/n must be/);
    expect(() => wilsonInterval(1, 10, 0)).toThrow(/z must be/);
  });
});

describe('stratifiedPrecision', () => {
  it('equals the plain Wilson interval on a single stratum', () => {
    const stratified = stratifiedPrecision([{ populationSize: 1234, accepted: 37, audited: 50 }]);
    const plain = wilsonInterval(37, 50);
    expect(stratified.estimate).toBeCloseTo(plain.estimate ?? Number.NaN, 12);
    expect(stratified.lower).toBeCloseTo(plain.lower, 12);
    expect(stratified.upper).toBeCloseTo(plain.upper, 12);
    expect(stratified.effectiveSampleSize).toBeCloseTo(50, 9);
    expect(stratified.audited).toBe(50);
    expect(stratified.unauditedShare).toBe(0);
  });

  it('reweights by stratum size (hand-worked example)', () => {
    // Stratum A: 900 kept items, 20 audited, 18 accepted → p_A = 0.9, W_A = 0.9
    // Stratum B: 100 kept items, 20 audited, 10 accepted → p_B = 0.5, W_B = 0.1
    // p̂ = 0.9·0.9 + 0.1·0.5 = 0.86   (the unweighted 28/40 = 0.70 would be wrong)
    // V̂ = 0.9²·0.9·0.1/20 + 0.1²·0.5·0.5/20 = 0.003645 + 0.000125 = 0.00377
    // n_eff = p̂(1 − p̂)/V̂ = 0.86·0.14/0.00377 = 0.1204/0.00377 ≈ 31.94 (< 40 audited, no cap)
    const result = stratifiedPrecision([
      { populationSize: 900, accepted: 18, audited: 20 },
      { populationSize: 100, accepted: 10, audited: 20 },
    ]);
    const expectedNEff = 0.1204 / 0.00377;
    expect(result.estimate).toBeCloseTo(0.86, 12);
    expect(result.effectiveSampleSize).toBeCloseTo(expectedNEff, 9);
    const [lower, upper] = wilsonByQuadratic(0.86, expectedNEff);
    expect(result.lower).toBeCloseTo(lower, 9);
    expect(result.upper).toBeCloseTo(upper, 9);
    expect(result.lower).toBeLessThan(0.86);
    expect(result.upper).toBeGreaterThan(0.86);
  });

  it('caps the effective sample size at the number audited', () => {
    // p̂ = 0.8·0.9 + 0.2·0.5 = 0.82; V̂ = 0.64·0.09/40 + 0.04·0.25/20 = 0.00194;
    // n_eff = 0.1476/0.00194 ≈ 76 > 60 audited → 60.
    const result = stratifiedPrecision([
      { populationSize: 800, accepted: 36, audited: 40 },
      { populationSize: 200, accepted: 10, audited: 20 },
    ]);
    expect(result.estimate).toBeCloseTo(0.82, 12);
    expect(result.effectiveSampleSize).toBe(60);
    const [lower, upper] = wilsonByQuadratic(0.82, 60);
    expect(result.lower).toBeCloseTo(lower, 9);
    expect(result.upper).toBeCloseTo(upper, 9);
  });

  it('falls back to the Kish effective sample size when every stratum is unanimous', () => {
    // All accepted: V̂ = 0. Kish n_eff = 1 / (0.9²/10 + 0.1²/10) = 1 / 0.082 ≈ 12.195.
    const result = stratifiedPrecision([
      { populationSize: 900, accepted: 10, audited: 10 },
      { populationSize: 100, accepted: 10, audited: 10 },
    ]);
    const kish = 1 / 0.082;
    expect(result.estimate).toBe(1);
    expect(result.upper).toBe(1);
    expect(result.effectiveSampleSize).toBeCloseTo(kish, 9);
    // Wilson lower bound at p̂ = 1 is n/(n + z²).
    expect(result.lower).toBeCloseTo(kish / (kish + Z * Z), 9);
  });

  it('ignores empty strata and widens the bounds for unaudited ones', () => {
    const audited = stratifiedPrecision([{ populationSize: 600, accepted: 40, audited: 50 }]);
    const withEmpty = stratifiedPrecision([
      { populationSize: 600, accepted: 40, audited: 50 },
      { populationSize: 0, accepted: 0, audited: 0 },
    ]);
    expect(withEmpty).toEqual(audited);

    const partial = stratifiedPrecision([
      { populationSize: 600, accepted: 40, audited: 50 },
      { populationSize: 400, accepted: 0, audited: 0 },
    ]);
    expect(partial.unauditedShare).toBeCloseTo(0.4, 12);
    expect(partial.estimate).toBeCloseTo(0.8, 12);
    expect(partial.lower).toBeCloseTo(audited.lower * 0.6, 12);
    expect(partial.upper).toBeCloseTo(audited.upper * 0.6 + 0.4, 12);
  });

  it('reports nothing audited as a null estimate', () => {
    const result = stratifiedPrecision([{ populationSize: 10, accepted: 0, audited: 0 }]);
    expect(result).toMatchObject({ estimate: null, lower: 0, upper: 1, audited: 0, unauditedShare: 1 });
    expect(stratifiedPrecision([]).estimate).toBeNull();
  });

  it('narrows the interval with the finite-population correction', () => {
    const strata = [{ populationSize: 60, accepted: 45, audited: 50 }];
    const plain = stratifiedPrecision(strata);
    const corrected = stratifiedPrecision(strata, { finitePopulationCorrection: true });
    expect(corrected.upper - corrected.lower).toBeLessThan(plain.upper - plain.lower);
    expect(corrected.estimate).toBe(plain.estimate);
    // One stratum: n_eff = n / (1 − n/N) = 50 / (1 − 50/60) = 300.
    expect(corrected.effectiveSampleSize).toBeCloseTo(300, 9);
    const [lower, upper] = wilsonByQuadratic(0.9, 300);
    expect(corrected.lower).toBeCloseTo(lower, 9);
    expect(corrected.upper).toBeCloseTo(upper, 9);
    const census = stratifiedPrecision([{ populationSize: 50, accepted: 45, audited: 50 }], { finitePopulationCorrection: true });
    expect(census).toMatchObject({ estimate: 0.9, effectiveSampleSize: Number.POSITIVE_INFINITY });
    expect(census.lower).toBeCloseTo(0.9, 12);
    expect(census.upper).toBeCloseTo(0.9, 12);
    expect(() => stratifiedPrecision([{ populationSize: 5, accepted: 6, audited: 6 }], { finitePopulationCorrection: true })).toThrow(
      /exceeds populationSize/,
    );
  });

  it('names the stratum with inconsistent counts', () => {
    expect(() => stratifiedPrecision([{ populationSize: 10, accepted: 1, audited: 1 }, { populationSize: 10, accepted: 3, audited: 2 }])).toThrow(
      /strata\[1\]: accepted \(3\) exceeds audited \(2\)/,
    );
    expect(() => stratifiedPrecision([{ populationSize: 1.5, accepted: 0, audited: 0 }])).toThrow(/strata\[0\]\.populationSize/);
  });
});

describe('falseDropRate', () => {
  it('is the stratified share of dropped items judged good', () => {
    const dropped = [
      { populationSize: 300, judgedGood: 3, audited: 30 },
      { populationSize: 100, judgedGood: 6, audited: 20 },
    ];
    const result = falseDropRate(dropped);
    // 0.75·0.1 + 0.25·0.3 = 0.15
    expect(result.estimate).toBeCloseTo(0.15, 12);
    expect(result).toEqual(
      stratifiedPrecision(dropped.map((stratum) => ({ populationSize: stratum.populationSize, accepted: stratum.judgedGood, audited: stratum.audited }))),
    );
  });
});

describe('cohensKappa and confusionMatrix', () => {
  // Wikipedia "Cohen's kappa" worked example: 50 items, A yes/B yes 20, A yes/B no 5,
  // A no/B yes 10, A no/B no 15 → p_o = 0.7, p_e = 0.5, κ = 0.4.
  const pairs: [string, string][] = [
    ...Array.from({ length: 20 }, (): [string, string] => ['yes', 'yes']),
    ...Array.from({ length: 5 }, (): [string, string] => ['yes', 'no']),
    ...Array.from({ length: 10 }, (): [string, string] => ['no', 'yes']),
    ...Array.from({ length: 15 }, (): [string, string] => ['no', 'no']),
  ];

  it('reproduces the textbook example', () => {
    const result = cohensKappa(pairs);
    expect(result.observedAgreement).toBeCloseTo(0.7, 12);
    expect(result.expectedAgreement).toBeCloseTo(0.5, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
    expect(result.items).toBe(50);
  });

  it('cross-tabulates rater A in rows and rater B in columns', () => {
    const matrix = confusionMatrix(pairs, ['yes', 'no']);
    expect(matrix.counts).toEqual([
      [20, 5],
      [10, 15],
    ]);
    expect(matrix.total).toBe(50);
    expect(confusionMatrix(pairs).labels).toEqual(['no', 'yes']);
    expect(() => confusionMatrix([['a', 'c']], ['a', 'b'])).toThrow(/"c"/);
  });

  it('is 1 for perfect agreement, negative for systematic disagreement, null when undefined', () => {
    expect(cohensKappa([['pass', 'pass'], ['fail', 'fail'], ['pass', 'pass']]).kappa).toBeCloseTo(1, 12);
    expect(cohensKappa([[true, false], [false, true]]).kappa).toBeCloseTo(-1, 12);
    expect(cohensKappa([['pass', 'pass'], ['pass', 'pass']]).kappa).toBeNull();
    expect(cohensKappa([]).kappa).toBeNull();
  });
});

describe('fleissKappa', () => {
  // Wikipedia "Fleiss' kappa" worked example: 10 items, 5 categories, 14 raters.
  const ratings = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it('reproduces the worked example (P̄ = 0.378, P̄e = 0.213, κ = 0.210)', () => {
    const result = fleissKappa(ratings);
    expect(result.observedAgreement).toBeCloseTo(0.378, 3);
    expect(result.expectedAgreement).toBeCloseTo(0.213, 3);
    expect(result.kappa).toBeCloseTo(0.21, 3);
    expect(result.raters).toBe(14);
    expect(result.items).toBe(10);
  });

  it('agrees with Cohen-style p_o for two raters and is 1 for unanimous items', () => {
    expect(fleissKappa([[3, 0], [0, 3], [3, 0]]).kappa).toBeCloseTo(1, 12);
    // Two raters: P̄ is the share of items where both agree.
    const twoRaters = fleissKappa([[2, 0], [1, 1], [0, 2], [2, 0]]);
    expect(twoRaters.observedAgreement).toBeCloseTo(0.75, 12);
  });

  it('rejects rows with a different number of raters', () => {
    expect(() => fleissKappa([[2, 1], [1, 1]])).toThrow(/ratings\[1\] sums to 2 raters, expected 3/);
    expect(() => fleissKappa([[1, 0]])).toThrow(/at least 2 raters/);
    expect(() => fleissKappa([[1, 1], [2]])).toThrow(/ratings\[1\] has 1 categories/);
  });
});

describe('sampleSizeForMargin', () => {
  it('gives 385 for ±5% at p = 0.5', () => {
    expect(sampleSizeForMargin(0.05)).toBe(385);
  });

  it('matches z²p(1−p)/m² rounded up for other inputs', () => {
    expect(sampleSizeForMargin(0.03)).toBe(Math.ceil((Z * Z * 0.25) / 0.0009));
    expect(sampleSizeForMargin(0.03)).toBe(1068);
    expect(sampleSizeForMargin(0.05, 0.1)).toBe(139);
    expect(sampleSizeForMargin(0.1, 0.5, 2)).toBe(100);
  });

  it('applies the finite-population correction', () => {
    // 384.16 / (1 + 383.16/1000) = 277.7 → 278
    expect(sampleSizeForMargin(0.05, 0.5, Z, 1000)).toBe(278);
    expect(sampleSizeForMargin(0.05, 0.5, Z, 50)).toBeLessThanOrEqual(50);
    expect(sampleSizeForMargin(0.01, 0.5, Z, 20)).toBe(20);
  });

  it('rejects invalid input', () => {
    expect(() => sampleSizeForMargin(0)).toThrow(/margin/);
    expect(() => sampleSizeForMargin(0.05, 1.2)).toThrow(/p must/);
  });
});

describe('targetMet', () => {
  it('compares the chosen bound with the threshold', () => {
    const stats = wilsonInterval(95, 100);
    const target = auditTargetSchema.parse({ metric: 'precision', threshold: 0.9 });
    expect(target.bound).toBe('lower');
    expect(stats.lower).toBeGreaterThan(0.88);
    expect(stats.lower).toBeLessThan(0.9);
    expect(targetMet(target, stats)).toBe(false);
    expect(targetMet({ metric: 'precision', bound: 'estimate', threshold: 0.9 }, stats)).toBe(true);
    expect(targetMet({ metric: 'precision', bound: 'lower', threshold: 0.85 }, stats)).toBe(true);
  });

  it('treats false-drop targets as maxima and unaudited stats as unmet', () => {
    const drops = wilsonInterval(1, 100);
    expect(targetMet({ metric: 'falseDropRate', bound: 'upper', threshold: 0.1 }, drops)).toBe(true);
    expect(targetMet({ metric: 'falseDropRate', bound: 'upper', threshold: 0.03 }, drops)).toBe(false);
    expect(targetMet({ metric: 'precision', bound: 'upper', threshold: 0 }, wilsonInterval(0, 0))).toBe(false);
  });
});
