import { afterEach, describe, expect, it } from 'vitest';
import { callLlm } from '@/lib/llm/call';
import { LlmError } from '@/lib/llm/errors';
import {
  chatReply,
  completionReply,
  errorReply,
  fakeClock,
  startTestServer,
  testDeps,
  testEndpointConfig,
  type Reply,
  type TestServer,
} from './test-server';

let server: TestServer | null = null;

afterEach(async () => {
  await server?.close();
  server = null;
});

async function serve(replyFor: (index: number) => Reply): Promise<TestServer> {
  server = await startTestServer((_request, index) => replyFor(index));
  return server;
}

async function expectLlmError(promise: Promise<unknown>): Promise<LlmError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LlmError);
    return err as LlmError;
  }
  throw new Error('expected the call to fail');
}

const hello = [{ role: 'user' as const, content: 'Say hello' }];

describe('callLlm over HTTP', () => {
  it('sends a chat request with the effective parameters and returns text, tokens and cost', async () => {
    const s = await serve(() => chatReply('Hello there', { prompt_tokens: 1200, completion_tokens: 300 }));
    const { deps, recorder } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl, { defaultParams: { temperature: 0.7, maxTokens: 100, seed: 1 } });

    const result = await callLlm({ endpoint, messages: hello, params: { seed: 42, topP: 0.9 }, runId: 'run-1', purpose: 'induce' }, deps);

    expect(result.text).toBe('Hello there');
    expect(result.finishReason).toBe('stop');
    expect(result.tokensIn).toBe(1200);
    expect(result.tokensOut).toBe(300);
    expect(result.tokensEstimated).toBe(false);
    expect(result.costUsd).toBe(0.006); // 1200 × 2.5/1e6 + 300 × 10/1e6
    expect(result.attempts).toBe(1);
    expect(result.cacheHit).toBe(false);

    expect(s.requests).toHaveLength(1);
    const sent = s.requests[0];
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test-0123456789abcdef');
    expect(sent.body).toMatchObject({ model: 'test-model', messages: hello, temperature: 0.7, max_tokens: 100, seed: 42, top_p: 0.9 });
    expect(sent.body.response_format).toBeUndefined();

    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]).toMatchObject({ ok: true, runId: 'run-1', purpose: 'induce', tokensIn: 1200, tokensOut: 300, costUsd: 0.006, attempts: 1, cacheHit: false, httpStatus: 200 });
  });

  it('sends JSON mode only when the endpoint supports it', async () => {
    const s = await serve(() => chatReply('{}'));
    const { deps } = testDeps();
    await callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello, json: true }, deps);
    await callLlm({ endpoint: testEndpointConfig(s.baseUrl, { supportsJsonMode: false }), messages: hello, json: true, bypassCache: true }, deps);
    expect(s.requests[0].body.response_format).toEqual({ type: 'json_object' });
    expect(s.requests[1].body.response_format).toBeUndefined();
  });

  it('uses /completions with the prompt and stop sequences in completion mode', async () => {
    const s = await serve(() => completionReply(' Write a rude joke.', 'length'));
    const { deps } = testDeps();
    // No retry budget: a reply cut short before its max tokens is then kept as it is.
    const endpoint = testEndpointConfig(s.baseUrl, { mode: 'completion', retryBudgetMs: 0 });
    const result = await callLlm({ endpoint, prompt: '### response:\nHa\n### Instruction:', params: { stop: ['###'] } }, deps);
    expect(s.requests[0].path).toBe('/v1/completions');
    expect(s.requests[0].body).toMatchObject({ prompt: '### response:\nHa\n### Instruction:', stop: ['###'], max_tokens: 64 });
    expect(result).toMatchObject({ text: ' Write a rude joke.', finishReason: 'length', tokensIn: 7, tokensOut: 3 });
  });

  it('rejects chat messages on a completion endpoint without any request', async () => {
    const s = await serve(() => completionReply('x'));
    const { deps, recorder } = testDeps();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl, { mode: 'completion' }), messages: hello }, deps));
    expect(err.kind).toBe('bad_request');
    expect(err.message).toMatch(/completion endpoint and needs a prompt/);
    expect(s.requests).toHaveLength(0);
    expect(recorder.calls[0]).toMatchObject({ ok: false, errorKind: 'bad_request', attempts: 0 });
  });

  it('waits as long as Retry-After says before retrying a 429', async () => {
    const s = await serve((i) => (i === 0 ? errorReply(429, 'Slow down', { 'retry-after': '1' }) : chatReply('ok')));
    const { deps } = testDeps({ random: () => 0.5 });
    const result = await callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello }, deps);
    const gap = s.requests[1].receivedAt - s.requests[0].receivedAt;
    expect(result.attempts).toBe(2);
    expect(gap).toBeGreaterThanOrEqual(1000);
    expect(gap).toBeLessThan(1000 + 50 + 300); // 5 % jitter at random = 0.5, plus scheduling slack
  });

  it('honours retry-after-ms and caps an excessive Retry-After', async () => {
    const s = await serve((i) =>
      i === 0 ? errorReply(503, 'busy', { 'retry-after-ms': '250' }) : i === 1 ? errorReply(429, 'later', { 'retry-after': '3600' }) : chatReply('ok'),
    );
    const { deps } = testDeps({ random: () => 0, retryPolicy: { baseDelayMs: 20, maxDelayMs: 100, retryAfterCapMs: 300 } });
    const result = await callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello }, deps);
    const first = s.requests[1].receivedAt - s.requests[0].receivedAt;
    const second = s.requests[2].receivedAt - s.requests[1].receivedAt;
    expect(result.attempts).toBe(3);
    expect(first).toBeGreaterThanOrEqual(250);
    expect(first).toBeLessThan(250 + 200);
    expect(second).toBeGreaterThanOrEqual(300);
    expect(second).toBeLessThan(300 + 200);
  });

  it('retries until the retry budget is spent, then fails with the server error and records one failed call', async () => {
    const s = await serve(() => errorReply(503, 'The model is overloaded'));
    const clock = fakeClock();
    const { deps, recorder } = testDeps({ clock });
    // random 0.5, base 20 ms: waits 10, 20, 40 ms; the 4th attempt starts at 70 ms, the whole budget.
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl, { retryBudgetMs: 70 }), messages: hello }, deps));
    expect(clock.slept).toEqual([10, 20, 40]);
    expect(err.kind).toBe('server');
    expect(err.status).toBe(503);
    expect(err.attempts).toBe(4);
    expect(err.message).toContain('The model is overloaded');
    expect(s.requests).toHaveLength(4);
    expect(recorder.calls).toHaveLength(1);
    expect(recorder.calls[0]).toMatchObject({ ok: false, errorKind: 'server', httpStatus: 503, attempts: 4, costUsd: 0 });
    expect(recorder.calls[0].errorMessage).toContain('The model is overloaded');
  });

  it('times out each attempt and retries while the budget lasts', async () => {
    const s = await serve(() => ({ kind: 'hang' }));
    const { deps } = testDeps();
    const started = performance.now();
    // The budget bounds when the last attempt may start; that attempt still gets its whole timeout.
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl, { timeoutMs: 200, retryBudgetMs: 300 }), messages: hello }, deps));
    const elapsed = performance.now() - started;
    expect(err.kind).toBe('timeout');
    expect(err.attempts).toBeGreaterThanOrEqual(2);
    expect(err.message).toContain('within 0.2 s');
    expect(s.requests).toHaveLength(err.attempts);
    expect(elapsed).toBeGreaterThanOrEqual(400);
    expect(elapsed).toBeLessThan(3000);
  });

  it('retries a dropped connection', async () => {
    const s = await serve((i) => (i === 0 ? { kind: 'destroy' } : chatReply('after the drop')));
    const { deps } = testDeps();
    const result = await callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello }, deps);
    expect(result.text).toBe('after the drop');
    expect(result.attempts).toBe(2);
    expect(s.requests).toHaveLength(2);
  });

  it.each([
    [400, 'bad_request', "Invalid value for 'temperature': must be ≤ 2"],
    [401, 'auth', 'Invalid authentication credentials'],
    [404, 'not_found', 'The model `test-model` does not exist'],
    [422, 'bad_request', 'Unprocessable prompt'],
  ] as const)('fails at once on HTTP %i with the server message', async (status, kind, message) => {
    const s = await serve(() => errorReply(status, message));
    const { deps } = testDeps();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl, { retryBudgetMs: 60_000 }), messages: hello }, deps));
    expect(err.kind).toBe(kind);
    expect(err.status).toBe(status);
    expect(err.attempts).toBe(1);
    expect(err.message).toContain(message);
    expect(s.requests).toHaveLength(1);
  });

  it('treats a 429 for an exhausted quota as a budget error without retrying', async () => {
    const s = await serve(() => errorReply(429, 'You exceeded your current quota', {}, 'insufficient_quota'));
    const { deps } = testDeps();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello }, deps));
    expect(err.kind).toBe('budget');
    expect(s.requests).toHaveLength(1);
  });

  it('reports a refused connection', async () => {
    const s = await serve(() => chatReply('never'));
    const baseUrl = s.baseUrl;
    await s.close();
    server = null;
    const { deps } = testDeps({ clock: fakeClock() });
    // Waits 10 ms, then the budget is spent.
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(baseUrl, { retryBudgetMs: 10 }), messages: hello }, deps));
    expect(err.kind).toBe('refused');
    expect(err.attempts).toBe(2);
    expect(err.message).toMatch(/^Connection refused by 127\.0\.0\.1:\d+\./);
  });

  it('answers a repeated call from the cache with a single request at the server', async () => {
    const s = await serve(() => chatReply('cached text'));
    const { deps, recorder, cache } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl);
    const first = await callLlm({ endpoint, messages: hello }, deps);
    const second = await callLlm({ endpoint, messages: [{ role: 'user', content: 'Say hello' }] }, deps);
    expect(s.requests).toHaveLength(1);
    expect(cache.size).toBe(1);
    expect(first.cacheHit).toBe(false);
    expect(second).toMatchObject({ text: 'cached text', cacheHit: true, costUsd: 0, attempts: 0, tokensIn: 10, tokensOut: 5 });
    expect(recorder.calls.map((call) => call.cacheHit)).toEqual([false, true]);
    expect(recorder.calls[0].cacheKey).toBe(recorder.calls[1].cacheKey);
  });

  it('calls the server again with bypassCache or different parameters', async () => {
    let n = 0;
    const s = await serve(() => chatReply(`reply ${++n}`));
    const { deps } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl);
    await callLlm({ endpoint, messages: hello }, deps);
    const bypassed = await callLlm({ endpoint, messages: hello, bypassCache: true }, deps);
    const otherSeed = await callLlm({ endpoint, messages: hello, params: { seed: 7 } }, deps);
    expect(s.requests).toHaveLength(3);
    expect(bypassed).toMatchObject({ text: 'reply 2', cacheHit: false });
    expect(otherSeed).toMatchObject({ text: 'reply 3', cacheHit: false });
  });

  it('does not cache failures', async () => {
    const s = await serve((i) => (i === 0 ? errorReply(400, 'bad') : chatReply('fine')));
    const { deps, cache } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl);
    await expectLlmError(callLlm({ endpoint, messages: hello }, deps));
    expect(cache.size).toBe(0);
    expect((await callLlm({ endpoint, messages: hello }, deps)).text).toBe('fine');
  });

  it('never exceeds the endpoint concurrency at the server', async () => {
    const s = await serve(() => chatReply('slow', undefined, 25));
    const { deps } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl, { limits: { concurrency: 3, rpm: null, tpm: null } });
    const calls = Array.from({ length: 15 }, (_, i) => callLlm({ endpoint, messages: [{ role: 'user', content: `q${i}` }] }, deps));
    const results = await Promise.all(calls);
    expect(results).toHaveLength(15);
    expect(s.requests).toHaveLength(15);
    expect(s.maxInFlight).toBe(3);
  });

  it('stops waiting when the caller aborts during backoff', async () => {
    const s = await serve(() => errorReply(503, 'down', { 'retry-after': '5' }));
    const { deps, recorder } = testDeps();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello, signal: controller.signal }, deps));
    expect(err.kind).toBe('cancelled');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(s.requests).toHaveLength(1);
    expect(recorder.calls[0]).toMatchObject({ ok: false, errorKind: 'cancelled' });
  });

  it('flags an OpenAI-incompatible 200 reply as unparseable', async () => {
    const s = await serve(() => ({ kind: 'json', status: 200, body: { result: 'no choices here' } }));
    const { deps } = testDeps();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello }, deps));
    expect(err.kind).toBe('unparseable');
    expect(err.attempts).toBe(1);
    expect(err.message).toContain('no "choices"');
  });

  it('flags a body announced as JSON that does not parse as unparseable', async () => {
    server = await startTestServer(() => ({ kind: 'raw', status: 200, contentType: 'application/json', body: '{"choices": [' }));
    const { deps } = testDeps();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(server.baseUrl), messages: hello }, deps));
    expect(err.kind).toBe('unparseable');
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('points at the base URL when a 200 reply is a web page', async () => {
    server = await startTestServer(() => ({ kind: 'raw', status: 200, contentType: 'text/html', body: '<html>Ollama is running</html>' }));
    const { deps } = testDeps();
    const err = await expectLlmError(callLlm({ endpoint: testEndpointConfig(server.baseUrl), messages: hello }, deps));
    expect(err.kind).toBe('unparseable');
    expect(err.message).toContain(`The reply from ${server.baseUrl} is not an OpenAI-compatible response`);
    expect(err.message).toContain('<html>Ollama is running</html>');
  });

  it('switches to max_completion_tokens for models that refuse max_tokens, and remembers it', async () => {
    const s = await startTestServer((request) =>
      'max_tokens' in request.body
        ? errorReply(400, "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.")
        : chatReply('reasoned'),
    );
    server = s;
    const { deps } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl, { model: 'o-series' });
    expect((await callLlm({ endpoint, messages: hello }, deps)).text).toBe('reasoned');
    await callLlm({ endpoint, messages: hello, bypassCache: true }, deps);
    expect(s.requests.map((request) => 'max_completion_tokens' in request.body)).toEqual([false, true, true]);
    expect(s.requests[1].body.max_completion_tokens).toBe(64);
  });

  it('treats absurd limits and retry budgets as one slot and one attempt instead of hanging', async () => {
    const s = await serve(() => errorReply(500, 'boom'));
    const { deps } = testDeps();
    const endpoint = testEndpointConfig(s.baseUrl, { retryBudgetMs: Number.NaN, limits: { concurrency: 0, rpm: 0, tpm: Number.NaN } });
    const err = await expectLlmError(callLlm({ endpoint, messages: hello }, deps));
    expect(err.attempts).toBe(1);
    expect(s.requests).toHaveLength(1);
  });

  it('estimates tokens when the server reports no usage', async () => {
    const s = await serve(() => ({ kind: 'json', status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: '12345678' }, finish_reason: 'stop' }] } }));
    const { deps } = testDeps();
    const result = await callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: [{ role: 'user', content: 'abcdefghijkl' }] }, deps);
    expect(result).toMatchObject({ tokensIn: 3, tokensOut: 2, tokensEstimated: true });
  });

  it('keeps serving when the cache and the recorder fail, with a warning', async () => {
    const s = await serve(() => chatReply('still fine'));
    const { deps, warnings } = testDeps({
      cache: { get: () => Promise.reject(new Error('cache down')), put: () => Promise.reject(new Error('cache down')) },
      recorder: { record: () => Promise.reject(new Error('db down')) },
    });
    const result = await callLlm({ endpoint: testEndpointConfig(s.baseUrl), messages: hello }, deps);
    expect(result.text).toBe('still fine');
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toMatch(/cache lookup failed[\s\S]*db down|db down[\s\S]*cache/);
  });
});
