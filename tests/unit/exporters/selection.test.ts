import { describe, expect, it } from 'vitest';

import {
  assignSplit,
  createInstructionDeduper,
  createSeededRandom,
  normaliseInstructionKey,
  seededShuffle,
  splitTrainTest,
  unitIntervalFromKey,
} from '@/lib/exporters/selection';

const ids = Array.from({ length: 4000 }, (_, index) => `pair-${index}`);
const topics = ['hate', 'self-harm', 'illegal', 'nsfw', null];
const keys = ids.map((id, index) => ({ id, topic: topics[index % topics.length] }));

describe('seeded randomness', () => {
  it('the same seed gives the same sequence, another seed another one', () => {
    const draw = (seed: string): number[] => {
      const random = createSeededRandom(seed);
      return Array.from({ length: 20 }, () => random());
    };
    expect(draw('alpha')).toEqual(draw('alpha'));
    expect(draw('alpha')).not.toEqual(draw('beta'));
    for (const value of draw('gamma')) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
  });

  it('draws are roughly uniform', () => {
    const random = createSeededRandom('uniform');
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 20_000; i++) buckets[Math.floor(random() * 10)]++;
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('seededShuffle is a reproducible permutation that leaves its input alone', () => {
    const input = ids.slice(0, 200);
    const copy = input.slice();
    const a = seededShuffle(input, 's1');
    expect(input).toEqual(copy);
    expect(a).toEqual(seededShuffle(input, 's1'));
    expect(a).not.toEqual(seededShuffle(input, 's2'));
    expect(a).not.toEqual(input);
    expect([...a].sort()).toEqual([...input].sort());
  });

  it('unitIntervalFromKey spreads keys over [0, 1)', () => {
    const values = ids.map(unitIntervalFromKey);
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
    expect(new Set(values).size).toBe(values.length);
  });
});

describe('streaming hash split (assignSplit)', () => {
  it('is reproducible from the seed and changes with another seed', () => {
    const first = ids.map((id) => assignSplit(id, 'seed-1', 0.8));
    expect(ids.map((id) => assignSplit(id, 'seed-1', 0.8))).toEqual(first);
    const other = ids.map((id) => assignSplit(id, 'seed-2', 0.8));
    const differing = other.filter((split, index) => split !== first[index]).length;
    expect(differing).toBeGreaterThan(ids.length * 0.1);
  });

  it('hits the ratio overall and, in expectation, in every topic', () => {
    const train = ids.filter((id) => assignSplit(id, 'ratio', 0.8) === 'train').length;
    expect(Math.abs(train / ids.length - 0.8)).toBeLessThan(0.03);
    for (const topic of topics) {
      const inTopic = keys.filter((key) => key.topic === topic);
      const trainInTopic = inTopic.filter((key) => assignSplit(key.id, 'ratio', 0.8) === 'train').length;
      // 800 rows per topic: 4 standard deviations of Binomial(800, 0.8) is about 0.057.
      expect(Math.abs(trainInTopic / inTopic.length - 0.8)).toBeLessThan(0.06);
    }
  });

  it('a row keeps its split when other rows are added', () => {
    const before = assignSplit('pair-17', 'stable', 0.5);
    ids.forEach((id) => assignSplit(id, 'stable', 0.5));
    expect(assignSplit('pair-17', 'stable', 0.5)).toBe(before);
  });

  it('ratio 1 puts everything in train and ratio 0 everything in test', () => {
    expect(ids.every((id) => assignSplit(id, 's', 1) === 'train')).toBe(true);
    expect(ids.every((id) => assignSplit(id, 's', 0) === 'test')).toBe(true);
  });
});

describe('exact split (splitTrainTest)', () => {
  it('gives every topic round(n · ratio) train rows', () => {
    const split = splitTrainTest(keys, { ratio: 0.7, seed: 'exact', stratifyBy: 'topic' });
    for (const topic of topics) {
      const inTopic = keys.filter((key) => key.topic === topic);
      const train = inTopic.filter((key) => split.splitOf.get(key.id) === 'train').length;
      expect(train).toBe(Math.round(inTopic.length * 0.7));
      expect(split.perStratum.get(topic ?? '')).toEqual({ train, test: inTopic.length - train });
    }
    expect(split.train.length + split.test.length).toBe(keys.length);
    expect(split.splitOf.size).toBe(keys.length);
  });

  it('depends on the seed and the set of ids, not on their order', () => {
    const a = splitTrainTest(keys, { ratio: 0.5, seed: 'order', stratifyBy: 'topic' });
    const reversed = splitTrainTest([...keys].reverse(), { ratio: 0.5, seed: 'order', stratifyBy: 'topic' });
    expect([...reversed.splitOf.entries()].sort()).toEqual([...a.splitOf.entries()].sort());
    const b = splitTrainTest(keys, { ratio: 0.5, seed: 'another', stratifyBy: 'topic' });
    expect(b.train.sort()).not.toEqual(a.train.sort());
  });

  it('without stratification the total is exact', () => {
    const split = splitTrainTest(keys.slice(0, 999), { ratio: 0.9, seed: 'flat' });
    expect(split.train).toHaveLength(Math.round(999 * 0.9));
  });

  it('refuses duplicate ids, bad ratios and inputs above the memory limit', () => {
    expect(() => splitTrainTest([{ id: 'a' }, { id: 'a' }], { ratio: 0.5, seed: 's' })).toThrow(/"a" appears twice/);
    expect(() => splitTrainTest(keys, { ratio: 1.5, seed: 's' })).toThrow(/between 0 and 1/);
    expect(() => splitTrainTest(keys, { ratio: 0.5, seed: 's', maxIds: 100 })).toThrow(/at most 100 ids.*assignSplit/);
  });
});

describe('instruction dedup', () => {
  it('normalises case, whitespace, zero-width characters and NFD vs NFC', () => {
    expect(normaliseInstructionKey('  Café\t\n  NOW ')).toBe(normaliseInstructionKey('cafe\u0301 now'));
    expect(normaliseInstructionKey('hate\u200bspeech')).toBe(normaliseInstructionKey('hatespeech'));
    expect(normaliseInstructionKey('one thing')).not.toBe(normaliseInstructionKey('another thing'));
  });

  it('keeps the first of each normalised instruction', () => {
    const deduper = createInstructionDeduper();
    const input = ['Write a poem', 'write a  POEM', 'Write a story', 'Write\u200b a poem', 'Write a story.'];
    expect(input.map((text) => deduper.isFirst(text))).toEqual([true, false, true, false, true]);
    expect(deduper.distinct).toBe(3);
  });

  it('does not merge distinct instructions at scale', () => {
    const deduper = createInstructionDeduper();
    for (const id of ids) expect(deduper.isFirst(`instruction ${id}`)).toBe(true);
    expect(deduper.distinct).toBe(ids.length);
  });
});
