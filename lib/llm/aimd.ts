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
 * share p) it settles where gain = p × limit, or stays at the cap when the gain there covers the
 * loss (the step caps after weighing both). With 2 s: a 1 s-latency endpoint limited to 16
 * settles near 17.6; a 100 ms-latency endpoint refusing 15 % at random (the issue-16 fault mix:
 * 70 % answered, 15 % 429) settles near 59 of a cap of 64 while the run keeps it busy (near 53
 * when the step capped before cutting; near 30 with a 1 s window) — numbers from iterating
 * aimdStep, tests/unit/llm/aimd.test.ts. The gain comes from successes, so a run that uses the
 * endpoint less settles lower (bench:pipeline's fault phase, when its worker kept only 15–19
 * calls in flight, ended near 25–35 of 64), and so does one whose calls take longer than the
 * server's latency: on a loaded machine (load 5–6.5 on 2 cores) the fault phase, now keeping the
 * limit busy, ended at 33–52. Random refusals cannot be told from load-related ones by one
 * window: any step that tolerates a refused share p at random also settles about p above a real
 * limit. Telling them apart needs memory across windows (did the share fall after a cut?), which
 * the shared limiter row does not keep yet.
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

/**
 * The limit after one closed window of reports (see the module comment). The window's increase and
 * its decrease are weighed together and only then capped: capping first threw away the increase a
 * busy endpoint had earned at the cap, so every random 429 cut the limit below the cap.
 */
export function aimdStep(limit: number | null | undefined, cap: number, window: AimdWindow, params: AimdParams = DEFAULT_AIMD_PARAMS): number {
  const current = clampLimit(limit, cap);
  const successes = Math.max(0, window.successes);
  const refused = Math.max(0, window.rateLimited);
  let next = successes > 0 ? Math.sqrt(current * current + 2 * successes) : current;
  if (refused > 0) next *= 1 - Math.min(params.maxDecrease, refused / (successes + refused));
  return clampLimit(next, cap);
}

/** True when a window opened at `startedAt` is due for a step at `now`. */
export function windowClosed(startedAt: number, now: number, params: AimdParams = DEFAULT_AIMD_PARAMS): boolean {
  return now - startedAt >= params.windowMs;
}
