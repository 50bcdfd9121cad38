import { describe, expect, it } from 'vitest';
import {
  binomialHalfCdf,
  binomialHalfTwoSided,
  bootstrapMeanInterval,
  cohensKappa,
  fleissKappa,
  formatPValue,
  mcnemarExact,
  quantileSorted,
  signTest,
  wilsonInterval,
} from '@/lib/eval/statistics';

/** Independent exact reference: BigInt binomial coefficients, no logs, no floats until the end. */
function exactTwoSided(x: number, n: number): number {
  if (n === 0) return 1;
  const k = Math.min(x, n - x);
  let coefficient = 1n;
  let tail = 0n;
  for (let i = 0; i <= k; i += 1) {
    if (i > 0) coefficient = (coefficient * BigInt(n - i + 1)) / BigInt(i);
    tail += coefficient;
  }
  const doubled = Number((2n * tail * 10n ** 18n) / 2n ** BigInt(n)) / 1e18;
  return Math.min(1, doubled);
}

describe('McNemar exact test', () => {
  it('matches textbook values (R: binom.test(b, b + c))', () => {
    // binom.test(1, 10): 2 · (1 + 10) / 1024
    expect(mcnemarExact(1, 9).pValue).toBeCloseTo(0.021484375, 12);
    expect(mcnemarExact(9, 1).pValue).toBeCloseTo(0.021484375, 12);
    // binom.test(0, 5): 2 / 32
    expect(mcnemarExact(0, 5).pValue).toBeCloseTo(0.0625, 12);
    // binom.test(2, 12): 2 · (1 + 12 + 66) / 4096
    expect(mcnemarExact(2, 10).pValue).toBeCloseTo(0.03857421875, 12);
    expect(mcnemarExact(5, 5).pValue).toBe(1);
  });

  it('reports its discordant counts, and p = 1 when there are none', () => {
    expect(mcnemarExact(0, 0)).toEqual({ b: 0, c: 0, n: 0, pValue: 1 });
    expect(mcnemarExact(3, 7)).toMatchObject({ b: 3, c: 7, n: 10 });
  });

  it('stays exact for large counts (no under- or overflow)', () => {
    for (const [b, c] of [
      [100, 130],
      [480, 560],
      [20, 61],
    ]) {
      expect(mcnemarExact(b, c).pValue).toBeCloseTo(exactTwoSided(b, b + c), 10);
    }
    expect(mcnemarExact(5000, 5400).pValue).toBeGreaterThan(0);
    expect(mcnemarExact(5000, 5400).pValue).toBeLessThan(0.001);
  });

  it('rejects impossible counts', () => {
    expect(() => mcnemarExact(-1, 3)).toThrow(RangeError);
    expect(() => mcnemarExact(1.5, 3)).toThrow(RangeError);
  });
});

describe('sign test', () => {
  it('matches textbook values', () => {
    // 12 positive and 3 negative differences out of 15: two-sided p = 2 · 576 / 32768
    expect(signTest(12, 3).pValue).toBeCloseTo(0.03515625, 12);
    // binom.test(8, 10) = 0.109375
    expect(signTest(8, 2).pValue).toBeCloseTo(0.109375, 12);
    // binom.test(10, 10) = 2 / 1024
    expect(signTest(10, 0).pValue).toBeCloseTo(0.001953125, 12);
  });

  it('drops ties', () => {
    expect(signTest(12, 3, 40)).toMatchObject({ n: 15, ties: 40 });
    expect(signTest(12, 3, 40).pValue).toBe(signTest(12, 3).pValue);
    expect(signTest(0, 0, 9).pValue).toBe(1);
  });
});

describe('binomial helpers', () => {
  it('sums the CDF correctly', () => {
    expect(binomialHalfCdf(0, 3)).toBeCloseTo(1 / 8, 15);
    expect(binomialHalfCdf(1, 3)).toBeCloseTo(4 / 8, 15);
    expect(binomialHalfCdf(3, 3)).toBe(1);
    expect(binomialHalfCdf(-1, 3)).toBe(0);
    expect(binomialHalfTwoSided(7, 7)).toBeCloseTo(2 / 128, 15);
  });
});

describe('seeded bootstrap of a mean', () => {
  const scores = [7, 8, 3, 9, 6, 7, 2, 8, 8, 5, 6, 7, 9, 4, 7, 8, 6, 7, 5, 8];

  it('is reproducible from its seed and changes with it', () => {
    const first = bootstrapMeanInterval(scores, { seed: 'eval-42' });
    const again = bootstrapMeanInterval(scores, { seed: 'eval-42' });
    const other = bootstrapMeanInterval(scores, { seed: 'eval-43' });
    expect(again).toEqual(first);
    expect(other.lower === first.lower && other.upper === first.upper).toBe(false);
  });

  it('brackets the mean with a plausible width', () => {
    const interval = bootstrapMeanInterval(scores, { seed: 's', resamples: 4000 });
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    expect(interval.estimate).toBeCloseTo(mean, 12);
    expect(interval.lower).not.toBeNull();
    expect(interval.lower!).toBeLessThan(mean);
    expect(interval.upper!).toBeGreaterThan(mean);
    // Normal-theory half width is 1.96 · sd / √n ≈ 0.89 here; the bootstrap is close to it.
    const sd = Math.sqrt(scores.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (scores.length - 1));
    const normalHalf = (1.96 * sd) / Math.sqrt(scores.length);
    expect((interval.upper! - interval.lower!) / 2).toBeGreaterThan(normalHalf * 0.8);
    expect((interval.upper! - interval.lower!) / 2).toBeLessThan(normalHalf * 1.2);
  });

  it('gives a degenerate interval for constant data and nulls for none', () => {
    expect(bootstrapMeanInterval([5, 5, 5], { seed: 'x' })).toMatchObject({ estimate: 5, lower: 5, upper: 5 });
    expect(bootstrapMeanInterval([], { seed: 'x' })).toMatchObject({ estimate: null, lower: null, upper: null, n: 0 });
  });

  it('interpolates quantiles like R type 7', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
  });
});

describe('reused from the audit module', () => {
  it('Wilson and κ are the audit statistics', () => {
    const interval = wilsonInterval(84, 100);
    expect(interval.lower).toBeLessThan(0.84);
    expect(interval.upper).toBeGreaterThan(0.84);
    expect(cohensKappa([[true, true], [false, false], [true, false], [true, true]]).items).toBe(4);
    expect(fleissKappa([[2, 0], [0, 2], [1, 1]]).raters).toBe(2);
  });

  it('formats p-values the way reports print them', () => {
    expect(formatPValue(0.0031)).toBe('p = 0.003');
    expect(formatPValue(0.0004)).toBe('p < 0.001');
    expect(formatPValue(0.2345)).toBe('p = 0.23');
  });
});
