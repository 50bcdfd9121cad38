/**
 * Spot-check audit statistics: precision / false-drop estimates with confidence intervals,
 * inter-rater agreement and sample-size planning. Pure functions, no I/O.
 *
 * Conventions:
 * - Proportions are in [0, 1]. An estimate that cannot be computed (nothing audited yet) is
 *   `null`, with the uninformative interval [0, 1], so that JSON and the UI never see NaN.
 * - z defaults to 1.96 (two-sided 95%).
 */
import { z as zod } from 'zod';

export const DEFAULT_Z = 1.96;

export interface ProportionInterval {
  /** Point estimate, or null when nothing was audited. */
  estimate: number | null;
  lower: number;
  upper: number;
}

export interface StratifiedInterval extends ProportionInterval {
  /** Total number of audited items over all strata. */
  audited: number;
  /**
   * Sample size the Wilson interval was evaluated with (see `stratifiedPrecision`).
   * Equals `audited` for a single stratum without the finite-population correction; Infinity for a census.
   */
  effectiveSampleSize: number;
  /** Share of the population in strata with nothing audited yet (0 when every stratum has audits). */
  unauditedShare: number;
}

function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function assertPositiveZ(z: number): void {
  if (!Number.isFinite(z) || z <= 0) throw new RangeError(`z must be a positive number, got ${z}`);
}

function clampUnit(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/**
 * Wilson score interval for `successes` out of `n` (n may be fractional when it is an effective
 * sample size). Chosen over the normal (Wald) interval because it stays inside [0, 1] and is
 * not degenerate at 0/n or n/n, which is exactly where audits of good filters end up.
 * n = 0 → `{ estimate: null, lower: 0, upper: 1 }`.
 */
export function wilsonInterval(successes: number, n: number, z: number = DEFAULT_Z): ProportionInterval {
  assertPositiveZ(z);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`n must be a non-negative number, got ${n}`);
  if (!Number.isFinite(successes) || successes < 0 || successes > n) {
    throw new RangeError(`successes must be between 0 and n (${n}), got ${successes}`);
  }
  if (n === 0) return { estimate: null, lower: 0, upper: 1 };
  const p = successes / n;
  return { estimate: p, ...wilsonBoundsForProportion(p, n, z) };
}

function wilsonBoundsForProportion(p: number, n: number, z: number): { lower: number; upper: number } {
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At p = 0 or 1 one bound is mathematically exact (0 or 1); clamping removes float dust like 1e-17.
  return {
    lower: p === 0 ? 0 : clampUnit(centre - halfWidth),
    upper: p === 1 ? 1 : clampUnit(centre + halfWidth),
  };
}

export interface PrecisionStratum {
  /** Number of items of this stratum in the population the audit is about (e.g. kept items of topic "hate"). */
  populationSize: number;
  /** Audited items of this stratum that the humans accepted. */
  accepted: number;
  /** Audited items of this stratum. */
  audited: number;
}

export interface StratifiedOptions {
  z?: number;
  /**
   * Apply the finite-population correction (1 − n_h/N_h) to each stratum's variance. Off by default
   * so that a single stratum reproduces the plain Wilson interval; turn it on when a large share of
   * a stratum is audited.
   */
  finitePopulationCorrection?: boolean;
}

/**
 * Stratum-weighted proportion with a Wilson-style interval.
 *
 * Estimate: p̂ = Σ W_h · p̂_h with W_h = N_h / N and p̂_h = accepted_h / audited_h.
 *
 * Interval: the Wilson score interval evaluated at p̂ with an effective sample size
 * n_eff = p̂(1 − p̂) / V̂, where V̂ = Σ W_h² · p̂_h(1 − p̂_h) / n_h (× (1 − n_h/N_h) with the
 * finite-population correction) is the usual stratified variance. This is the Korn–Graubard
 * (1998) effective-sample-size construction with Wilson in place of Clopper–Pearson.
 * When V̂ = 0 (every stratum is all-accepted or all-rejected) the Kish effective sample size
 * 1 / Σ(W_h² / n_h) is used instead, so 50/50 accepted still gets a real interval. n_eff is capped
 * at the number audited (design effect ≥ 1, as Korn–Graubard recommend) so that reweighting never
 * claims more information than was collected. With one stratum n_eff = n and the result equals
 * `wilsonInterval(accepted, audited)`. With the finite-population correction, the capped n_eff is
 * divided by V̂_fpc / V̂ (by Σ W_h²(1 − f_h)/n_h / Σ W_h²/n_h on the Kish path); one stratum then
 * gets n / (1 − n/N), and a full census a zero-width interval.
 *
 * Strata with populationSize 0 are ignored. Strata with a population but nothing audited yet
 * (audit in progress) cannot be estimated: the point estimate then covers the audited strata only
 * (weights renormalised), and the bounds are widened to cover any value in the unaudited share u:
 * lower·(1 − u) and upper·(1 − u) + u. `unauditedShare` reports u.
 */
export function stratifiedPrecision(strata: readonly PrecisionStratum[], options: StratifiedOptions = {}): StratifiedInterval {
  const z = options.z ?? DEFAULT_Z;
  assertPositiveZ(z);
  strata.forEach((stratum, index) => {
    assertCount(stratum.populationSize, `strata[${index}].populationSize`);
    assertCount(stratum.audited, `strata[${index}].audited`);
    assertCount(stratum.accepted, `strata[${index}].accepted`);
    if (stratum.accepted > stratum.audited) {
      throw new RangeError(`strata[${index}]: accepted (${stratum.accepted}) exceeds audited (${stratum.audited})`);
    }
    if (options.finitePopulationCorrection && stratum.audited > stratum.populationSize) {
      throw new RangeError(
        `strata[${index}]: audited (${stratum.audited}) exceeds populationSize (${stratum.populationSize}); ` +
          'the finite-population correction needs audited ≤ populationSize',
      );
    }
  });

  const populated = strata.filter((stratum) => stratum.populationSize > 0);
  const totalPopulation = populated.reduce((sum, stratum) => sum + stratum.populationSize, 0);
  const auditedStrata = populated.filter((stratum) => stratum.audited > 0);
  const auditedPopulation = auditedStrata.reduce((sum, stratum) => sum + stratum.populationSize, 0);
  const audited = auditedStrata.reduce((sum, stratum) => sum + stratum.audited, 0);

  if (auditedStrata.length === 0) {
    return { estimate: null, lower: 0, upper: 1, audited: 0, effectiveSampleSize: 0, unauditedShare: totalPopulation > 0 ? 1 : 0 };
  }

  let estimate = 0;
  let variance = 0;
  let correctedVariance = 0;
  let kishDenominator = 0;
  let correctedKishDenominator = 0;
  for (const stratum of auditedStrata) {
    const weight = stratum.populationSize / auditedPopulation;
    const p = stratum.accepted / stratum.audited;
    const fpc = options.finitePopulationCorrection ? 1 - stratum.audited / stratum.populationSize : 1;
    estimate += weight * p;
    variance += (weight * weight * p * (1 - p)) / stratum.audited;
    correctedVariance += (weight * weight * p * (1 - p) * fpc) / stratum.audited;
    kishDenominator += (weight * weight) / stratum.audited;
    correctedKishDenominator += (weight * weight * fpc) / stratum.audited;
  }
  estimate = clampUnit(estimate);

  // The cap applies to the with-replacement design; the finite-population correction then scales
  // it by the variance ratio (a census gives an infinite effective size, i.e. a zero-width interval).
  const withReplacement = Math.min(audited, variance > 0 ? (estimate * (1 - estimate)) / variance : 1 / kishDenominator);
  const correctionRatio = variance > 0 ? correctedVariance / variance : correctedKishDenominator / kishDenominator;
  const effectiveSampleSize = correctionRatio > 0 ? withReplacement / correctionRatio : Number.POSITIVE_INFINITY;
  const bounds = wilsonBoundsForProportion(estimate, effectiveSampleSize, z);

  const unauditedShare = (totalPopulation - auditedPopulation) / totalPopulation;
  return {
    estimate,
    lower: clampUnit(bounds.lower * (1 - unauditedShare)),
    upper: clampUnit(bounds.upper * (1 - unauditedShare) + unauditedShare),
    audited,
    effectiveSampleSize,
    unauditedShare,
  };
}

export interface DroppedStratum {
  /** Number of items of this stratum that the automatic filters dropped. */
  populationSize: number;
  /** Audited dropped items that the humans judged good (i.e. wrongly dropped). */
  judgedGood: number;
  audited: number;
}

/**
 * Share of dropped items that humans judged good — what the filters wrongly threw away.
 * Same estimator and interval as `stratifiedPrecision`, applied to the dropped strata.
 */
export function falseDropRate(strata: readonly DroppedStratum[], options: StratifiedOptions = {}): StratifiedInterval {
  return stratifiedPrecision(
    strata.map((stratum) => ({ populationSize: stratum.populationSize, accepted: stratum.judgedGood, audited: stratum.audited })),
    options,
  );
}

export type Label = string | number | boolean;

export interface ConfusionMatrix<L extends Label> {
  /** Sorted union of the labels both raters used (or the labels passed in). */
  labels: L[];
  /** counts[i][j] = number of items rater A labelled labels[i] and rater B labelled labels[j]. */
  counts: number[][];
  total: number;
}

function compareLabels(a: Label, b: Label): number {
  if (typeof a === typeof b) {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
  }
  return typeof a < typeof b ? -1 : 1;
}

/**
 * Cross-tabulates two raters' labels on the same items. Pass `labels` to fix the row/column order
 * (and include categories nobody used); otherwise the sorted union of observed labels is used.
 */
export function confusionMatrix<L extends Label>(pairs: readonly (readonly [L, L])[], labels?: readonly L[]): ConfusionMatrix<L> {
  const order = labels ? [...labels] : [...new Set(pairs.flat())].sort(compareLabels);
  const indexOf = new Map<L, number>(order.map((label, index) => [label, index]));
  if (indexOf.size !== order.length) throw new RangeError('labels must not contain duplicates');
  const counts = order.map(() => order.map(() => 0));
  pairs.forEach(([a, b], index) => {
    const row = indexOf.get(a);
    const column = indexOf.get(b);
    if (row === undefined || column === undefined) {
      throw new RangeError(`pairs[${index}] uses label ${JSON.stringify(row === undefined ? a : b)} which is not in labels`);
    }
    counts[row][column] += 1;
  });
  return { labels: order, counts, total: pairs.length };
}

export interface AgreementResult {
  /** κ, or null when it is undefined (no items, or both raters used one and the same label for everything: p_e = 1). */
  kappa: number | null;
  observedAgreement: number | null;
  expectedAgreement: number | null;
  items: number;
}

/**
 * Cohen's κ = (p_o − p_e) / (1 − p_e) for two raters on the same items; p_e from each rater's
 * marginal label frequencies.
 */
export function cohensKappa<L extends Label>(pairs: readonly (readonly [L, L])[]): AgreementResult {
  if (pairs.length === 0) return { kappa: null, observedAgreement: null, expectedAgreement: null, items: 0 };
  const { counts, total } = confusionMatrix(pairs);
  let agreed = 0;
  let expected = 0;
  counts.forEach((row, i) => {
    agreed += row[i];
    const rowTotal = row.reduce((sum, value) => sum + value, 0);
    const columnTotal = counts.reduce((sum, other) => sum + other[i], 0);
    expected += (rowTotal / total) * (columnTotal / total);
  });
  const observed = agreed / total;
  return { kappa: kappaFrom(observed, expected), observedAgreement: observed, expectedAgreement: expected, items: total };
}

function kappaFrom(observed: number, expected: number): number | null {
  // p_e = 1 means chance alone explains everything; κ is 0/0 and reporting 1 or 0 would both mislead.
  if (Math.abs(1 - expected) < 1e-12) return null;
  return (observed - expected) / (1 - expected);
}

/**
 * Fleiss' κ for a fixed number of raters per item.
 * `ratings[i][j]` = number of raters who put item i in category j; every row must sum to the
 * same number of raters (≥ 2).
 */
export function fleissKappa(ratings: readonly (readonly number[])[]): AgreementResult & { raters: number } {
  if (ratings.length === 0) return { kappa: null, observedAgreement: null, expectedAgreement: null, items: 0, raters: 0 };
  const categories = ratings[0].length;
  if (categories === 0) throw new RangeError('ratings[0] has no categories');
  const raters = ratings[0].reduce((sum, value) => sum + value, 0);
  ratings.forEach((row, i) => {
    if (row.length !== categories) throw new RangeError(`ratings[${i}] has ${row.length} categories, expected ${categories} like ratings[0]`);
    row.forEach((value, j) => assertCount(value, `ratings[${i}][${j}]`));
    const rowRaters = row.reduce((sum, value) => sum + value, 0);
    if (rowRaters !== raters) {
      throw new RangeError(`ratings[${i}] sums to ${rowRaters} raters, expected ${raters} like ratings[0]; Fleiss' κ needs the same number of raters per item`);
    }
  });
  if (raters < 2) throw new RangeError(`Fleiss' κ needs at least 2 raters per item, got ${raters}`);

  const items = ratings.length;
  const perItemAgreement = ratings.map(
    (row) => row.reduce((sum, count) => sum + count * (count - 1), 0) / (raters * (raters - 1)),
  );
  const observed = perItemAgreement.reduce((sum, value) => sum + value, 0) / items;
  let expected = 0;
  for (let j = 0; j < categories; j += 1) {
    const share = ratings.reduce((sum, row) => sum + row[j], 0) / (items * raters);
    expected += share * share;
  }
  return { kappa: kappaFrom(observed, expected), observedAgreement: observed, expectedAgreement: expected, items, raters };
}

/**
 * Sample size for a ±margin interval around a proportion: n₀ = z²·p(1−p)/m², and with a
 * population of N the finite-population correction n = n₀ / (1 + (n₀ − 1)/N), capped at N.
 * Rounded up (a tiny tolerance keeps float dust like 100.00000000000001 from becoming 101).
 * 385 for ±5% at p = 0.5; 278 of a population of 1000.
 */
export function sampleSizeForMargin(margin: number, p: number = 0.5, z: number = DEFAULT_Z, populationSize?: number): number {
  if (!(margin > 0 && margin < 1)) throw new RangeError(`margin must be between 0 and 1 (exclusive), got ${margin}`);
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be between 0 and 1, got ${p}`);
  assertPositiveZ(z);
  if (populationSize !== undefined) assertCount(populationSize, 'populationSize');
  const worstCaseP = p === 0 || p === 1 ? 0.5 : p; // a planned p of 0 or 1 would plan zero audits
  const infinite = (z * z * worstCaseP * (1 - worstCaseP)) / (margin * margin);
  const corrected = populationSize === undefined ? infinite : infinite / (1 + (infinite - 1) / populationSize);
  const rounded = Math.ceil(corrected - 1e-9);
  return populationSize === undefined ? rounded : Math.min(populationSize, rounded);
}

export const auditTargetSchema = zod.object({
  metric: zod.enum(['precision', 'falseDropRate']),
  bound: zod.enum(['lower', 'estimate', 'upper']).default('lower'),
  threshold: zod.number().min(0).max(1),
});
export type AuditTarget = zod.infer<typeof auditTargetSchema>;

type AuditMetric = AuditTarget['metric'];
type AuditBound = AuditTarget['bound'];

/** Precision is good when high, the false-drop rate when low. */
const metricComparison: Record<AuditMetric, (value: number, threshold: number) => boolean> = {
  precision: (value, threshold) => value >= threshold,
  falseDropRate: (value, threshold) => value <= threshold,
};

const boundValue: Record<AuditBound, (stats: ProportionInterval) => number | null> = {
  lower: (stats) => stats.estimate === null ? null : stats.lower,
  estimate: (stats) => stats.estimate,
  upper: (stats) => stats.estimate === null ? null : stats.upper,
};

/**
 * Whether the audit meets its target, e.g. `{ metric: 'precision', bound: 'lower', threshold: 0.9 }`
 * = "the lower 95% bound of precision is at least 90%". `stats` must be the statistics of the
 * metric named in the target. Nothing audited yet → false.
 */
export function targetMet(target: AuditTarget, stats: ProportionInterval): boolean {
  const value = boundValue[target.bound](stats);
  if (value === null) return false;
  return metricComparison[target.metric](value, target.threshold);
}
