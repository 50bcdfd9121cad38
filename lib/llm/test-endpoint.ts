import { callLlm, type LlmDeps } from '@/lib/llm/call';
import { describeConnectionError, LlmError } from '@/lib/llm/errors';
import { discardingRecorder, unlimitedRateLimiter } from '@/lib/llm/memory';
import type { LlmCache } from '@/lib/llm/ports';
import type { EndpointConfig, LlmErrorKind, LlmRequest } from '@/lib/llm/types';

export type EndpointTestOutcome =
  | { ok: true; latencyMs: number; reply: string }
  | { ok: false; kind: LlmErrorKind; message: string };

const noCache: LlmCache = { get: async () => null, put: async () => {} };

const TEST_PROMPT = 'Reply with the single word OK.';

function testRequest(endpoint: EndpointConfig): LlmRequest {
  const input = endpoint.mode === 'chat' ? { messages: [{ role: 'user' as const, content: TEST_PROMPT }] } : { prompt: `${TEST_PROMPT}\n` };
  return {
    // One attempt: the user is waiting, and a retry would hide the real problem.
    endpoint: { ...endpoint, retryBudgetMs: 0 },
    ...input,
    params: { maxTokens: 16, temperature: 0 },
    bypassCache: true,
    purpose: 'endpoint-test',
  };
}

/** One small real call for the Settings "Test" button; failures come back as the user-facing explanation. */
export async function testEndpoint(endpoint: EndpointConfig, deps: Partial<LlmDeps> = {}): Promise<EndpointTestOutcome> {
  try {
    const result = await callLlm(testRequest(endpoint), {
      ...deps,
      cache: noCache,
      limiter: deps.limiter ?? unlimitedRateLimiter,
      recorder: deps.recorder ?? discardingRecorder,
    });
    return { ok: true, latencyMs: result.latencyMs, reply: result.text.trim() };
  } catch (err) {
    if (err instanceof LlmError) return { ok: false, kind: err.kind, message: err.message };
    return { ok: false, ...describeConnectionError(err, { baseUrl: endpoint.baseUrl, model: endpoint.model, timeoutMs: endpoint.timeoutMs, apiKey: endpoint.apiKey }) };
  }
}
