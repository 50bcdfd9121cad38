import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  allocateStratified,
  rankForSample,
  sampleStratified,
  sampleUniform,
  seededRandom,
  shuffleSeeded,
  sqlSampleRankExpression,
  stratumPopulationSizes,
} from '@/lib/audit/sampling';

/** md5(seed || id), first 13 hex digits, computed with BigInt so it does not reuse the implementation's parse. */
function referenceRank(id: string, seed: string): number {
  const hex = createHash('md5').update(Buffer.from(seed + id, 'utf8')).digest('hex');
  return Number(BigInt(`0x${hex}`) >> 76n);
}

const ids = Array.from({ length: 200 }, (_, index) => `item-${index.toString().padStart(3, '0')}`);

describe('rankForSample', () => {
  it('is the top 52 bits of md5(seed || id), including for non-ASCII text', () => {
    for (const [id, seed] of [
      ['item-001', 'audit-1'],
      ['clx9f0a2b0000', ''],
      ['שלום', 'seed 🙂'],
      ['e\u0301', 'café'],
    ]) {
      const rank = rankForSample(id, seed);
      expect(rank).toBe(referenceRank(id, seed));
      expect(Number.isSafeInteger(rank)).toBe(true);
      expect(rank).toBeLessThan(2 ** 52);
    }
  });

  it('depends on the seed', () => {
    expect(rankForSample('item-001', 'a')).not.toBe(rankForSample('item-001', 'b'));
  });
});

describe('sqlSampleRankExpression', () => {
  it('builds the PostgreSQL expression with the seed as a bound parameter', () => {
    expect(sqlSampleRankExpression('$1', '"Item"."id"')).toBe(`('x' || substr(md5($1 || "Item"."id"::text), 1, 13))::bit(52)::bigint`);
    expect(sqlSampleRankExpression('$3', 'id')).toBe(`('x' || substr(md5($3 || id::text), 1, 13))::bit(52)::bigint`);
  });

  it('refuses anything that is not a placeholder or a column reference', () => {
    expect(() => sqlSampleRankExpression("'my seed'", 'id')).toThrow(/positional parameter/);
    expect(() => sqlSampleRankExpression('$0', 'id')).toThrow(/positional parameter/);
    expect(() => sqlSampleRankExpression('$1', 'id; drop table "Item"')).toThrow(/column reference/);
    expect(() => sqlSampleRankExpression('$1', '"a"--')).toThrow(/column reference/);
  });
});

describe('sampleUniform', () => {
  it('takes the n lowest-ranked ids, reproducibly', () => {
    const sample = sampleUniform(ids, 20, 'audit-7');
    const expected = [...ids].sort((a, b) => referenceRank(a, 'audit-7') - referenceRank(b, 'audit-7')).slice(0, 20);
    expect(sample).toEqual(expected);
    expect(sampleUniform([...ids].reverse(), 20, 'audit-7')).toEqual(sample);
    expect(new Set(sample).size).toBe(20);
    expect(sampleUniform(ids, 20, 'audit-8')).not.toEqual(sample);
  });

  it('returns everything when n exceeds the population and counts duplicates once', () => {
    expect(sampleUniform(['a', 'b', 'a'], 10, 's').sort()).toEqual(['a', 'b']);
    expect(sampleUniform(ids, 0, 's')).toEqual([]);
    expect(() => sampleUniform(ids, -1, 's')).toThrow(/non-negative integer/);
  });

  it('keeps sampled items when unrelated items join the population', () => {
    const before = sampleUniform(ids.slice(0, 100), 10, 'stable');
    const after = sampleUniform(ids, 10, 'stable');
    // Every item in the new sample that was in the old population was also in the old sample.
    const oldPopulation = new Set(ids.slice(0, 100));
    for (const id of after.filter((candidate) => oldPopulation.has(candidate))) expect(before).toContain(id);
  });

  it('gives every id about the same chance over many seeds', () => {
    const population = ids.slice(0, 40);
    const counts = new Map(population.map((id) => [id, 0]));
    const seeds = 300;
    for (let seed = 0; seed < seeds; seed += 1) {
      for (const id of sampleUniform(population, 10, `seed-${seed}`)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    // Expected 300·10/40 = 75 per id, sd ≈ sqrt(300·0.25·0.75) ≈ 7.5; allow ±5 sd.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(37);
      expect(count).toBeLessThan(113);
    }
  });
});

describe('allocateStratified', () => {
  it('is proportional when the sizes divide evenly', () => {
    expect(allocateStratified({ a: 50, b: 30, c: 20 }, 10)).toEqual({ a: 5, b: 3, c: 2 });
  });

  it('rounds by largest remainder, ties to the larger stratum', () => {
    // Ideal 10.5 / 3 / 1.5 → floors 10 / 3 / 1, one unit left, tie between a and c → a.
    expect(allocateStratified({ a: 700, b: 200, c: 100 }, 15)).toEqual({ a: 11, b: 3, c: 1 });
    // Ideal 3.33 / 3.33 / 3.33 → one unit left; equal sizes → first key.
    expect(allocateStratified({ z: 10, y: 10, x: 10 }, 10)).toEqual({ x: 4, y: 3, z: 3 });
  });

  it('gives every non-empty stratum its minimum and never more than it holds', () => {
    expect(allocateStratified({ big: 1000, small: 5, empty: 0 }, 10)).toEqual({ big: 9, small: 1, empty: 0 });
    expect(allocateStratified({ a: 3, b: 100 }, 50, { minPerStratum: 5 })).toEqual({ a: 3, b: 47 });
    expect(allocateStratified({ a: 7, b: 3 }, 100)).toEqual({ a: 7, b: 3 });
  });

  it('refuses a sample too small for the minimums', () => {
    expect(() => allocateStratified({ a: 10, b: 10, c: 10 }, 2)).toThrow(/at least 3/);
  });

  it('always sums to min(n, population) within bounds (randomised)', () => {
    const random = seededRandom('allocation-property');
    for (let trial = 0; trial < 200; trial += 1) {
      const strata = 1 + Math.floor(random() * 8);
      const sizes: Record<string, number> = {};
      for (let s = 0; s < strata; s += 1) sizes[`s${s}`] = Math.floor(random() * (random() < 0.3 ? 5 : 2000));
      const population = Object.values(sizes).reduce((sum, size) => sum + size, 0);
      const minimum = Math.floor(random() * 4);
      const required = Object.values(sizes).reduce((sum, size) => sum + Math.min(minimum, size), 0);
      const n = required + Math.floor(random() * (population + 50));
      const allocation = allocateStratified(sizes, n, { minPerStratum: minimum });
      const total = Object.values(allocation).reduce((sum, value) => sum + value, 0);
      expect(total).toBe(Math.min(n, population));
      for (const [key, size] of Object.entries(sizes)) {
        expect(allocation[key]).toBeLessThanOrEqual(size);
        expect(allocation[key]).toBeGreaterThanOrEqual(Math.min(minimum, size));
        // Without minimums, largest-remainder rounding stays within one unit of the proportional share.
        if (minimum === 0 && n <= population) expect(Math.abs(allocation[key] - (n * size) / population)).toBeLessThan(1);
      }
    }
  });
});

describe('sampleStratified', () => {
  const items = ids.map((id, index) => ({ id, stratum: index < 150 ? 'kept' : index < 190 ? 'dropped' : 'errored' }));

  it('samples each stratum by hash rank according to the allocation', () => {
    const result = sampleStratified(items, 20, 'audit-x');
    expect(result.populationSizes).toEqual({ kept: 150, dropped: 40, errored: 10 });
    expect(result.populationSizes).toEqual(stratumPopulationSizes(items));
    expect(result.allocation).toEqual(allocateStratified({ kept: 150, dropped: 40, errored: 10 }, 20));
    expect(result.items).toHaveLength(20);
    for (const stratum of ['kept', 'dropped', 'errored'] as const) {
      const members = items.filter((item) => item.stratum === stratum).map((item) => item.id);
      const sampled = result.items.filter((item) => item.stratum === stratum).map((item) => item.id);
      expect(sampled).toEqual(sampleUniform(members, result.allocation[stratum], 'audit-x'));
    }
    expect(sampleStratified([...items].reverse(), 20, 'audit-x').items).toEqual(result.items);
  });
});

describe('seededRandom and shuffleSeeded', () => {
  it('is reproducible, seed-dependent and roughly uniform', () => {
    const a = seededRandom('s1');
    const b = seededRandom('s1');
    const c = seededRandom('s2');
    const first = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first);
    const random = seededRandom('uniformity');
    let sum = 0;
    const buckets = new Array<number>(10).fill(0);
    let min = 1;
    let max = 0;
    for (let i = 0; i < 20_000; i += 1) {
      const value = random();
      min = Math.min(min, value);
      max = Math.max(max, value);
      sum += value;
      buckets[Math.floor(value * 10)] += 1;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
    for (const bucket of buckets) expect(Math.abs(bucket - 2000)).toBeLessThan(250);
  });

  it('shuffles into a reproducible permutation', () => {
    const shuffled = shuffleSeeded(ids, 'order');
    expect(shuffled).toEqual(shuffleSeeded(ids, 'order'));
    expect(shuffled).not.toEqual(ids);
    expect([...shuffled].sort()).toEqual(ids);
  });
});
