import { describe, expect, it } from 'vitest';
import { endpointInputSchema } from '@/lib/llm/types';

function messagesOf(input: unknown): string[] {
  const parsed = endpointInputSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('endpointInputSchema', () => {
  it('fills defaults and normalises the base URL', () => {
    const parsed = endpointInputSchema.parse({ name: ' Local vLLM ', baseUrl: 'http://localhost:8000/v1/', model: 'llama' });
    expect(parsed).toEqual({
      name: 'Local vLLM',
      baseUrl: 'http://localhost:8000/v1',
      model: 'llama',
      mode: 'chat',
      defaultParams: {},
      limits: { concurrency: 4, rpm: null, tpm: null },
      priceInputPerMTok: 0,
      priceOutputPerMTok: 0,
      timeoutMs: 60_000,
      retryBudgetMs: 180_000,
      supportsJsonMode: false,
    });
  });

  it('explains what is wrong, field by field', () => {
    expect(messagesOf({ name: '', baseUrl: 'ftp://host/v1', model: 'm' })).toEqual([
      'name: Name is required',
      'baseUrl: Base URL must start with http:// or https:// (got ftp://)',
    ]);
    expect(messagesOf({ name: 'x', baseUrl: 'not a url', model: 'm' })).toEqual(['baseUrl: Base URL "not a url" is not a valid URL, e.g. http://localhost:8000/v1']);
    expect(messagesOf({ name: 'x', baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'MY KEY' })).toEqual([
      'apiKeyEnv: API key variable must be an upper-case name ending in _API_KEY, _KEY or _TOKEN, such as OPENAI_API_KEY (got "MY KEY")',
    ]);
    expect(messagesOf({ name: 'x', baseUrl: 'http://h/v1', model: 'm', apiKeyEnv: 'OPENAI_API_KEY', apiKey: 'sk-1' })).toEqual([
      'apiKey: Give either an API key variable or an API key value, not both',
    ]);
    expect(
      messagesOf({ name: 'x', baseUrl: 'http://h/v1', model: 'm', defaultParams: { temperature: 3, maxTokens: 1.5 }, limits: { concurrency: 0 }, timeoutMs: 10 }),
    ).toEqual([
      'defaultParams.temperature: Temperature must be ≤ 2',
      'defaultParams.maxTokens: Max tokens must be a whole number',
      'limits.concurrency: Concurrency must be ≥ 1',
      'timeoutMs: Timeout must be at least 1000 ms',
    ]);
  });

  it('takes a retry budget in whole milliseconds, 0 for no retries', () => {
    const base = { name: 'x', baseUrl: 'http://h/v1', model: 'm' };
    expect(endpointInputSchema.parse({ ...base, retryBudgetMs: 0 }).retryBudgetMs).toBe(0);
    expect(messagesOf({ ...base, retryBudgetMs: -1 })).toEqual(['retryBudgetMs: Retry budget must be ≥ 0 (0 = never retry)']);
    expect(messagesOf({ ...base, retryBudgetMs: 1.5 })).toEqual(['retryBudgetMs: Retry budget must be whole milliseconds']);
    expect(messagesOf({ ...base, retryBudgetMs: 7_200_000 })).toEqual(['retryBudgetMs: Retry budget must be at most 1 hour']);
  });
});
