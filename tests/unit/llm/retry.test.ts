import { afterEach, describe, expect, it } from 'vitest';
import { callLlm } from '@/lib/llm/call';
import { LlmError } from '@/lib/llm/errors';
import { DEFAULT_RETRY_POLICY, nextRetryDelayMs, retryBudgetOf, type RetryPolicy } from '@/lib/llm/retry';
import { chatReply, errorReply, fakeClock, startTestServer, testDeps, testEndpointConfig, type TestServer } from './test-server';

const policy: RetryPolicy = { baseDelayMs: 100, maxDelayMs: 1_000, retryAfterCapMs: 5_000 };
const half = () => 0.5;

describe('nextRetryDelayMs (time-bounded retries)', () => {
  it('backs off exponentially with full jitter, capped, while the budget lasts', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => nextRetryDelayMs({ attempt, retryable: true, elapsedMs: 0, budgetMs: 60_000 }, policy, half));
    expect(delays).toEqual([50, 100, 200, 400, 500, 500]);
    expect(nextRetryDelayMs({ attempt: 3, retryable: true, elapsedMs: 0, budgetMs: 60_000 }, policy, () => 0)).toBe(0);
  });

  it('is bounded by time, not by a count of attempts', () => {
    expect(nextRetryDelayMs({ attempt: 200, retryable: true, elapsedMs: 10_000, budgetMs: 60_000 }, policy, half)).toBe(500);
    expect(nextRetryDelayMs({ attempt: 2, retryable: true, elapsedMs: 60_000, budgetMs: 60_000 }, policy, half)).toBeNull();
    // The last wait is shortened to what is left of the budget.
    expect(nextRetryDelayMs({ attempt: 6, retryable: true, elapsedMs: 59_900, budgetMs: 60_000 }, policy, half)).toBe(100);
  });

  it('never retries a non-retryable error, and a budget of 0 (or nonsense) means one attempt', () => {
    expect(nextRetryDelayMs({ attempt: 1, retryable: false, elapsedMs: 0, budgetMs: 60_000 }, policy, half)).toBeNull();
    expect(nextRetryDelayMs({ attempt: 1, retryable: true, elapsedMs: 0, budgetMs: 0 }, policy, half)).toBeNull();
    expect(retryBudgetOf(Number.NaN)).toBe(0);
    expect(retryBudgetOf(-5)).toBe(0);
  });

  it('honours Retry-After (capped, 10 % jitter), and gives up when it ends past the budget', () => {
    expect(nextRetryDelayMs({ attempt: 1, retryable: true, retryAfterMs: 2_000, elapsedMs: 0, budgetMs: 60_000 }, policy, half)).toBe(2_100);
    expect(nextRetryDelayMs({ attempt: 1, retryable: true, retryAfterMs: 3_600_000, elapsedMs: 0, budgetMs: 60_000 }, policy, half)).toBe(5_250);
    expect(nextRetryDelayMs({ attempt: 1, retryable: true, retryAfterMs: 2_000, elapsedMs: 59_000, budgetMs: 60_000 }, policy, half)).toBeNull();
  });

  it('has defaults that allow many attempts within a few minutes', () => {
    let elapsed = 0;
    let attempts = 1;
    for (;;) {
      const delay = nextRetryDelayMs({ attempt: attempts, retryable: true, elapsedMs: elapsed, budgetMs: 180_000 }, DEFAULT_RETRY_POLICY, half);
      if (delay === null) break;
      elapsed += delay;
      attempts += 1;
    }
    expect(attempts).toBeGreaterThan(15);
  });
});

describe('callLlm retry loop with an injected clock', () => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('gets through a long burst of 5xx and 429 replies within the budget', async () => {
    // Twelve faults in a row: more than the old four attempts, well within the budget.
    server = await startTestServer((_request, index) =>
      index >= 12 ? chatReply('finally') : index % 3 === 0 ? errorReply(500, 'boom') : index % 3 === 1 ? errorReply(429, 'slow down', { 'retry-after': '2' }) : errorReply(502, 'bad gateway'),
    );
    const clock = fakeClock();
    const { deps, limiter } = testDeps({ clock });
    const result = await callLlm({ endpoint: testEndpointConfig(server.baseUrl, { retryBudgetMs: 120_000 }), messages: [{ role: 'user', content: 'hi' }] }, deps);
    expect(result).toMatchObject({ text: 'finally', attempts: 13 });
    // The 429s were waited for as the server asked (2 s plus 5 % jitter at random 0.5).
    expect(clock.slept.filter((ms) => ms === 2_100)).toHaveLength(4);
    expect(limiter.concurrencyLimit('ep-test')).toBe(8);
  });

  it('stops waiting at once when the call is cancelled', async () => {
    server = await startTestServer(() => errorReply(503, 'busy'));
    const controller = new AbortController();
    const clock = fakeClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      if (clock.slept.length === 2) controller.abort();
      return sleep(ms, signal);
    };
    const { deps } = testDeps({ clock });
    const error = await callLlm({ endpoint: testEndpointConfig(server.baseUrl, { retryBudgetMs: 600_000 }), messages: [{ role: 'user', content: 'hi' }], signal: controller.signal }, deps).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).kind).toBe('cancelled');
    expect(server.requests).toHaveLength(3);
  });

  it('retries a reply cut short before its max tokens, and keeps one that used them all', async () => {
    const cut = { kind: 'json' as const, status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: 'Hel' }, finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 1 } } };
    const full = { kind: 'json' as const, status: 200, body: { choices: [{ index: 0, message: { role: 'assistant', content: 'Hello world' }, finish_reason: 'length' }], usage: { prompt_tokens: 3, completion_tokens: 64 } } };
    server = await startTestServer((_request, index) => (index < 2 ? cut : full));
    const { deps } = testDeps({ clock: fakeClock() });
    const result = await callLlm({ endpoint: testEndpointConfig(server.baseUrl), messages: [{ role: 'user', content: 'hi' }] }, deps);
    expect(result).toMatchObject({ text: 'Hello world', finishReason: 'length', attempts: 3 });
  });
});
