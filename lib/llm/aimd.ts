/*
 * Adaptive concurrency per endpoint (AIMD), the one arithmetic behind both limiters
 * (memory.ts for one process, postgres/limiter.ts for all processes through the endpoint's row).
 *
 * Invariant: 1 ≤ limit ≤ cap, where cap is the endpoint's configured concurrency; the limiter
 * grants at most floor(limit) slots.
 *
 * Calls report how they ended: a success, a 429, or nothing (other failures say nothing about
 * the endpoint's capacity). Reports are counted in a window (shared by every process in the
 * Postgres case); when the window closes, one step is taken:
 *   - additive increase: +1 per `limit` successes (one "window's worth"), i.e. the continuous
 *     solution limit' = √(limit² + 2·successes), capped;
 *   - multiplicative decrease when any call was refused: limit' × (1 − share of 429s), at most
 *     halving per step. Over a real limit L the refused share is (limit − L) / limit, so a step
 *     cuts back to about L: the run settles at the endpoint's limit instead of hammering it.
 *
 * The window length is the trade-off. Per step the limit gains about window / latency slots
 * (× the success share) and loses the refused share. Against a real limit it settles that gain
 * above L; against 429s that have nothing to do with load (a flaky endpoint refusing a fixed
 * share p) it settles where gain = p × limit. With 2 s: a 1 s-latency endpoint limited to 16
 * settles near 17.6; a 100 ms-latency endpoint refusing 15 % at random (the issue-16 fault mix)
 * settles near 53 of a cap of 64 while the run keeps it busy, where a 1 s window would settle
 * near 30 (numbers from iterating aimdStep, tests/unit/llm/aimd.test.ts). The gain comes from
 * successes, so a run that uses the endpoint less settles lower: bench:pipeline's fault phase,
 * at ≈ 130–160 calls/s, ended near 25–30 of 64 — not binding on average (15–17 calls in flight)
 * but clipping bursts. Random refusals cannot be told from load-related ones by one window.
 */

export type AimdParams = {
  /** How long reports are collected before a step (ms). */
  windowMs: number;
  /** A step never cuts more than this share of the limit. */
  maxDecrease: number;
};

export const DEFAULT_AIMD_PARAMS: AimdParams = { windowMs: 2_000, maxDecrease: 0.5 };

export type AimdWindow = { successes: number; rateLimited: number };

export type AimdOutcome = 'success' | 'rateLimited';

/** A limit the limiter can use: a finite number within [1, cap]; a missing one starts at the cap. */
export function clampLimit(limit: number | null | undefined, cap: number): number {
  const top = Math.max(1, cap);
  if (limit === null || limit === undefined || !Number.isFinite(limit)) return top;
  return Math.min(top, Math.max(1, limit));
}

/** Slots the limiter may grant for this limit. */
export function grantableSlots(limit: number | null | undefined, cap: number): number {
  return Math.max(1, Math.floor(clampLimit(limit, cap)));
}

/** The limit after one closed window of reports (see the module comment). */
export function aimdStep(limit: number | null | undefined, cap: number, window: AimdWindow, params: AimdParams = DEFAULT_AIMD_PARAMS): number {
  let next = clampLimit(limit, cap);
  const successes = Math.max(0, window.successes);
  const refused = Math.max(0, window.rateLimited);
  if (successes > 0) next = clampLimit(Math.sqrt(next * next + 2 * successes), cap);
  if (refused > 0) {
    const share = Math.min(params.maxDecrease, refused / (successes + refused));
    next = clampLimit(next * (1 - share), cap);
  }
  return next;
}

/** True when a window opened at `startedAt` is due for a step at `now`. */
export function windowClosed(startedAt: number, now: number, params: AimdParams = DEFAULT_AIMD_PARAMS): boolean {
  return now - startedAt >= params.windowMs;
}
