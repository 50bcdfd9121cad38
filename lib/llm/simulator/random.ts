import { createHash } from 'node:crypto';

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * Small, fast PRNG (mulberry32). Good enough for simulation; used instead of Math.random so that
 * a seed reproduces the same sequence of outputs and faults.
 */
export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit seed from any text; sha1 is native and fast, and spreads similar inputs apart. */
export function seedFromText(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32LE(0);
}

/** A PRNG whose whole sequence is fixed by `text`. */
export function rngFromText(text: string): Rng {
  return mulberry32(seedFromText(text));
}

/** A uniform number in [0, 1) fixed by `text`. */
export function unitFromText(text: string): number {
  return seedFromText(text) / 4294967296;
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick: empty list');
  return items[Math.floor(rng() * items.length)];
}
