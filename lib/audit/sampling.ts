/**
 * Seeded, reproducible sampling for spot-check audits: uniform and stratified samples drawn by hash
 * rank (lib/sampling/hash-rank, shared with run selection and evaluation runs).
 *
 * `seededRandom` is a separate small PRNG for other reproducible choices (e.g. review order).
 */
import { createHash } from 'node:crypto';
import { compareIds, orderByHashRank } from '@/lib/sampling/hash-rank';

// Re-exported for callers that sample in memory and in SQL alike.
export { orderByHashRank, rankForSample, sqlSampleRankExpression } from '@/lib/sampling/hash-rank';

function assertSampleSize(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample size must be a non-negative integer, got ${n}`);
}

/**
 * Uniform sample of min(n, |ids|) distinct ids, reproducible from `seed`, in rank order.
 * Duplicate ids are counted once.
 */
export function sampleUniform(ids: readonly string[], n: number, seed: string): string[] {
  assertSampleSize(n);
  return orderByHashRank([...new Set(ids)], seed).slice(0, n);
}

export interface AllocationOptions {
  /** Every non-empty stratum gets at least min(minPerStratum, its size). Default 1. */
  minPerStratum?: number;
}

/**
 * Splits a sample of n over strata proportionally to their sizes, with a minimum per non-empty
 * stratum, never more than a stratum holds, rounded by largest remainder so the parts sum to n.
 *
 * n larger than the population is clamped to the population (everything is audited). If the
 * minimums alone exceed n, this throws: silently skipping a stratum would leave its estimate empty.
 * Ties in the remainders go to the larger stratum, then to the key that sorts first, so the result
 * depends only on the inputs.
 */
export function allocateStratified<K extends string>(
  sizes: Readonly<Record<K, number>>,
  n: number,
  options: AllocationOptions = {},
): Record<K, number> {
  assertSampleSize(n);
  const minPerStratum = options.minPerStratum ?? 1;
  assertSampleSize(minPerStratum);
  const keys = (Object.keys(sizes) as K[]).sort(compareIds);
  for (const key of keys) {
    const size = sizes[key];
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`stratum "${key}" size must be a non-negative integer, got ${size}`);
  }
  const population = keys.reduce((sum, key) => sum + sizes[key], 0);
  const target = Math.min(n, population);
  const lowerBound = (key: K) => Math.min(minPerStratum, sizes[key]);
  const minimumTotal = keys.reduce((sum, key) => sum + lowerBound(key), 0);
  if (minimumTotal > target) {
    const nonEmpty = keys.filter((key) => sizes[key] > 0).length;
    throw new RangeError(
      `sample size ${n} cannot give ${nonEmpty} non-empty strata at least ${minPerStratum} item(s) each; ` +
        `use a sample size of at least ${minimumTotal} or lower the minimum per stratum`,
    );
  }

  // Continuous allocation x_h = clamp(λ·N_h, lower_h, N_h) with Σ x_h = target. The sum is
  // monotone in λ ∈ [0, 1] (λ = 1 gives the whole population), so bisection finds λ; with no
  // binding minimums this is the plain proportional λ = target / N.
  const allocationAt = (lambda: number) => keys.map((key) => Math.min(sizes[key], Math.max(lowerBound(key), lambda * sizes[key])));
  const sumAt = (lambda: number) => allocationAt(lambda).reduce((sum, value) => sum + value, 0);
  let low = 0;
  let high = 1;
  for (let iteration = 0; iteration < 100 && high - low > 1e-15; iteration += 1) {
    const middle = (low + high) / 2;
    if (sumAt(middle) < target) low = middle;
    else high = middle;
  }
  const ideal = allocationAt(high);

  const floors = ideal.map((value, index) => Math.min(sizes[keys[index]], Math.floor(value + 1e-9)));
  let remaining = target - floors.reduce((sum, value) => sum + value, 0);
  const byRemainder = keys
    .map((key, index) => ({ index, remainder: ideal[index] - floors[index], size: sizes[key] }))
    .filter((entry) => floors[entry.index] < sizes[keys[entry.index]])
    .sort((a, b) => b.remainder - a.remainder || b.size - a.size || a.index - b.index);
  for (const entry of byRemainder) {
    if (remaining <= 0) break;
    floors[entry.index] += 1;
    remaining -= 1;
  }
  // The float tolerance above can round a value like k − 1e-10 up to k; give such units back from
  // the strata that are furthest above their ideal share.
  const overshoot = keys
    .map((key, index) => ({ index, excess: floors[index] - ideal[index] }))
    .filter((entry) => floors[entry.index] > lowerBound(keys[entry.index]))
    .sort((a, b) => b.excess - a.excess || a.index - b.index);
  for (const entry of overshoot) {
    if (remaining >= 0) break;
    floors[entry.index] -= 1;
    remaining += 1;
  }

  const allocation = {} as Record<K, number>;
  keys.forEach((key, index) => {
    allocation[key] = floors[index];
  });
  return allocation;
}

export interface StratifiedItem<K extends string = string> {
  id: string;
  stratum: K;
}

export interface StratifiedSample<K extends string = string> {
  allocation: Record<K, number>;
  /** Stratum sizes the allocation was computed from. */
  populationSizes: Record<K, number>;
  /** Sampled items, grouped by stratum (strata in key order), each group in rank order. */
  items: StratifiedItem<K>[];
}

/** Counts items per stratum; an id appearing twice counts once (its first stratum wins). */
export function stratumPopulationSizes<K extends string>(items: readonly StratifiedItem<K>[]): Record<K, number> {
  return groupByStratum(items).sizes;
}

function groupByStratum<K extends string>(items: readonly StratifiedItem<K>[]): { groups: Map<K, string[]>; sizes: Record<K, number> } {
  const seen = new Set<string>();
  const groups = new Map<K, string[]>();
  for (const item of items) {
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    const group = groups.get(item.stratum);
    if (group) group.push(item.id);
    else groups.set(item.stratum, [item.id]);
  }
  const sizes = {} as Record<K, number>;
  for (const [stratum, ids] of groups) sizes[stratum] = ids.length;
  return { groups, sizes };
}

/**
 * Stratified sample of n items: `allocateStratified` over the observed strata, then the
 * lowest-ranked ids of each stratum — the same rows as the SQL `row_number() OVER (PARTITION BY
 * stratum ORDER BY rank, id)` form.
 */
export function sampleStratified<K extends string>(
  items: readonly StratifiedItem<K>[],
  n: number,
  seed: string,
  options: AllocationOptions = {},
): StratifiedSample<K> {
  const { groups, sizes } = groupByStratum(items);
  const allocation = allocateStratified(sizes, n, options);
  const sampled: StratifiedItem<K>[] = [];
  for (const stratum of (Object.keys(allocation) as K[])) {
    const ids = groups.get(stratum) ?? [];
    for (const id of orderByHashRank(ids, seed).slice(0, allocation[stratum])) sampled.push({ id, stratum });
  }
  return { allocation, populationSizes: sizes, items: sampled };
}

/**
 * Deterministic PRNG (sfc32) seeded from SHA-256 of a string. Returns floats in [0, 1).
 * Not cryptographic; for reproducible choices only.
 */
export function seededRandom(seed: string): () => number {
  const digest = createHash('sha256').update(seed, 'utf8').digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // sfc32's first outputs are correlated with the seed words; discard a few as its authors advise.
  for (let i = 0; i < 12; i += 1) next();
  return next;
}

/** Fisher–Yates shuffle of a copy of `items` with `seededRandom(seed)`. */
export function shuffleSeeded<T>(items: readonly T[], seed: string): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}
