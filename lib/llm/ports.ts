import type { AimdOutcome } from '@/lib/llm/aimd';
import type { EndpointLimits, FinishReason, LlmErrorKind } from '@/lib/llm/types';

/** What the cache keeps of a successful response: enough to rebuild an LlmResult without the network. */
export type CachedResponse = {
  text: string;
  finishReason: FinishReason;
  tokensIn: number;
  tokensOut: number;
  tokensEstimated: boolean;
  /** ISO time the response was first produced. */
  createdAt: string;
};

export interface LlmCache {
  get(key: string): Promise<CachedResponse | null>;
  /** `endpointId` lets a store keep entries per endpoint (e.g. to clear one endpoint's answers). */
  put(key: string, value: CachedResponse, meta?: { endpointId: string }): Promise<void>;
}

/**
 * Returns a granted slot. Pass the tokens the call really used so that a token bucket can
 * correct its estimate, and whether the endpoint answered or refused with a 429 (the endpoint's
 * adaptive concurrency, lib/llm/aimd.ts); other failures pass nothing. Calling it more than once
 * has no further effect.
 */
export type Release = (outcome?: { tokensUsed?: number; outcome?: AimdOutcome }) => void;

export type AcquireRequest = {
  /** Estimated tokens of the call (input + max output), charged to the tokens-per-minute bucket. */
  tokens: number;
  /** Current limits of the endpoint, so edits take effect without restarting. */
  limits: EndpointLimits;
  signal?: AbortSignal;
};

export interface RateLimiter {
  acquire(endpointId: string, request: AcquireRequest): Promise<Release>;
}

/** One row of the call log. Never holds the API key or the prompt text. */
export type LlmCallRecord = {
  endpointId: string;
  endpointName: string;
  model: string;
  baseUrl: string;
  runId: string | null;
  purpose: string | null;
  cacheKey: string;
  cacheHit: boolean;
  ok: boolean;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number;
  attempts: number;
  finishReason: FinishReason | null;
  errorKind: LlmErrorKind | null;
  errorMessage: string | null;
  httpStatus: number | null;
  simulated: boolean;
  startedAt: Date;
};

export interface CallRecorder {
  record(call: LlmCallRecord): Promise<void>;
}
