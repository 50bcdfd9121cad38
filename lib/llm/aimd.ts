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
 * limit.
 *
 * Memory across windows — did the share fall after a cut? (aimdAdvance; the state is four plain
 * numbers, kept per endpoint in memory.ts and in the RateLimitBucket row.) Over a load limit the
 * successes stay put whatever the limit (every call above what the endpoint serves is refused), so
 * 1 − share scales with 1 / limit. After the limit fell by a fraction d from `cutFrom`, where
 * `cutShare` was refused, load alone predicts the share
 *     loadShare = max(0, 1 − (1 − cutShare) / (1 − d)),
 * while refusals that ignore load stay at cutShare. When a cut has taken the limit at least 10 %
 * below cutFrom (smaller cuts move the share by less than a window's sampling noise) and the window
 * has ≥ 50 reports, it is judged:
 *   - the share fell by less than half of cutShare − loadShare: the cut did not help. The observed
 *     share is noise, noiseShare = max(noiseShare, min(share, cutShare)), and the cut is given back
 *     (the limit returns to cutFrom, capped);
 *   - otherwise the refusals answered the cut, and only what stayed above loadShare is noise
 *     (the random share of an endpoint that also has a load limit shows once a cut goes below that
 *     limit): noiseShare = max(noiseShare / 2, min(share, cutShare) − loadShare).
 * A cut is remembered from the first step that lowered the limit until it is judged or the limit
 * climbs back to cutFrom, so a slide of small cuts is judged once it adds up to 10 % (one-window
 * memory never saw it). Steps cut by the excess share max(0, share − noiseShare), still at most
 * maxDecrease. noiseShare decays by 3 % a window (half-life ≈ 23 windows, 45 s): an endpoint that
 * later refuses because of load is respected again, since the excess share grows, a cut that helps
 * halves the estimate, and one that does not merely relearns it (a lowered limit for a window or
 * two every ~45 s). Windows without reports change nothing.
 *
 * Iterating aimdAdvance (tests/unit/llm/aimd.test.ts, deterministic and with sampled windows): real
 * limits settle where aimdStep alone settles (17.6 for 16 at 1 s, 50.9 for 40 at 100 ms: over a
 * load limit the share follows the prediction, so noiseShare stays 0); the issue-16 mix stays at 59
 * of 64 when busy and, with calls taking 4× the server's latency (where aimdStep alone slides to
 * ≈ 15), averages ≈ 63 of 64 (noiseShare 0.1–0.17); 10 % random refusals plus a load limit of 40
 * under a cap of 64 settle at 46.5 at 100 ms and ≈ 40 at 4× latency. Judging at a 5 % drop instead
 * of 10 %, sampling noise sometimes read a load limit's cut as unhelpful (the limit jumped to 61
 * above a limit of 40); with that and a 1 %-a-window decay, such a mistaken estimate (0.24) lasted
 * long enough to hold 58 above that limit. bench:pipeline's fault phase (BENCH_FAULTS_ONLY=1,
 * BENCH_TEXTS=2000, load 2–4.8 on 2 cores, four runs each, alternating): the limit at the end was
 * 38–53 of 64 before and 64, 64, 64, 52 after; fault_throughput_ratio 0.38–0.53 before and
 * 0.47–0.55 after. The phase lasts only 11–14 windows and the worker keeps ≈ 44 calls in flight
 * at a limit of 64, so the limit is not all that holds throughput back there.
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
 * The limit after one closed window of reports (see the module comment), cutting by the refused
 * share above `noiseShare`. The window's increase and its decrease are weighed together and only
 * then capped: capping first threw away the increase a busy endpoint had earned at the cap, so every
 * random 429 cut the limit below the cap.
 */
export function aimdStep(
  limit: number | null | undefined,
  cap: number,
  window: AimdWindow,
  params: AimdParams = DEFAULT_AIMD_PARAMS,
  noiseShare = 0,
): number {
  const current = clampLimit(limit, cap);
  const successes = Math.max(0, window.successes);
  const refused = Math.max(0, window.rateLimited);
  let next = successes > 0 ? Math.sqrt(current * current + 2 * successes) : current;
  if (refused > 0) next *= 1 - Math.min(params.maxDecrease, Math.max(0, refused / (successes + refused) - noiseShare));
  return clampLimit(next, cap);
}

/**
 * What the step remembers across windows (module comment), nullable like the columns that keep it.
 * `cutShare` and `cutFrom` go together: the refused share and the limit of the window whose step
 * started the cut that is not judged yet.
 */
export type AimdState = {
  limit: number | null;
  noiseShare: number | null;
  cutShare: number | null;
  cutFrom: number | null;
};

export const INITIAL_AIMD_STATE: AimdState = { limit: null, noiseShare: null, cutShare: null, cutFrom: null };

/** A cut is judged once it took the limit this far below cutFrom… */
const JUDGED_DROP = 0.1;
/** …in a window with at least this many reports. */
const JUDGED_REPORTS = 50;
/** A cut helped when the share fell by at least this part of what load alone predicts. */
const HELPED_PART = 0.5;
/** noiseShare is multiplied by this every window with reports. */
const NOISE_DECAY = 0.97;

function shareOrNull(value: number | null | undefined): number | null {
  return value === null || value === undefined || !Number.isFinite(value) ? null : Math.min(1, Math.max(0, value));
}

type PendingCut = { share: number; from: number };

function pendingCut(state: AimdState): PendingCut | null {
  const share = shareOrNull(state.cutShare);
  const from = state.cutFrom;
  return share === null || from === null || !Number.isFinite(from) ? null : { share, from: Math.max(1, from) };
}

function stateOf(limit: number, noiseShare: number, cut: PendingCut | null): AimdState {
  return { limit, noiseShare, cutShare: cut?.share ?? null, cutFrom: cut?.from ?? null };
}

/** The state after one closed window (module comment); every field is a finite number or null. */
export function aimdAdvance(state: AimdState, cap: number, window: AimdWindow, params: AimdParams = DEFAULT_AIMD_PARAMS): AimdState {
  let limit = clampLimit(state.limit, cap);
  let noise = shareOrNull(state.noiseShare) ?? 0;
  let cut = pendingCut(state);
  const successes = Math.max(0, window.successes);
  const refused = Math.max(0, window.rateLimited);
  const reports = successes + refused;
  if (reports === 0) return stateOf(limit, noise, cut);
  const share = refused / reports;
  noise *= NOISE_DECAY;
  if (cut) {
    const drop = 1 - limit / cut.from;
    if (drop <= 0) {
      cut = null;
    } else if (drop >= JUDGED_DROP && reports >= JUDGED_REPORTS) {
      const loadShare = Math.max(0, 1 - (1 - cut.share) / (1 - drop));
      const stayed = Math.min(share, cut.share);
      if (cut.share - share < HELPED_PART * (cut.share - loadShare)) {
        noise = Math.max(noise, stayed);
        limit = clampLimit(cut.from, cap);
      } else {
        noise = Math.max(noise / 2, stayed - loadShare);
      }
      cut = null;
    }
  }
  const next = aimdStep(limit, cap, { successes, rateLimited: refused }, params, noise);
  if (!cut && next < limit) cut = { share, from: limit };
  return stateOf(next, noise, cut);
}

/** True when a window opened at `startedAt` is due for a step at `now`. */
export function windowClosed(startedAt: number, now: number, params: AimdParams = DEFAULT_AIMD_PARAMS): boolean {
  return now - startedAt >= params.windowMs;
}
