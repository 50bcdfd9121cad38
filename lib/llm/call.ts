import type OpenAI from 'openai';
import { cacheKeyFor, effectiveParams, usesJsonMode } from '@/lib/llm/cache-key';
import { openAiClientFor } from '@/lib/llm/client';
import { computeCostUsd } from '@/lib/llm/cost';
import { classifyError, LlmError, type ClassifiedError, type ErrorContext } from '@/lib/llm/errors';
import type { CachedResponse, CallRecorder, LlmCache, LlmCallRecord, RateLimiter, Release } from '@/lib/llm/ports';
import { estimateTokens, inputProblemOf, MODE_ADAPTERS, type ProviderReply } from '@/lib/llm/providers';
import { DEFAULT_RETRY_POLICY, nextRetryDelayMs, systemClock, type Clock, type RetryPolicy } from '@/lib/llm/retry';
import { scrubSecrets } from '@/lib/llm/secrets';
import type { LlmRequest, LlmResult } from '@/lib/llm/types';

export type LlmDeps = {
  cache: LlmCache;
  limiter: RateLimiter;
  recorder: CallRecorder;
  clientFor?: (endpoint: LlmRequest['endpoint']) => OpenAI;
  retryPolicy?: Partial<RetryPolicy>;
  /** Uniform [0, 1); injectable to make backoff deterministic in tests. */
  random?: () => number;
  /** Time for the retry budget and the backoff waits; injectable so tests need not wait. */
  clock?: Clock;
  /** Failures of the cache or the call log; they never fail a call that the provider answered. */
  warn?: (message: string) => void;
};

// Charged to the tokens-per-minute bucket when the caller sets no max tokens.
const DEFAULT_OUTPUT_TOKEN_ESTIMATE = 512;

const CANCELLED: ClassifiedError = { kind: 'cancelled', retryable: false, message: 'The call was cancelled.' };
const CUT_SHORT: ClassifiedError = { kind: 'server', retryable: true, message: 'The reply was cut short before its max tokens.' };

function defaultWarn(message: string): void {
  console.warn(`[llm] ${message}`);
}

type CallContext = {
  request: LlmRequest;
  deps: LlmDeps;
  cacheKey: string;
  startedAt: Date;
  startMs: number;
  errorContext: ErrorContext;
  warn: (message: string) => void;
};

type RecordOutcome = Omit<LlmCallRecord, 'endpointId' | 'endpointName' | 'model' | 'baseUrl' | 'runId' | 'purpose' | 'cacheKey' | 'simulated' | 'startedAt'>;

function fullRecord(ctx: CallContext, outcome: RecordOutcome): LlmCallRecord {
  const { endpoint } = ctx.request;
  return {
    endpointId: endpoint.id,
    endpointName: endpoint.name,
    model: endpoint.model,
    baseUrl: endpoint.baseUrl,
    runId: ctx.request.runId ?? null,
    purpose: ctx.request.purpose ?? null,
    cacheKey: ctx.cacheKey,
    simulated: endpoint.simulated,
    startedAt: ctx.startedAt,
    ...outcome,
  };
}

function elapsedMs(ctx: CallContext): number {
  return Math.round((performance.now() - ctx.startMs) * 1000) / 1000;
}

async function recordSafely(ctx: CallContext, outcome: RecordOutcome): Promise<void> {
  try {
    await ctx.deps.recorder.record(fullRecord(ctx, outcome));
  } catch (err) {
    ctx.warn(`could not record the call to endpoint "${ctx.request.endpoint.name}": ${scrubSecrets(String(err), ctx.request.endpoint.apiKey)}`);
  }
}

async function fail(ctx: CallContext, failure: ClassifiedError, attempts: number): Promise<never> {
  await recordSafely(ctx, {
    ok: false,
    latencyMs: elapsedMs(ctx),
    cacheHit: false,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    attempts,
    finishReason: null,
    errorKind: failure.kind,
    errorMessage: failure.message,
    httpStatus: failure.status ?? null,
  });
  throw new LlmError({ kind: failure.kind, message: failure.message, status: failure.status, attempts });
}

async function storeInCache(ctx: CallContext, value: CachedResponse): Promise<void> {
  try {
    await ctx.deps.cache.put(ctx.cacheKey, value, { endpointId: ctx.request.endpoint.id });
  } catch (err) {
    ctx.warn(`could not store the response in the cache: ${scrubSecrets(String(err), ctx.request.endpoint.apiKey)}`);
  }
}

async function cachedResponse(ctx: CallContext): Promise<CachedResponse | null> {
  if (ctx.request.bypassCache) return null;
  try {
    return await ctx.deps.cache.get(ctx.cacheKey);
  } catch (err) {
    ctx.warn(`cache lookup failed, calling the model instead: ${scrubSecrets(String(err), ctx.request.endpoint.apiKey)}`);
    return null;
  }
}

async function resultFromCache(ctx: CallContext, cached: CachedResponse): Promise<LlmResult> {
  const result: LlmResult = {
    text: cached.text,
    finishReason: cached.finishReason,
    tokensIn: cached.tokensIn,
    tokensOut: cached.tokensOut,
    tokensEstimated: cached.tokensEstimated,
    costUsd: 0,
    latencyMs: elapsedMs(ctx),
    attempts: 0,
    cacheHit: true,
    simulated: ctx.request.endpoint.simulated,
  };
  await recordSafely(ctx, {
    ok: true,
    latencyMs: result.latencyMs,
    cacheHit: true,
    tokensIn: cached.tokensIn,
    tokensOut: cached.tokensOut,
    costUsd: 0,
    attempts: 0,
    finishReason: cached.finishReason,
    errorKind: null,
    errorMessage: null,
    httpStatus: null,
  });
  return result;
}

async function acquireSlot(ctx: CallContext, tokens: number, attempts: number): Promise<Release> {
  const { endpoint, signal } = ctx.request;
  try {
    return await ctx.deps.limiter.acquire(endpoint.id, { tokens, limits: endpoint.limits, signal });
  } catch (err) {
    if (signal?.aborted) return fail(ctx, CANCELLED, attempts);
    // The limiter's store failing is an infrastructure problem, not the model's: surface it as is.
    throw err;
  }
}

/**
 * A reply that ends with finish_reason "length" before the max tokens asked for was cut short in
 * transit or by an overloaded server, not by the limit: worth another attempt. A reply that used
 * the whole max tokens is what the caller asked for. Without the server's own token count a
 * chars/4 estimate cannot tell the two apart, so such a reply is taken as it is.
 */
function cutShort(reply: ProviderReply, maxTokens: number | undefined): boolean {
  if (reply.finishReason !== 'length' || maxTokens === undefined || reply.tokensOut === null) return false;
  return reply.tokensOut < maxTokens;
}

/**
 * Sends one attempt after another until success, a non-retryable error, or the endpoint's retry
 * budget is spent (lib/llm/retry.ts). Each attempt tells the limiter whether the endpoint took
 * the call or refused it with a 429, which drives the endpoint's adaptive concurrency.
 */
async function sendWithRetries(ctx: CallContext): Promise<{ reply: ProviderReply; attempts: number }> {
  const { request, deps } = ctx;
  const { endpoint } = request;
  const adapter = MODE_ADAPTERS[endpoint.mode];
  const params = effectiveParams(request);
  const json = usesJsonMode(request);
  const estimatedIn = estimateTokens(adapter.inputText(request));
  const estimatedTotal = estimatedIn + (params.maxTokens ?? DEFAULT_OUTPUT_TOKEN_ESTIMATE);
  const client = (deps.clientFor ?? openAiClientFor)(endpoint);
  const policy = { ...DEFAULT_RETRY_POLICY, ...deps.retryPolicy };
  const random = deps.random ?? Math.random;
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  let lastCutShort: ProviderReply | null = null;

  for (let attempts = 1; ; attempts += 1) {
    const release = await acquireSlot(ctx, estimatedTotal, attempts - 1);
    let failure: ClassifiedError;
    try {
      const reply = await adapter.send(client, request, params, { timeoutMs: endpoint.timeoutMs, signal: request.signal, json });
      release({ tokensUsed: (reply.tokensIn ?? estimatedIn) + (reply.tokensOut ?? estimateTokens(reply.text)), outcome: 'success' });
      if (!cutShort(reply, params.maxTokens)) return { reply, attempts };
      lastCutShort = reply;
      failure = CUT_SHORT;
    } catch (err) {
      failure = classifyError(err, ctx.errorContext);
      release(failure.kind === 'rate_limited' ? { outcome: 'rateLimited' } : undefined);
      lastCutShort = null;
    }
    const delayMs = nextRetryDelayMs(
      { attempt: attempts, retryable: failure.retryable, retryAfterMs: failure.retryAfterMs, elapsedMs: clock.now() - startedAt, budgetMs: endpoint.retryBudgetMs },
      policy,
      random,
    );
    if (delayMs === null) {
      // Out of budget with a reply cut short: the partial reply is still better than nothing.
      if (lastCutShort) return { reply: lastCutShort, attempts };
      return fail(ctx, failure, attempts);
    }
    try {
      // The slot is already released: other calls may use it while this one waits.
      await clock.sleep(delayMs, request.signal);
    } catch {
      return fail(ctx, CANCELLED, attempts);
    }
  }
}

/**
 * The one way the app calls a language model: cache → rate limiter → OpenAI-compatible HTTP call
 * with retries → cache store, recording every call (hit, success or failure) in the call log.
 * Throws LlmError with a user-facing, key-free message when the call fails.
 */
export async function callLlm(request: LlmRequest, deps: LlmDeps): Promise<LlmResult> {
  const { endpoint } = request;
  const ctx: CallContext = {
    request,
    deps,
    cacheKey: cacheKeyFor(request),
    startedAt: new Date(),
    startMs: performance.now(),
    errorContext: { baseUrl: endpoint.baseUrl, model: endpoint.model, timeoutMs: endpoint.timeoutMs, apiKey: endpoint.apiKey },
    warn: deps.warn ?? defaultWarn,
  };

  const problem = inputProblemOf(request);
  if (problem) return fail(ctx, { kind: 'bad_request', retryable: false, message: problem }, 0);
  if (request.signal?.aborted) return fail(ctx, CANCELLED, 0);

  const cached = await cachedResponse(ctx);
  if (cached) return resultFromCache(ctx, cached);

  const { reply, attempts } = await sendWithRetries(ctx);
  const tokensEstimated = reply.tokensIn === null || reply.tokensOut === null;
  const tokensIn = reply.tokensIn ?? estimateTokens(MODE_ADAPTERS[endpoint.mode].inputText(request));
  const tokensOut = reply.tokensOut ?? estimateTokens(reply.text);
  const costUsd = computeCostUsd(tokensIn, tokensOut, endpoint);
  const result: LlmResult = {
    text: reply.text,
    finishReason: reply.finishReason,
    tokensIn,
    tokensOut,
    tokensEstimated,
    costUsd,
    latencyMs: elapsedMs(ctx),
    attempts,
    cacheHit: false,
    simulated: endpoint.simulated,
    raw: reply.raw,
  };

  const stored: CachedResponse = {
    text: reply.text,
    finishReason: reply.finishReason,
    tokensIn,
    tokensOut,
    tokensEstimated,
    createdAt: new Date().toISOString(),
  };
  await Promise.all([
    storeInCache(ctx, stored),
    recordSafely(ctx, {
      ok: true,
      latencyMs: result.latencyMs,
      cacheHit: false,
      tokensIn,
      tokensOut,
      costUsd,
      attempts,
      finishReason: reply.finishReason,
      errorKind: null,
      errorMessage: null,
      httpStatus: 200,
    }),
  ]);
  return result;
}
