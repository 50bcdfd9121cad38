import { afterEach, describe, expect, it } from 'vitest';
import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { callLlm } from '@/lib/llm/call';
import { cacheKeyFor } from '@/lib/llm/cache-key';
import { describeConnectionError, LlmError, parseRetryAfterMs } from '@/lib/llm/errors';
import { maskApiKey, MissingApiKeyError, resolveApiKey, scrubSecrets } from '@/lib/llm/secrets';
import { errorReply, startTestServer, testDeps, testEndpointConfig, type TestServer } from './test-server';

const context = { baseUrl: 'https://api.example.com/v1', model: 'gpt-x', timeoutMs: 30_000 };

function apiError(status: number, message: string): APIError {
  return APIError.generate(status, { error: { message } }, undefined, new Headers());
}

describe('describeConnectionError', () => {
  it('explains a DNS failure', () => {
    const err = new APIConnectionError({ cause: Object.assign(new Error('getaddrinfo ENOTFOUND api.example.com'), { code: 'ENOTFOUND' }) });
    expect(describeConnectionError(err, context)).toEqual({
      kind: 'dns',
      message: 'Cannot resolve the host "api.example.com" (DNS lookup failed). Check the base URL.',
    });
  });

  it('explains a refused connection, also when wrapped by fetch in an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const wrapped = new APIConnectionError({ cause: Object.assign(new TypeError('fetch failed'), { cause: new AggregateError([refused]) }) });
    expect(describeConnectionError(wrapped, { ...context, baseUrl: 'http://localhost:11434/v1' })).toEqual({
      kind: 'refused',
      message: 'Connection refused by localhost:11434. Is the server running and listening on that port?',
    });
  });

  it('explains a rejected key (401) and an unknown model (404)', () => {
    expect(describeConnectionError(apiError(401, 'Invalid token'), context)).toEqual({
      kind: 'auth',
      message: 'The server rejected the API key (HTTP 401). Check the key, or the environment variable that holds it. Server said: "Invalid token"',
    });
    expect(describeConnectionError(apiError(404, 'model not found'), context)).toEqual({
      kind: 'not_found',
      message: 'Model "gpt-x" was not found at https://api.example.com/v1 (HTTP 404). Check the model name, and that the base URL ends with /v1. Server said: "model not found"',
    });
  });

  it('explains a timeout', () => {
    expect(describeConnectionError(new APIConnectionTimeoutError(), context)).toEqual({
      kind: 'timeout',
      message: 'No response from https://api.example.com/v1 within 30 s. The server may be overloaded or the timeout too short.',
    });
  });
});

describe('parseRetryAfterMs', () => {
  it('reads milliseconds, seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfterMs(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' }), now)).toBe(1500);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }), now)).toBe(5000);
    expect(parseRetryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(parseRetryAfterMs(new Headers(), now)).toBeUndefined();
  });
});

describe('API key safety', () => {
  const key = 'sk-proj-SECRET0123456789abcd';

  it('masks a key to its family and last four characters', () => {
    expect(maskApiKey(key)).toBe('sk-…abcd');
    expect(maskApiKey('gsk_live_1234567890wxyz')).toBe('gs…wxyz');
    expect(maskApiKey('short')).toBe('…');
    expect(maskApiKey(null)).toBe('(none)');
  });

  it('scrubs the key and bearer tokens from text', () => {
    const scrubbed = scrubSecrets(`bad key ${key}; header was "Authorization: Bearer ${key}" and Bearer other-token`, key);
    expect(scrubbed).not.toContain(key);
    expect(scrubbed).not.toContain('other-token');
    expect(scrubbed).toContain('sk-…abcd');
  });

  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('keeps the key out of errors, call records and cache keys even when the server echoes it', async () => {
    server = await startTestServer((request) =>
      errorReply(401, `Incorrect API key provided: ${String(request.headers.authorization).replace('Bearer ', '')}. Header: ${request.headers.authorization}`),
    );
    const { deps, recorder } = testDeps();
    const endpoint = testEndpointConfig(server.baseUrl, { apiKey: key });
    let caught: unknown = null;
    try {
      await callLlm({ endpoint, messages: [{ role: 'user', content: 'hi' }] }, deps);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LlmError);
    const err = caught as LlmError;
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${key}`); // it was really sent…
    expect(err.message).toContain('Incorrect API key provided: sk-…abcd'); // …and really echoed back
    expect(err.message).not.toContain(key);
    expect(JSON.stringify(err)).not.toContain(key);
    expect(String(err.stack)).not.toContain(key);
    expect(JSON.stringify(recorder.calls)).not.toContain(key);
    expect(recorder.calls[0].errorMessage).toContain('sk-…abcd');
    const request = { endpoint, messages: [{ role: 'user' as const, content: 'hi' }] };
    expect(cacheKeyFor(request)).toBe(cacheKeyFor({ ...request, endpoint: { ...endpoint, apiKey: null } }));
  });
});

describe('resolveApiKey', () => {
  it('reads the named environment variable, the stored value, or nothing', () => {
    expect(resolveApiKey({ apiKeyEnv: 'MY_KEY' }, { MY_KEY: ' sk-abc ' })).toBe('sk-abc');
    expect(resolveApiKey({ apiKey: 'sk-stored' }, {})).toBe('sk-stored');
    expect(resolveApiKey({}, {})).toBeNull();
    expect(() => resolveApiKey({ apiKeyEnv: 'MISSING_KEY' }, {})).toThrow(MissingApiKeyError);
    expect(() => resolveApiKey({ apiKeyEnv: 'MISSING_KEY' }, {})).toThrow(/Environment variable MISSING_KEY is not set/);
  });
});
