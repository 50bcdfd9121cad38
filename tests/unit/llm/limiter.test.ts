import { afterEach, describe, expect, it, vi } from 'vitest';
import { createInMemoryRateLimiter } from '@/lib/llm/memory';
import type { Release } from '@/lib/llm/ports';
import type { EndpointLimits } from '@/lib/llm/types';

const limits = (overrides: Partial<EndpointLimits>): EndpointLimits => ({ concurrency: 100, rpm: null, tpm: null, ...overrides });

afterEach(() => {
  vi.useRealTimers();
});

describe('createInMemoryRateLimiter', () => {
  it('never grants more slots than the concurrency, and grants in arrival order', async () => {
    const limiter = createInMemoryRateLimiter();
    const order: number[] = [];
    let active = 0;
    let maxActive = 0;
    await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const release = await limiter.acquire('ep', { tokens: 1, limits: limits({ concurrency: 3 }) });
        order.push(i);
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 5));
        active -= 1;
        release();
      }),
    );
    expect(maxActive).toBe(3);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(limiter.active('ep')).toBe(0);
  });

  it('keeps endpoints independent and ignores a second release', async () => {
    const limiter = createInMemoryRateLimiter();
    const one = limits({ concurrency: 1 });
    const a = await limiter.acquire('a', { tokens: 1, limits: one });
    await limiter.acquire('b', { tokens: 1, limits: one });
    let granted = false;
    const next = limiter.acquire('a', { tokens: 1, limits: one }).then((release) => {
      granted = true;
      return release;
    });
    await Promise.resolve();
    expect(granted).toBe(false);
    expect(limiter.waiting('a')).toBe(1);
    a();
    a();
    await next;
    expect(granted).toBe(true);
    expect(limiter.active('a')).toBe(1);
  });

  it('spaces requests by the requests-per-minute bucket', async () => {
    vi.useFakeTimers();
    const limiter = createInMemoryRateLimiter();
    const grantedAt: number[] = [];
    const start = Date.now();
    const all = Array.from({ length: 4 }, () =>
      limiter.acquire('ep', { tokens: 0, limits: limits({ rpm: 2 }) }).then((release) => {
        grantedAt.push(Date.now() - start);
        release();
      }),
    );
    await vi.advanceTimersByTimeAsync(70_000);
    await Promise.all(all);
    // A full bucket of 2, then one request every 30 s.
    expect(grantedAt).toEqual([0, 0, 30_000, 60_000]);
  });

  it('charges the tokens-per-minute bucket and refunds what a call did not use', async () => {
    vi.useFakeTimers();
    const limiter = createInMemoryRateLimiter();
    const tpm = limits({ tpm: 1000 });
    const first = await limiter.acquire('ep', { tokens: 800, limits: tpm });
    let second: Release | null = null;
    void limiter.acquire('ep', { tokens: 600, limits: tpm }).then((release) => {
      second = release;
    });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(second).toBeNull(); // 200 left, 600 needed, refill is 1000 per minute
    first({ tokensUsed: 300 }); // 500 refunded → 200 + ~17 refilled + 500 ≥ 600
    await vi.advanceTimersByTimeAsync(0);
    expect(second).not.toBeNull();
  });

  it('lets a call larger than a minute of tokens through once the bucket is full', async () => {
    vi.useFakeTimers();
    const limiter = createInMemoryRateLimiter();
    const release = await limiter.acquire('ep', { tokens: 50_000, limits: limits({ tpm: 1000 }) });
    expect(typeof release).toBe('function');
  });

  it('removes an aborted waiter from the queue', async () => {
    const limiter = createInMemoryRateLimiter();
    const one = limits({ concurrency: 1 });
    const held = await limiter.acquire('ep', { tokens: 1, limits: one });
    const controller = new AbortController();
    const waiting = limiter.acquire('ep', { tokens: 1, limits: one, signal: controller.signal });
    const behind = limiter.acquire('ep', { tokens: 1, limits: one });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(limiter.waiting('ep')).toBe(1);
    held();
    await behind;
    expect(limiter.active('ep')).toBe(1);
  });

  it('lowers the concurrency while the endpoint answers 429 and grants no more than that, then recovers', async () => {
    let time = 0;
    const limiter = createInMemoryRateLimiter({ now: () => time, aimd: { windowMs: 1_000 } });
    const eight = limits({ concurrency: 8 });
    const finish = async (outcome: 'success' | 'rateLimited', count: number) => {
      const releases = await Promise.all(Array.from({ length: count }, () => limiter.acquire('ep', { tokens: 1, limits: eight })));
      for (const release of releases) release({ outcome });
    };
    expect(limiter.concurrencyLimit('ep')).toBeNull();
    await finish('rateLimited', 4);
    time = 1_000;
    await finish('success', 4);
    // One window: 4 successes, 4 refusals → the limit is cut by half.
    expect(limiter.concurrencyLimit('ep')).toBe(4);

    const held = await Promise.all(Array.from({ length: 4 }, () => limiter.acquire('ep', { tokens: 1, limits: eight })));
    let fifth = false;
    const waiting = limiter.acquire('ep', { tokens: 1, limits: eight }).then((release) => {
      fifth = true;
      return release;
    });
    await Promise.resolve();
    expect(fifth).toBe(false);
    expect(limiter.waiting('ep')).toBe(1);
    held[0]({ outcome: 'success' });
    (await waiting)();
    for (const release of held.slice(1)) release({ outcome: 'success' });

    // About +1 per limit-worth of successes per window.
    const seen: (number | null)[] = [];
    for (let window = 1; window <= 6; window += 1) {
      time = 1_000 + window * 1_000;
      await finish('success', 4);
      seen.push(limiter.concurrencyLimit('ep'));
    }
    expect(seen).toEqual([5, 6, 6, 7, 8, 8]);
  });
});
