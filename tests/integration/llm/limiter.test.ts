import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { db } from '@/lib/db/client';
import type { Release } from '@/lib/llm/ports';
import { createPostgresRateLimiter, type PostgresRateLimiter } from '@/lib/llm/postgres/limiter';
import { createLlmPool } from '@/lib/llm/postgres/sql';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { createSimEndpoint, waitFor } from './helpers';

// The concurrency limit and the per-minute buckets hold across processes sharing the database.

let sim: SimulatorHandle;
let pool: pg.Pool;
const limiters: PostgresRateLimiter[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  sim = await startSimulator();
  pool = createLlmPool(process.env.DATABASE_URL ?? '', 4);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) killGroup(child);
  await Promise.all(limiters.map((limiter) => limiter.close()));
  await pool.end();
  await sim.close();
});

function newLimiter(options: { leaseTtlMs?: number; listen?: boolean } = {}): PostgresRateLimiter {
  const limiter = createPostgresRateLimiter(pool, {
    leaseTtlMs: options.leaseTtlMs,
    listenConnectionString: options.listen === false ? undefined : process.env.DATABASE_URL,
    warn: () => {},
  });
  limiters.push(limiter);
  return limiter;
}

function worker(mode: 'calls' | 'hold', env: Record<string, string>): { child: ChildProcess; lines: AsyncIterator<string>; done: Promise<number | null> } {
  // Its own process group: npx → tsx → node, and a SIGKILL must reach the node process.
  const child = spawn('npx', ['tsx', 'tests/integration/llm/limit-worker.ts', mode], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const done = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, lines, done };
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  } catch {
    /* already gone */
  }
}

async function liveLeases(endpointId: string): Promise<number> {
  return db().concurrencyLease.count({ where: { endpointId, expiresAt: { gt: new Date() } } });
}

const limits = (concurrency: number, rpm: number | null = null, tpm: number | null = null) => ({ concurrency, rpm, tpm });

describe('cross-process rate limits', () => {
  it('two worker processes sharing one limit never exceed it at the server', async () => {
    sim.setFaults({ latencyMs: { distribution: 'uniform', min: 60, max: 140 } });
    sim.stats.reset();
    const endpoint = await createSimEndpoint(sim.url, { limits: { concurrency: 3, rpm: null, tpm: null } });
    const runId = crypto.randomUUID();
    const env = { LLM_ENDPOINT_ID: endpoint.id, CALLS: '15', RUN_ID: runId };
    const a = worker('calls', { ...env, TAG: 'a' });
    const b = worker('calls', { ...env, TAG: 'b' });
    const [outA, outB] = await Promise.all([a.lines.next(), b.lines.next()]);
    expect(await a.done).toBe(0);
    expect(await b.done).toBe(0);

    for (const out of [outA, outB]) expect(JSON.parse(String(out.value))).toMatchObject({ ok: 15, cacheHits: 0, limit: 3 });
    expect(sim.stats.totalRequests).toBe(30);
    expect(sim.stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.stats.maxInFlight).toBeGreaterThanOrEqual(2);
    // Both recorded every call, and gave their leases back on close.
    const byWorker = await db().llmCall.groupBy({ by: ['purpose'], where: { runId }, _count: true });
    expect(Object.fromEntries(byWorker.map((g) => [g.purpose, g._count]))).toEqual({ 'worker-a': 15, 'worker-b': 15 });
    expect(await liveLeases(endpoint.id)).toBe(0);
    sim.setFaults({ latencyMs: 0 });
  }, 120_000);

  it('a SIGKILLed process holds its slots only until its leases expire', async () => {
    const endpoint = await createSimEndpoint(sim.url, { limits: { concurrency: 2, rpm: null, tpm: null } });
    const holder = worker('hold', { LLM_ENDPOINT_ID: endpoint.id, LIMIT: '2', LEASE_TTL_MS: '1500' });
    expect((await holder.lines.next()).value).toBe('held');
    expect(await liveLeases(endpoint.id)).toBe(2);
    killGroup(holder.child);
    await holder.done;
    const killedAt = performance.now();

    const limiter = newLimiter();
    const releases: Release[] = [];
    const acquired = Promise.all(
      [0, 1].map(() =>
        limiter.acquire(endpoint.id, { tokens: 1, limits: limits(2) }).then((release) => {
          releases.push(release);
          return performance.now();
        }),
      ),
    );
    // Still held right after the kill…
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(releases).toHaveLength(0);
    // …and both slots are free once the 1.5 s leases have run out (the dead process cannot renew them).
    const grantedAt = await acquired;
    expect(Math.max(...grantedAt) - killedAt).toBeLessThan(5_000);
    expect(limiter.active(endpoint.id)).toBe(2);
    expect(await liveLeases(endpoint.id)).toBe(2);
    for (const release of releases) release();
  }, 60_000);

  it('keeps the AIMD memory in the endpoint row: a cut that did not lower the share is given back', async () => {
    const endpointId = `limiter-${crypto.randomUUID()}`;
    const limiter = createPostgresRateLimiter(pool, { aimd: { windowMs: 100 }, aimdFlushMs: 10_000, warn: () => {} });
    limiters.push(limiter);
    async function report(successes: number, rateLimited: number): Promise<void> {
      for (let i = 0; i < successes + rateLimited; i += 1) {
        const release = await limiter.acquire(endpointId, { tokens: 1, limits: limits(10) });
        release({ outcome: i < successes ? 'success' : 'rateLimited' });
      }
      await limiter.flushOutcomes();
    }
    /** One closed window: the first flush opens it, the one after windowMs adds to it and steps. */
    async function window(successes: number, rateLimited: number) {
      await report(successes, rateLimited);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await report(successes, rateLimited);
      return db().rateLimitBucket.findUniqueOrThrow({
        where: { endpointId },
        select: { aimdLimit: true, aimdNoiseShare: true, aimdCutShare: true, aimdCutFrom: true },
      });
    }

    // Half refused: cut from 10 to √(10² + 2·60) · 0.5, and remember the share and the limit before.
    const cut = await window(30, 30);
    expect(cut.aimdLimit).toBeCloseTo(Math.sqrt(220) * 0.5, 6);
    expect(cut).toMatchObject({ aimdNoiseShare: 0, aimdCutShare: 0.5, aimdCutFrom: 10 });
    expect(limiter.concurrencyLimit(endpointId)).toBe(7);

    // Still half refused at the lower limit: that share is noise, and the cut is given back.
    const judged = await window(30, 30);
    expect(judged).toMatchObject({ aimdLimit: 10, aimdNoiseShare: 0.5, aimdCutShare: null, aimdCutFrom: null });
    expect(limiter.concurrencyLimit(endpointId)).toBe(10);
  });

  it('two limiters share the slots: a waiter gets one as soon as the other side releases it', async () => {
    const endpointId = `limiter-${crypto.randomUUID()}`;
    const a = newLimiter();
    const b = newLimiter();
    await waitFor(() => a.listening && b.listening);
    const held = await Promise.all(Array.from({ length: 4 }, () => a.acquire(endpointId, { tokens: 1, limits: limits(4) })));
    let bGot = 0;
    const waiting = Array.from({ length: 2 }, () => b.acquire(endpointId, { tokens: 1, limits: limits(4) }).then((release) => ((bGot += 1), release)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bGot).toBe(0);
    expect(a.active(endpointId) + b.active(endpointId)).toBe(4);

    held[0]();
    held[1]();
    const released = await Promise.all(waiting);
    expect(bGot).toBe(2);
    // b asked for slots, so a keeps no more than its fair share and b's calls run.
    expect(a.owned(endpointId) + b.owned(endpointId)).toBeLessThanOrEqual(4);
    expect(await liveLeases(endpointId)).toBeLessThanOrEqual(4);
    for (const release of [...released, held[2], held[3]]) release();
  });

  it('shares slots fairly between two busy limiters and never runs more than the limit together', async () => {
    const endpointId = `fair-${crypto.randomUUID()}`;
    const a = newLimiter();
    const b = newLimiter();
    await waitFor(() => a.listening && b.listening);
    let running = 0;
    let maxRunning = 0;
    const finishedAt: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const work = (limiter: PostgresRateLimiter, label: 'a' | 'b') =>
      Promise.all(
        Array.from({ length: 24 }, async () => {
          const release = await limiter.acquire(endpointId, { tokens: 1, limits: limits(4) });
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((resolve) => setTimeout(resolve, 40));
          running -= 1;
          release();
          finishedAt[label].push(performance.now());
        }),
      );
    const aDone = work(a, 'a');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all([aDone, work(b, 'b')]);
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect(finishedAt.a).toHaveLength(24);
    expect(finishedAt.b).toHaveLength(24);
    // b, which started later, got slots while a still had work queued: it was not starved until a finished.
    expect(Math.min(...finishedAt.b)).toBeLessThan(Math.max(...finishedAt.a));
  });

  it('waits for the requests-per-minute bucket to refill, in every process', async () => {
    const endpointId = `bucket-${crypto.randomUUID()}`;
    const a = newLimiter();
    const b = newLimiter();
    // 60 per minute = one per second; the first call creates a full bucket, then we drain it.
    (await a.acquire(endpointId, { tokens: 0, limits: limits(10, 60) }))();
    // The clock starts before the bucket is emptied: the refill counts from `updatedAt`, and the
    // update's round trip (slow on a loaded machine) must not be mistaken for waiting time.
    const started = performance.now();
    await db().rateLimitBucket.update({ where: { endpointId }, data: { requestTokens: 0, updatedAt: new Date() } });
    const [first, second] = await Promise.all([
      a.acquire(endpointId, { tokens: 0, limits: limits(10, 60) }).then((release) => ((release as Release)(), performance.now() - started)),
      b.acquire(endpointId, { tokens: 0, limits: limits(10, 60) }).then((release) => ((release as Release)(), performance.now() - started)),
    ]);
    // One token per second: the two calls cannot both start before two seconds have passed.
    expect(Math.min(first, second)).toBeGreaterThanOrEqual(900);
    expect(Math.max(first, second)).toBeGreaterThanOrEqual(1900);
  });

  it('charges tokens per minute and corrects the charge with the real usage', async () => {
    const endpointId = `tpm-${crypto.randomUUID()}`;
    const limiter = newLimiter({ listen: false });
    const release = await limiter.acquire(endpointId, { tokens: 400, limits: limits(2, null, 1000) });
    const charged = await db().rateLimitBucket.findUniqueOrThrow({ where: { endpointId } });
    expect(charged.tokenTokens).toBeCloseTo(600, 0);
    release({ tokensUsed: 100 });
    let corrected = charged.tokenTokens;
    const deadline = performance.now() + 5_000;
    while (corrected < 850 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      corrected = (await db().rateLimitBucket.findUniqueOrThrow({ where: { endpointId } })).tokenTokens;
    }
    // 300 of the 400 estimated tokens come back (plus a little refill).
    expect(corrected).toBeGreaterThanOrEqual(899);
    expect(corrected).toBeLessThanOrEqual(1000);
  });
});
