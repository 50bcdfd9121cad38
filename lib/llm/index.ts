export type * from '@/lib/llm/types';
export { endpointInputSchema, generationParamsSchema, endpointLimitsSchema, LLM_ERROR_KINDS } from '@/lib/llm/types';
export type * from '@/lib/llm/ports';
export { callLlm, type LlmDeps } from '@/lib/llm/call';
export { retryDelayMs, nextRetryDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy, type Clock } from '@/lib/llm/retry';
export { callLlmJson, parseJsonReply, type JsonCallOutcome } from '@/lib/llm/json';
export { cacheKeyFor, canonicalJson, effectiveParams } from '@/lib/llm/cache-key';
export { computeCostUsd, sumCostsUsd } from '@/lib/llm/cost';
export { LlmError, classifyError, describeConnectionError, parseRetryAfterMs } from '@/lib/llm/errors';
export { maskApiKey, scrubSecrets, resolveApiKey, MissingApiKeyError } from '@/lib/llm/secrets';
export {
  createInMemoryCache,
  createInMemoryRecorder,
  createInMemoryRateLimiter,
  discardingRecorder,
  unlimitedRateLimiter,
} from '@/lib/llm/memory';
export { testEndpoint, type EndpointTestOutcome } from '@/lib/llm/test-endpoint';
export { openAiClientFor } from '@/lib/llm/client';
