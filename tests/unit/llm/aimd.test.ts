import { describe, expect, it } from 'vitest';
import { aimdAdvance, aimdStep, clampLimit, DEFAULT_AIMD_PARAMS, grantableSlots, INITIAL_AIMD_STATE, windowClosed, type AimdState, type AimdWindow } from '@/lib/llm/aimd';

/** Iterates steps of a fixed window; `window(limit)` says what that limit would see. */
function settle(cap: number, window: (limit: number) => { successes: number; rateLimited: number }, steps = 50): number {
  let limit: number | null = null;
  for (let i = 0; i < steps; i += 1) limit = aimdStep(limit, cap, window(clampLimit(limit, cap)));
  return clampLimit(limit, cap);
}

/** Iterates aimdAdvance; returns the limit each window ran at and the last state. */
function advance(cap: number, window: (limit: number) => AimdWindow, steps = 200): { limits: number[]; state: AimdState } {
  let state = INITIAL_AIMD_STATE;
  const limits: number[] = [];
  for (let i = 0; i < steps; i += 1) {
    const limit = clampLimit(state.limit, cap);
    limits.push(limit);
    state = aimdAdvance(state, cap, window(limit));
  }
  return { limits, state };
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * An endpoint serving `served` calls at once (Infinity: no load limit) that also refuses `noise` of
 * what it serves at random; `callsPerSlot` calls per slot and window (20 = 100 ms latency, 2 s windows).
 */
function endpoint(served: number, noise: number, callsPerSlot: number): (limit: number) => AimdWindow {
  return (limit) => {
    const inLimit = Math.min(limit, served) * callsPerSlot;
    return { successes: (1 - noise) * inLimit, rateLimited: Math.max(0, limit - served) * callsPerSlot + noise * inLimit };
  };
}

/** The same endpoint with every call drawn at random (seeded), so windows carry sampling noise. */
function sampledEndpoint(served: number, noise: number, callsPerSlot: number, seed: number): (limit: number) => AimdWindow {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return (limit) => {
    const overLimit = Math.max(0, 1 - served / limit);
    let successes = 0;
    let rateLimited = 0;
    for (let i = 0; i < Math.round(limit * callsPerSlot); i += 1) {
      if (random() < overLimit || random() < noise) rateLimited += 1;
      else successes += 1;
    }
    return { successes, rateLimited };
  };
}

describe('AIMD arithmetic', () => {
  it('starts at the cap and stays within [1, cap]', () => {
    expect(clampLimit(null, 16)).toBe(16);
    expect(clampLimit(Number.NaN, 16)).toBe(16);
    expect(clampLimit(40, 16)).toBe(16);
    expect(clampLimit(0.2, 16)).toBe(1);
    expect(clampLimit(3, 0)).toBe(1);
    expect(grantableSlots(7.9, 16)).toBe(7);
    expect(grantableSlots(0.5, 16)).toBe(1);
    expect(grantableSlots(null, 12)).toBe(12);
  });

  it('increases by one per limit-worth of successes, never above the cap', () => {
    expect(aimdStep(10, 64, { successes: 0, rateLimited: 0 })).toBe(10);
    // √(10² + 2·21) = √142 ≈ 11.92: about +1 for each 10 successes at a limit of 10.
    expect(aimdStep(10, 64, { successes: 21, rateLimited: 0 })).toBeCloseTo(Math.sqrt(142), 10);
    expect(aimdStep(60, 64, { successes: 10_000, rateLimited: 0 })).toBe(64);
  });

  it('cuts by the share of refused calls, at most by half, never below 1', () => {
    expect(aimdStep(20, 20, { successes: 0, rateLimited: 1 })).toBe(10);
    // The window's increase (√(20² + 2·15)) is weighed against its 25 % refused before the cap.
    expect(aimdStep(20, 20, { successes: 15, rateLimited: 5 })).toBeCloseTo(Math.sqrt(20 * 20 + 30) * 0.75, 10);
    expect(aimdStep(1.5, 20, { successes: 0, rateLimited: 50 })).toBe(1);
  });

  it('settles just above a real limit of 16 at 1 s latency (2 s windows)', () => {
    const limit = settle(64, (c) => ({ successes: 16 * 2, rateLimited: c > 16 ? (c - 16) * 2 : 0 }));
    expect(limit).toBeGreaterThan(16);
    expect(limit).toBeLessThan(19);
  });

  it('keeps most of the cap when 15 % of calls are refused at random (the issue-16 mix at 100 ms)', () => {
    // Per 2 s window at 100 ms latency a limit c completes 20·c calls: 70 % succeed, 15 % are 429s.
    const limit = settle(64, (c) => ({ successes: 14 * c, rateLimited: 3 * c }));
    expect(limit).toBeGreaterThan(57);
    expect(limit).toBeLessThan(61);
  });

  it('stays at the cap when the gain there covers refusals at random', () => {
    // 5 % refused at 100 ms: the cap earns √(64² + 2·18·64) − 64 ≈ 15 slots a window, and loses 3.3.
    expect(settle(64, (c) => ({ successes: 18 * c, rateLimited: 1 * c }))).toBe(64);
  });

  it('still settles just above a real limit of 40 under a cap of 64 (100 ms latency)', () => {
    // Over a real limit L every call above it is refused: the refused share brings it back near L.
    const limit = settle(64, (c) => ({ successes: 40 * 20, rateLimited: c > 40 ? (c - 40) * 20 : 0 }));
    expect(limit).toBeGreaterThan(40);
    expect(limit).toBeLessThan(52);
  });

  it('recovers to the cap once the 429s stop', () => {
    let limit = aimdStep(null, 16, { successes: 10, rateLimited: 10 });
    expect(limit).toBeLessThan(16);
    for (let i = 0; i < 5; i += 1) limit = aimdStep(limit, 16, { successes: 40, rateLimited: 0 });
    expect(limit).toBe(16);
  });

  it('closes a window after windowMs', () => {
    expect(windowClosed(1_000, 1_000 + DEFAULT_AIMD_PARAMS.windowMs - 1)).toBe(false);
    expect(windowClosed(1_000, 1_000 + DEFAULT_AIMD_PARAMS.windowMs)).toBe(true);
  });
});

describe('AIMD memory across windows (aimdAdvance)', () => {
  it('settles where the memoryless step does over real limits: the share follows every cut', () => {
    const slow = advance(64, (c) => ({ successes: 16 * 2, rateLimited: c > 16 ? (c - 16) * 2 : 0 }));
    expect(mean(slow.limits.slice(20))).toBeGreaterThan(16);
    expect(mean(slow.limits.slice(20))).toBeLessThan(19);
    const fast = advance(64, endpoint(40, 0, 20));
    expect(Math.min(...fast.limits.slice(20))).toBeGreaterThan(40);
    expect(Math.max(...fast.limits.slice(20))).toBeLessThan(52);
    expect(fast.state.noiseShare).toBeLessThan(0.01);
  });

  it('keeps the issue-16 mix near the cap, also when calls take 4× the latency', () => {
    // Busy at 100 ms: 70 % answered, 15 % 429 per call, as in the aimdStep test above.
    const busy = advance(64, (c) => ({ successes: 14 * c, rateLimited: 3 * c }));
    expect(mean(busy.limits.slice(5))).toBeGreaterThanOrEqual(0.9 * 64);
    // A quarter of the successes per window: aimdStep alone slides to about 15.
    const loaded = (c: number) => ({ successes: 3.5 * c, rateLimited: 0.75 * c });
    let memoryless: number | null = null;
    for (let i = 0; i < 200; i += 1) memoryless = aimdStep(memoryless, 64, loaded(clampLimit(memoryless, 64)));
    expect(memoryless).toBeLessThan(20);
    const remembered = advance(64, loaded);
    expect(mean(remembered.limits.slice(5))).toBeGreaterThanOrEqual(0.9 * 64);
    expect(Math.min(...remembered.limits.slice(5))).toBeGreaterThan(50);
    expect(remembered.state.noiseShare).toBeGreaterThan(0.05);
  });

  it('keeps 15 % random 429s near the cap with sampled windows', () => {
    for (const seed of [1, 2, 3]) {
      for (const callsPerSlot of [20, 5]) {
        const { limits } = advance(64, sampledEndpoint(Number.POSITIVE_INFINITY, 0.15, callsPerSlot, seed));
        expect(mean(limits.slice(5))).toBeGreaterThanOrEqual(0.9 * 64);
      }
    }
  });

  it('settles near a real limit of 40 under 10 % random refusals', () => {
    for (const callsPerSlot of [20, 5]) {
      const { limits } = advance(64, endpoint(40, 0.1, callsPerSlot));
      expect(mean(limits.slice(20))).toBeGreaterThan(36);
      expect(mean(limits.slice(20))).toBeLessThan(50);
      expect(Math.max(...limits.slice(20))).toBeLessThan(52);
    }
    for (const seed of [1, 2, 3]) {
      const { limits } = advance(64, sampledEndpoint(40, 0.1, 20, seed));
      expect(mean(limits.slice(20))).toBeGreaterThan(36);
      expect(mean(limits.slice(20))).toBeLessThan(52);
    }
  });

  it('forgets random refusals: an endpoint that later has a real limit is respected', () => {
    let state = INITIAL_AIMD_STATE;
    const noisy = endpoint(Number.POSITIVE_INFINITY, 0.15, 5);
    for (let i = 0; i < 100; i += 1) state = aimdAdvance(state, 64, noisy(clampLimit(state.limit, 64)));
    expect(state.noiseShare).toBeGreaterThan(0.05);
    const limited = endpoint(20, 0, 5);
    const limits: number[] = [];
    for (let i = 0; i < 100; i += 1) {
      limits.push(clampLimit(state.limit, 64));
      state = aimdAdvance(state, 64, limited(limits[i]));
    }
    expect(mean(limits.slice(50))).toBeLessThan(26);
    expect(state.noiseShare).toBeLessThan(0.02);
  });

  it('keeps the state as plain numbers through windows without reports and odd inputs', () => {
    const empty = { successes: 0, rateLimited: 0 };
    expect(aimdAdvance(INITIAL_AIMD_STATE, 16, empty)).toEqual({ limit: 16, noiseShare: 0, cutShare: null, cutFrom: null });
    const cut = aimdAdvance(INITIAL_AIMD_STATE, 16, { successes: 30, rateLimited: 30 });
    expect(cut.cutShare).toBe(0.5);
    expect(cut.cutFrom).toBe(16);
    expect(aimdAdvance(cut, 16, empty)).toEqual(cut);
    const odd = aimdAdvance({ limit: Number.NaN, noiseShare: Number.POSITIVE_INFINITY, cutShare: 0.3, cutFrom: Number.NaN }, 16, { successes: 0, rateLimited: 0 });
    expect(odd).toEqual({ limit: 16, noiseShare: 0, cutShare: null, cutFrom: null });
    let state = INITIAL_AIMD_STATE;
    for (let i = 0; i < 50; i += 1) state = aimdAdvance(state, 8, i % 3 === 0 ? empty : { successes: i % 2, rateLimited: (i + 1) % 2 });
    for (const value of Object.values(state)) if (value !== null) expect(Number.isFinite(value)).toBe(true);
  });
});
