import { afterEach, describe, expect, it } from 'vitest';
import { testEndpoint } from '@/lib/llm/test-endpoint';
import { chatReply, errorReply, startTestServer, testEndpointConfig, type TestServer } from './test-server';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('testEndpoint', () => {
  it('makes one small uncached call and returns the reply', async () => {
    server = await startTestServer(() => chatReply(' OK\n'));
    const endpoint = testEndpointConfig(server.baseUrl);
    const first = await testEndpoint(endpoint);
    const second = await testEndpoint(endpoint);
    expect(first).toMatchObject({ ok: true, reply: 'OK' });
    expect(second.ok).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].body).toMatchObject({ max_tokens: 16, temperature: 0 });
  });

  it('reports a rejected key without retrying', async () => {
    server = await startTestServer(() => errorReply(401, 'Invalid API key'));
    const outcome = await testEndpoint(testEndpointConfig(server.baseUrl, { retryBudgetMs: 60_000 }));
    expect(outcome).toEqual({
      ok: false,
      kind: 'auth',
      message: 'The server rejected the API key (HTTP 401). Check the key, or the environment variable that holds it. Server said: "Invalid API key"',
    });
    expect(server.requests).toHaveLength(1);
  });

  it('reports an unknown host', async () => {
    const outcome = await testEndpoint(testEndpointConfig('http://no-such-host.invalid/v1'));
    expect(outcome).toEqual({ ok: false, kind: 'dns', message: 'Cannot resolve the host "no-such-host.invalid" (DNS lookup failed). Check the base URL.' });
  });
});
