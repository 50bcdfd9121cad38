import type {
  AcquireRequest,
  CachedResponse,
  CallRecorder,
  LlmCache,
  LlmCallRecord,
  RateLimiter,
  Release,
} from '@/lib/llm/ports';
import { aimdAdvance, DEFAULT_AIMD_PARAMS, grantableSlots, INITIAL_AIMD_STATE, windowClosed, type AimdOutcome, type AimdParams, type AimdState } from '@/lib/llm/aimd';
import { abortReason, enqueueWaiter, saneLimits, type Waiter } from '@/lib/llm/limiter-helpers';
import type { EndpointLimits } from '@/lib/llm/types';

export type InMemoryCache = LlmCache & { readonly size: number; clear(): void };

/** Map-backed cache; evicts the oldest entry beyond `maxEntries` so a long run cannot exhaust memory. */
export function createInMemoryCache(maxEntries = 10_000): InMemoryCache {
  const entries = new Map<string, CachedResponse>();
  return {
    async get(key) {
      return entries.get(key) ?? null;
    },
    async put(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}

export type InMemoryRecorder = CallRecorder & { readonly calls: LlmCallRecord[] };

export function createInMemoryRecorder(): InMemoryRecorder {
  const calls: LlmCallRecord[] = [];
  return {
    calls,
    async record(call) {
      calls.push(call);
    },
  };
}

/** For callers that do not keep a call log (e.g. the Settings "Test" button). */
export const discardingRecorder: CallRecorder = { record: async () => {} };

/** Grants everything immediately; for tests and one-off calls. */
export const unlimitedRateLimiter: RateLimiter = { acquire: async () => () => {} };

type TokenBucket = { capacity: number; tokens: number; updatedAt: number };


type EndpointState = {
  limits: EndpointLimits;
  active: number;
  queue: Waiter[];
  requests: TokenBucket | null;
  tokens: TokenBucket | null;
  timer: ReturnType<typeof setTimeout> | null;
  /** Adaptive concurrency (lib/llm/aimd.ts): its limit null = the configured concurrency. */
  aimd: AimdState;
  window: { startedAt: number; successes: number; rateLimited: number };
};

const MINUTE_MS = 60_000;

function resizeBucket(bucket: TokenBucket | null, perMinute: number | null, now: number): TokenBucket | null {
  if (perMinute === null) return null;
  if (!bucket) return { capacity: perMinute, tokens: perMinute, updatedAt: now };
  bucket.capacity = perMinute;
  bucket.tokens = Math.min(bucket.tokens, perMinute);
  return bucket;
}

function refill(bucket: TokenBucket, now: number): void {
  const elapsed = now - bucket.updatedAt;
  if (elapsed > 0) {
    bucket.tokens = Math.min(bucket.capacity, bucket.tokens + (elapsed * bucket.capacity) / MINUTE_MS);
    bucket.updatedAt = now;
  }
}

function msUntilAvailable(bucket: TokenBucket | null, amount: number): number {
  if (!bucket || bucket.tokens >= amount) return 0;
  return ((amount - bucket.tokens) * MINUTE_MS) / bucket.capacity;
}

export type InMemoryRateLimiter = RateLimiter & {
  /** Calls currently holding a slot for the endpoint. */
  active(endpointId: string): number;
  /** Calls waiting for a slot for the endpoint. */
  waiting(endpointId: string): number;
  /** Slots the endpoint may use now: its concurrency, lowered while it answers 429. */
  concurrencyLimit(endpointId: string): number | null;
};

/**
 * Concurrency slots plus requests-per-minute and tokens-per-minute token buckets, FIFO per
 * endpoint, for one process. Buckets start full, so a fresh endpoint may burst up to one minute of quota.
 * The concurrency adapts to 429s (AIMD, lib/llm/aimd.ts) between 1 and the configured value.
 */
export function createInMemoryRateLimiter(options: { now?: () => number; aimd?: Partial<AimdParams> } = {}): InMemoryRateLimiter {
  const now = options.now ?? Date.now;
  const aimdParams: AimdParams = { ...DEFAULT_AIMD_PARAMS, ...options.aimd };
  const states = new Map<string, EndpointState>();

  function stateFor(endpointId: string, requested: EndpointLimits): EndpointState {
    const limits = saneLimits(requested);
    const time = now();
    let state = states.get(endpointId);
    if (!state) {
      state = { limits, active: 0, queue: [], requests: null, tokens: null, timer: null, aimd: INITIAL_AIMD_STATE, window: { startedAt: time, successes: 0, rateLimited: 0 } };
      states.set(endpointId, state);
    }
    state.limits = limits;
    state.requests = resizeBucket(state.requests, limits.rpm, time);
    state.tokens = resizeBucket(state.tokens, limits.tpm, time);
    return state;
  }

  function report(state: EndpointState, outcome: AimdOutcome): void {
    const time = now();
    const { window } = state;
    if (window.successes + window.rateLimited === 0) window.startedAt = time;
    if (outcome === 'success') window.successes += 1;
    else window.rateLimited += 1;
    if (!windowClosed(window.startedAt, time, aimdParams)) return;
    state.aimd = aimdAdvance(state.aimd, state.limits.concurrency, window, aimdParams);
    state.window = { startedAt: time, successes: 0, rateLimited: 0 };
  }

  function releaseFor(state: EndpointState, charged: number): Release {
    let released = false;
    return (outcome) => {
      if (released) return;
      released = true;
      state.active -= 1;
      if (outcome?.outcome) report(state, outcome.outcome);
      if (state.tokens && outcome?.tokensUsed !== undefined) {
        refill(state.tokens, now());
        state.tokens.tokens = Math.min(state.tokens.capacity, state.tokens.tokens + charged - outcome.tokensUsed);
      }
      grantWaiting(state);
    };
  }

  function grantWaiting(state: EndpointState): void {
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    while (state.queue.length > 0) {
      if (state.active >= grantableSlots(state.aimd.limit, state.limits.concurrency)) return;
      const waiter = state.queue[0];
      const time = now();
      if (state.requests) refill(state.requests, time);
      if (state.tokens) refill(state.tokens, time);
      // A call larger than a whole minute of quota could never start otherwise.
      const charge = state.tokens ? Math.min(waiter.tokens, state.tokens.capacity) : waiter.tokens;
      const waitMs = Math.max(msUntilAvailable(state.requests, 1), msUntilAvailable(state.tokens, charge));
      if (waitMs > 0) {
        state.timer = setTimeout(() => grantWaiting(state), Math.ceil(waitMs));
        return;
      }
      state.queue.shift();
      if (state.requests) state.requests.tokens -= 1;
      if (state.tokens) state.tokens.tokens -= charge;
      state.active += 1;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(releaseFor(state, charge));
    }
  }

  return {
    acquire(endpointId: string, request: AcquireRequest): Promise<Release> {
      return new Promise<Release>((resolve, reject) => {
        if (request.signal?.aborted) {
          reject(abortReason(request.signal));
          return;
        }
        const state = stateFor(endpointId, request.limits);
        enqueueWaiter(state.queue, request, resolve, reject, () => grantWaiting(state));
        grantWaiting(state);
      });
    },
    active: (endpointId) => states.get(endpointId)?.active ?? 0,
    waiting: (endpointId) => states.get(endpointId)?.queue.length ?? 0,
    concurrencyLimit: (endpointId) => {
      const state = states.get(endpointId);
      return state ? grantableSlots(state.aimd.limit, state.limits.concurrency) : null;
    },
  };
}



