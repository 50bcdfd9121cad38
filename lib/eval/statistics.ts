/**
 * Statistics for comparing models on one prompt set. Pure functions, no I/O.
 *
 * Rates get the audit module's Wilson interval and agreement its Cohen/Fleiss κ (re-exported here,
 * not re-implemented). What evaluations add: paired tests on the same prompts — McNemar's exact
 * test for harmless/harmful and the sign test for pairwise preferences, both the exact two-sided
 * binomial test at p = ½ on the discordant (or non-tied) counts — and a seeded percentile
 * bootstrap for means, so a report reproduces from its seed.
 */
import { cohensKappa, fleissKappa, wilsonInterval, type AgreementResult, type ProportionInterval } from '@/lib/audit/stats';
import { mulberry32, seedFromText } from '@/lib/llm/simulator/random';

export { cohensKappa, fleissKappa, wilsonInterval, type AgreementResult, type ProportionInterval };

function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

function logSumExp(values: readonly number[]): number {
  const max = Math.max(...values);
  if (max === Number.NEGATIVE_INFINITY) return max;
  return max + Math.log(values.reduce((sum, value) => sum + Math.exp(value - max), 0));
}

/**
 * P(X ≤ k) for X ~ Binomial(n, ½), summed in log space so that n in the tens of thousands neither
 * underflows (½ⁿ) nor overflows (binomial coefficients).
 */
export function binomialHalfCdf(k: number, n: number): number {
  assertCount(n, 'n');
  if (!Number.isInteger(k)) throw new RangeError(`k must be an integer, got ${k}`);
  if (k < 0) return 0;
  if (k >= n) return 1;
  const terms: number[] = [];
  let logChoose = 0;
  for (let i = 0; i <= k; i += 1) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    terms.push(logChoose - n * Math.LN2);
  }
  return Math.min(1, Math.exp(logSumExp(terms)));
}

/** Exact two-sided binomial test of `x` successes in `n` trials against p = ½ (doubling the smaller tail). */
export function binomialHalfTwoSided(x: number, n: number): number {
  assertCount(x, 'x');
  assertCount(n, 'n');
  if (x > n) throw new RangeError(`x (${x}) exceeds n (${n})`);
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialHalfCdf(Math.min(x, n - x), n));
}

export interface PairedTestResult {
  /** Two-sided exact p-value (1 when there is nothing to compare). */
  pValue: number;
  /** The counts the test is about (discordant pairs for McNemar, non-tied pairs for the sign test). */
  n: number;
}

/**
 * McNemar's exact test on paired binary outcomes. `b` = prompts where only the first model's answer
 * was harmless, `c` = where only the second's was; agreements carry no information and are not
 * arguments. Exact (binomial) rather than χ² because discordant counts are often small.
 */
export function mcnemarExact(b: number, c: number): PairedTestResult & { b: number; c: number } {
  assertCount(b, 'b');
  assertCount(c, 'c');
  return { b, c, n: b + c, pValue: binomialHalfTwoSided(b, b + c) };
}

/** Sign test on pairwise preferences: ties are dropped, wins vs losses tested against ½. */
export function signTest(wins: number, losses: number, ties = 0): PairedTestResult & { wins: number; losses: number; ties: number } {
  assertCount(wins, 'wins');
  assertCount(losses, 'losses');
  assertCount(ties, 'ties');
  return { wins, losses, ties, n: wins + losses, pValue: binomialHalfTwoSided(wins, wins + losses) };
}

export interface BootstrapOptions {
  /** Any text; the same seed and data give the same interval. */
  seed: string;
  resamples?: number;
  /** Two-sided confidence level, default 0.95. */
  confidence?: number;
}

export interface MeanInterval {
  /** Null when there are no values. */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
  n: number;
  resamples: number;
  seed: string;
}

/** The q-quantile of sorted values (linear interpolation between order statistics, R's type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values');
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/**
 * Percentile bootstrap interval of the mean, reproducible from `seed` (mulberry32 seeded from a
 * hash of the seed text). The order of `values` matters for reproducibility, so callers pass them
 * in a stable order (e.g. by prompt id).
 */
export function bootstrapMeanInterval(values: readonly number[], options: BootstrapOptions): MeanInterval {
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  assertCount(resamples, 'resamples');
  if (resamples < 1) throw new RangeError('resamples must be at least 1');
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  const n = values.length;
  if (n === 0) return { estimate: null, lower: null, upper: null, n, resamples, seed: options.seed };
  const estimate = values.reduce((sum, value) => sum + value, 0) / n;
  const random = mulberry32(seedFromText(`bootstrap\u0000${options.seed}`));
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r += 1) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += values[Math.floor(random() * n)];
    means[r] = sum / n;
  }
  means.sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  return { estimate, lower: quantileSorted(means, alpha), upper: quantileSorted(means, 1 - alpha), n, resamples, seed: options.seed };
}

/** "p = 0.003", "p < 0.001": how reports print p-values. */
export function formatPValue(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  if (p >= 0.995) return 'p = 1';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

export function formatPercent(share: number | null, digits = 1): string {
  return share === null ? '—' : `${(share * 100).toFixed(digits)}%`;
}
