/*
 * When to try a model call again. Transient failures (429, 5xx, dropped connections, timeouts,
 * replies cut short) are retried until the endpoint's retry budget — a time, `retryBudgetMs` —
 * is spent, not for a fixed small number of attempts: a burst of faults that outlasts four quick
 * attempts no longer fails an item, and a dead endpoint still fails it after a bounded time.
 * Non-retryable errors (400, 401, 404, …) fail at once; cancellation stops the wait at once.
 */

export type RetryPolicy = {
  /** First backoff ceiling; doubles per attempt (full jitter draws uniformly below it). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer wait than this is waited for this long only. */
  retryAfterCapMs: number;
};

/*
 * Short backoffs on purpose: a waiting item holds its chunk job and, at the end, the whole run.
 * Under the issue-16 fault mix (30 % of calls fail) a run of 5,000 items has stages that fail
 * eight or nine times in a row; with backoffs up to 20 s its slowest item took ~37 s (median of a
 * Monte Carlo of the mix), and bench:pipeline's fault phase sat with 0–1 calls in flight for its
 * last 20 s. With 250 ms doubling up to 2 s it is ~12 s, most of it the 429s' own Retry-After. A
 * server that asks for longer says so with Retry-After, which is honoured as asked.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 250, maxDelayMs: 2_000, retryAfterCapMs: 60_000 };

/** Time source and wait, injectable so tests replay the policy without real time passing. */
export type Clock = {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const systemClock: Clock = { now: () => performance.now(), sleep };

/**
 * Wait before the next attempt: what the server asked for (capped, plus up to 10 % jitter so
 * that many callers told the same delay do not return together), else exponential backoff
 * with full jitter.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number): number {
  if (retryAfterMs !== undefined) {
    const wait = Math.min(retryAfterMs, policy.retryAfterCapMs);
    return wait + random() * wait * 0.1;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return random() * ceiling;
}

/** A usable budget: a finite number ≥ 0; anything else means no retries rather than endless ones. */
export function retryBudgetOf(budgetMs: number): number {
  return Number.isFinite(budgetMs) ? Math.max(0, budgetMs) : 0;
}

export type RetryInput = {
  /** Attempts made so far (≥ 1). */
  attempt: number;
  retryable: boolean;
  retryAfterMs?: number;
  /** Time since the first attempt started. */
  elapsedMs: number;
  budgetMs: number;
};

/**
 * The wait before the next attempt, or null to give up. The budget bounds when the last attempt
 * may start: a backoff is shortened to what is left of it; a server's Retry-After that ends past
 * the budget means giving up now rather than calling before the server is ready.
 */
export function nextRetryDelayMs(input: RetryInput, policy: RetryPolicy, random: () => number): number | null {
  if (!input.retryable) return null;
  const left = retryBudgetOf(input.budgetMs) - input.elapsedMs;
  if (left <= 0) return null;
  if (input.retryAfterMs !== undefined && Math.min(input.retryAfterMs, policy.retryAfterCapMs) > left) return null;
  return Math.min(retryDelayMs(input.attempt, input.retryAfterMs, policy, random), left);
}
