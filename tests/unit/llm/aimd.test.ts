import { describe, expect, it } from 'vitest';
import { aimdStep, clampLimit, DEFAULT_AIMD_PARAMS, grantableSlots, windowClosed } from '@/lib/llm/aimd';

/** Iterates steps of a fixed window; `window(limit)` says what that limit would see. */
function settle(cap: number, window: (limit: number) => { successes: number; rateLimited: number }, steps = 50): number {
  let limit: number | null = null;
  for (let i = 0; i < steps; i += 1) limit = aimdStep(limit, cap, window(clampLimit(limit, cap)));
  return clampLimit(limit, cap);
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
