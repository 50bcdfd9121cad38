import type { SplitName } from './types';

/**
 * 64-bit string hash as two 32-bit halves (cyrb53's mixing with both lanes kept). Not
 * cryptographic: it only has to spread keys evenly and be identical on every machine.
 */
export function hashString64(text: string, seed = 0): [number, number] {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** A number in [0, 1) fixed by `key`, with 53 bits of resolution. */
export function unitIntervalFromKey(key: string): number {
  const [low, high] = hashString64(key);
  return ((high & 0x1fffff) * TWO_POW_32 + low) / TWO_POW_53;
}

/** sfc32 seeded from a string: a small, fast PRNG that gives the same sequence on every platform. */
export function createSeededRandom(seed: string): () => number {
  let [a, b] = hashString64(seed, 0x9e3779b9);
  let [c, d] = hashString64(seed, 0x85ebca6b);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  // The first outputs of sfc32 still correlate with the seed words.
  for (let i = 0; i < 15; i++) next();
  return next;
}

/** Fisher–Yates with a seeded PRNG; returns a new array and leaves `items` untouched. */
export function seededShuffle<T>(items: readonly T[], seed: string): T[] {
  const random = createSeededRandom(seed);
  const shuffled = items.slice();
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const held = shuffled[i];
    shuffled[i] = shuffled[j];
    shuffled[j] = held;
  }
  return shuffled;
}

export function assertTrainRatio(trainRatio: number): void {
  if (!Number.isFinite(trainRatio) || trainRatio < 0 || trainRatio > 1) {
    throw new Error(`train ratio must be a number between 0 and 1, got ${trainRatio}`);
  }
}

/**
 * Streaming split: a row's split depends only on (seed, key), never on the other rows, so a
 * million-row export needs no memory for it and a row keeps its split when the dataset grows
 * (no test row drifts into train between versions). Per-topic proportions are therefore only
 * expected, not exact: each topic's train count is Binomial(n_topic, trainRatio). Use
 * `splitTrainTest` when exact per-topic counts matter and the ids fit in memory.
 */
export function assignSplit(key: string, seed: string, trainRatio: number): SplitName {
  return unitIntervalFromKey(`${seed}\u0000${key}`) < trainRatio ? 'train' : 'test';
}

export const EXACT_SPLIT_MAX_IDS = 2_000_000;

export type SplitKey = { id: string; topic?: string | null };

export type SplitTrainTestOptions = {
  /** Fraction of each stratum that goes to train, in [0, 1]. */
  ratio: number;
  seed: string;
  stratifyBy?: 'topic';
  /** Refuse larger inputs rather than exhaust memory; defaults to EXACT_SPLIT_MAX_IDS. */
  maxIds?: number;
};

export type ExactSplit = {
  splitOf: Map<string, SplitName>;
  train: string[];
  test: string[];
  /** Per stratum (topic, or '' for rows without one; a single '' stratum when not stratified). */
  perStratum: Map<string, { train: number; test: number }>;
};

/**
 * Exact in-memory split: every stratum gets round(n · ratio) train rows. Ids are sorted before
 * the seeded shuffle, so the result depends only on the set of ids, the topics and the seed —
 * not on the order the database returned them in.
 */
export function splitTrainTest(keys: readonly SplitKey[], options: SplitTrainTestOptions): ExactSplit {
  assertTrainRatio(options.ratio);
  const maxIds = options.maxIds ?? EXACT_SPLIT_MAX_IDS;
  if (keys.length > maxIds) {
    throw new Error(
      `exact split holds every id in memory and accepts at most ${maxIds} ids, got ${keys.length}; use the streaming hash split (assignSplit) instead`,
    );
  }
  const strata = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key.id)) throw new Error(`id ${JSON.stringify(key.id)} appears twice in the split input`);
    seen.add(key.id);
    const stratum = options.stratifyBy === 'topic' ? (key.topic ?? '') : '';
    const members = strata.get(stratum);
    if (members) members.push(key.id);
    else strata.set(stratum, [key.id]);
  }

  const splitOf = new Map<string, SplitName>();
  const train: string[] = [];
  const test: string[] = [];
  const perStratum = new Map<string, { train: number; test: number }>();
  for (const stratum of [...strata.keys()].sort()) {
    const ids = strata.get(stratum) ?? [];
    ids.sort();
    const shuffled = seededShuffle(ids, `${options.seed}\u0000${stratum}`);
    const trainCount = Math.round(shuffled.length * options.ratio);
    shuffled.forEach((id, index) => {
      const split: SplitName = index < trainCount ? 'train' : 'test';
      splitOf.set(id, split);
      (split === 'train' ? train : test).push(id);
    });
    perStratum.set(stratum, { train: trainCount, test: shuffled.length - trainCount });
  }
  return { splitOf, train, test, perStratum };
}

const ZERO_WIDTH = /[\u200b-\u200d\u2060\ufeff]/g;
const WHITESPACE_RUN = /\s+/g;

/**
 * Key under which two instructions count as the same: NFKC (folds compatibility forms and
 * composes NFD), zero-width characters dropped, case folded, whitespace runs collapsed.
 */
export function normaliseInstructionKey(instruction: string): string {
  return instruction.normalize('NFKC').replace(ZERO_WIDTH, '').toLowerCase().replace(WHITESPACE_RUN, ' ').trim();
}

export type InstructionDeduper = {
  /** True the first time an instruction (by normalised key) is seen, false for every repeat. */
  isFirst(instruction: string): boolean;
  readonly distinct: number;
};

/**
 * Streaming dedup that keeps 64-bit hashes, not the texts, so a million instructions cost tens
 * of MB. Two different instructions collide with probability ≈ n² / 2⁶⁵ (≈ 3·10⁻⁸ at n = 10⁶).
 */
export function createInstructionDeduper(): InstructionDeduper {
  const seen = new Set<string>();
  return {
    isFirst(instruction: string): boolean {
      const [low, high] = hashString64(normaliseInstructionKey(instruction));
      const key = `${high.toString(36)}.${low.toString(36)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    },
    get distinct() {
      return seen.size;
    },
  };
}

/** The stratum of a row in a topic-stratified split: its topic, or '' for rows without one. */
export function topicStratum(topic: string | null): string {
  return topic ?? '';
}

export type StratifiedSplitter = {
  /** The split of the next row of `stratum`, in export order. */
  next(stratum: string): SplitName;
  /** Rows per stratum still expected; all zero once every counted row has been assigned. */
  remaining(): Map<string, number>;
};

/**
 * Streaming exact split (selection sampling, Knuth's Algorithm S, per stratum): a stratum of n
 * rows gets exactly round(n · ratio) train rows, each row going to train with probability
 * (train places left) / (rows left). Needs the stratum sizes up front but no memory per row; each
 * stratum draws from its own PRNG seeded by (seed, stratum), so the same rows in the same order
 * with the same seed always split the same way, however the strata interleave.
 */
export function createStratifiedSplitter(strataSizes: ReadonlyMap<string, number>, seed: string, ratio: number): StratifiedSplitter {
  assertTrainRatio(ratio);
  const strata = new Map<string, { left: number; trainLeft: number; random: () => number }>();
  for (const [stratum, size] of strataSizes) {
    if (!Number.isInteger(size) || size < 0) throw new Error(`stratum ${JSON.stringify(stratum)} has an invalid size ${size}`);
    strata.set(stratum, { left: size, trainLeft: Math.round(size * ratio), random: createSeededRandom(`${seed}\u0000${stratum}`) });
  }
  return {
    next(stratum: string): SplitName {
      const state = strata.get(stratum);
      if (!state || state.left === 0) {
        throw new Error(`more rows in stratum ${JSON.stringify(stratum)} than were counted; the selection changed while exporting, export again`);
      }
      const train = state.random() * state.left < state.trainLeft;
      state.left--;
      if (train) state.trainLeft--;
      return train ? 'train' : 'test';
    },
    remaining: () => new Map([...strata].map(([stratum, state]) => [stratum, state.left])),
  };
}
