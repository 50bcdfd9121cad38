import crypto from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { db } from '@/lib/db/client';
import { computeCostUsd, sumCostsUsd } from '@/lib/llm/cost';
import { LlmError } from '@/lib/llm/errors';
import { createLlmService, runLlmTotals, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { createSimEndpoint, waitFor } from './helpers';

// Calls over real HTTP to the simulator, through the Postgres cache, call log and limiter.

let sim: SimulatorHandle;
let service: LlmService;

beforeAll(async () => {
  sim = await startSimulator();
  // Short backoff so that the retry tests wait for Retry-After, not for exponential backoff.
  service = createLlmService({ retryPolicy: { baseDelayMs: 20, maxDelayMs: 100 }, endpointTtlMs: 0 });
});

afterAll(async () => {
  await service.close();
  await sim.close();
});

beforeEach(() => {
  sim.setFaults({ rate429: 0, rate500: 0, rateHang: 0, rateDrop: 0, rateMalformedJson: 0, rateTruncated: 0, retryAfterSeconds: 1, latencyMs: 0 });
  sim.stats.reset();
});

function question(label: string) {
  return [{ role: 'user' as const, content: `${label} ${crypto.randomUUID()}: how do I report a threatening message?` }];
}

async function callLogOf(runId: string) {
  await service.flush();
  return db().llmCall.findMany({ where: { runId }, orderBy: { id: 'asc' } });
}

describe('calls over HTTP', () => {
  it('waits for Retry-After after a 429 before trying again', async () => {
    const endpoint = await createSimEndpoint(sim.url);
    const runId = crypto.randomUUID();
    sim.setFaults({ rate429: 1, retryAfterSeconds: 1 });
    const call = service.callModel({ endpoint: endpoint.id, messages: question('retry'), runId });
    const first429At = await waitFor(() => sim.stats.faults.http429 === 1);
    sim.setFaults({ rate429: 0 });
    const secondRequestAt = await waitFor(() => sim.stats.totalRequests === 2);
    const result = await call;

    // Measured where the requests arrive: the second came no sooner than the server asked.
    expect(secondRequestAt - first429At).toBeGreaterThanOrEqual(950);
    expect(result).toMatchObject({ attempts: 2, cacheHit: false });
    expect(sim.stats.byStatus).toEqual({ '200': 1, '429': 1 });
    const [row] = await callLogOf(runId);
    expect(row).toMatchObject({ attempts: 2, errorKind: null, cacheHit: false });
  });

  it('gives up on repeated 429s and 500s once the retry budget is spent, and at once on a 404', async () => {
    const endpoint = await createSimEndpoint(sim.url, { retryBudgetMs: 600 });
    const runId = crypto.randomUUID();
    sim.setFaults({ rate429: 1, retryAfterSeconds: 0 });
    const started = performance.now();
    const limited = await service.callModel({ endpoint: endpoint.id, messages: question('give-up'), runId }).catch((err: unknown) => err);
    expect(limited).toBeInstanceOf(LlmError);
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429 });
    const limitedAttempts = (limited as LlmError).attempts;
    // Backoff of at most 100 ms here: a 600 ms budget is worth several attempts, not a fixed count.
    expect(limitedAttempts).toBeGreaterThan(3);
    expect(sim.stats.byStatus['429']).toBe(limitedAttempts);
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);

    sim.setFaults({ rate429: 0, rate500: 1 });
    const failing = await service.callModel({ endpoint: endpoint.id, messages: question('give-up-500'), runId }).catch((err: unknown) => err);
    expect(failing).toMatchObject({ kind: 'server', status: 500 });
    const failingAttempts = (failing as LlmError).attempts;
    expect(failingAttempts).toBeGreaterThan(3);
    expect(sim.stats.byStatus['500']).toBe(failingAttempts);

    const unknownModel = await createSimEndpoint(sim.url, { model: 'no-such-model' });
    const notFound = await service.callModel({ endpoint: unknownModel.id, messages: question('404'), runId }).catch((err: unknown) => err);
    expect(notFound).toMatchObject({ kind: 'not_found', attempts: 1 });
    expect(String((notFound as Error).message)).toMatch(/no-such-model/);
    expect(sim.stats.byStatus['404']).toBe(1);

    const rows = await callLogOf(runId);
    expect(rows.map((r) => [r.errorKind, r.attempts])).toEqual([
      ['rate_limited', limitedAttempts],
      ['server', failingAttempts],
      ['not_found', 1],
    ]);
  });

  it('times out a hanging server and retries while the budget lasts', async () => {
    // The second attempt starts about 1 s in, within the 1.5 s budget; a third would start after it.
    const endpoint = await createSimEndpoint(sim.url, { timeoutMs: 1000, retryBudgetMs: 1_500 });
    sim.setFaults({ rateHang: 1, hangMs: 20_000 });
    const started = performance.now();
    const error = await service.callModel({ endpoint: endpoint.id, messages: question('hang') }).catch((err: unknown) => err);
    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ kind: 'timeout', attempts: 2 });
    expect(String((error as Error).message)).toMatch(/within 1 s/);
    expect(sim.stats.faults.hang).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(elapsed).toBeLessThan(15_000);
  });

  it('answers a repeated call from the cache without a request reaching the server, also in another process', async () => {
    const endpoint = await createSimEndpoint(sim.url);
    const runId = crypto.randomUUID();
    const messages = question('cache');
    const first = await service.callModel({ endpoint: endpoint.id, messages, params: { seed: 7 }, runId });
    const second = await service.callModel({ endpoint: endpoint.id, messages, params: { seed: 7 }, runId });
    expect(sim.stats.totalRequests).toBe(1);
    expect(second).toMatchObject({ cacheHit: true, text: first.text, costUsd: 0, tokensIn: first.tokensIn, tokensOut: first.tokensOut });

    // A fresh service (as in a second worker) finds the entry in Postgres.
    await service.flush();
    const other = createLlmService();
    try {
      const third = await other.callModel({ endpoint: endpoint.id, messages, params: { seed: 7 }, runId });
      expect(third).toMatchObject({ cacheHit: true, text: first.text });
      expect(sim.stats.totalRequests).toBe(1);
      // Another seed is another request; so is an explicit bypass.
      await other.callModel({ endpoint: endpoint.id, messages, params: { seed: 8 }, runId });
      await other.callModel({ endpoint: endpoint.id, messages, params: { seed: 7 }, runId, bypassCache: true });
      expect(sim.stats.totalRequests).toBe(3);
    } finally {
      await other.close();
    }
    const totals = await service.runTotals(runId);
    expect(totals).toMatchObject({ calls: 5, cacheHits: 2, failures: 0, simulatedCalls: 0 });
    // One entry per distinct request, filed under its endpoint.
    expect(await db().llmCacheEntry.count({ where: { endpointId: endpoint.id } })).toBe(2);
  });

  it('records tokens and the cost from the price table, and sums them per run', async () => {
    const endpoint = await createSimEndpoint(sim.url, { priceInputPerMTok: 2.5, priceOutputPerMTok: 10 });
    const runId = crypto.randomUUID();
    const results = await Promise.all([1, 2, 3].map((i) => service.callModel({ endpoint: endpoint.id, messages: question(`cost ${i}`), runId, purpose: 'expert' })));
    for (const result of results) {
      expect(result.tokensIn).toBeGreaterThan(0);
      expect(result.tokensOut).toBeGreaterThan(0);
      expect(result.costUsd).toBeCloseTo((result.tokensIn * 2.5 + result.tokensOut * 10) / 1e6, 12);
    }
    const rows = await callLogOf(runId);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.purpose).toBe('expert');
      expect(row.endpointId).toBe(endpoint.id);
      expect(row.costUsd).toBe(computeCostUsd(row.tokensIn, row.tokensOut, { priceInputPerMTok: 2.5, priceOutputPerMTok: 10 }));
    }
    const expected = {
      calls: 3,
      cacheHits: 0,
      tokensIn: results.reduce((sum, r) => sum + r.tokensIn, 0),
      tokensOut: results.reduce((sum, r) => sum + r.tokensOut, 0),
      costUsd: sumCostsUsd(results.map((r) => r.costUsd)),
    };
    expect(await service.runTotals(runId)).toMatchObject(expected);
    // The page-side reader (Prisma) agrees once the rows are written.
    expect(await runLlmTotals(runId)).toMatchObject(expected);
  });

  it('repairs broken JSON from the judge in up to three rounds, and keeps the raw texts when it stays unusable', async () => {
    const judge = await createSimEndpoint(sim.url, { model: 'sim-judge' });
    const runId = crypto.randomUUID();
    const schema = z.object({ verdict: z.enum(['pass', 'fail']), reason: z.string() });
    sim.setFaults({ rateMalformedJson: 0.5, faultSeed: 3 });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        service.callModelJson({ endpoint: judge.id, messages: [{ role: 'user', content: `Instruction: Explain how phishing emails trick people, case ${i} ${runId}` }], runId, purpose: 'judge' }, schema),
      ),
    );
    expect(sim.stats.faults.malformedJson).toBeGreaterThan(0);
    const repaired = outcomes.filter((o) => o.ok && o.repaired);
    expect(repaired.length).toBeGreaterThan(0);
    for (const outcome of outcomes) {
      if (outcome.ok) expect(['pass', 'fail']).toContain(outcome.value.verdict);
      else expect(outcome.raw.length).toBeGreaterThan(0);
    }
    const rows = await callLogOf(runId);
    expect(rows.filter((r) => r.purpose === 'judge:repair').length).toBe(outcomes.filter((o) => o.calls.length >= 2).length);
    expect(rows.length).toBe(outcomes.reduce((sum, o) => sum + o.calls.length, 0));

    // A model that never answers in JSON: three repair rounds, then "unparseable" with the texts kept.
    sim.setFaults({ rateMalformedJson: 0 });
    const prose = await createSimEndpoint(sim.url, { model: 'sim-expert', supportsJsonMode: false });
    const before = sim.stats.totalRequests;
    const outcome = await service.callModelJson({ endpoint: prose.id, messages: question('prose') }, schema);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.kind).toBe('unparseable');
      expect(outcome.raw.length).toBeGreaterThan(20);
      expect(outcome.repairRaw.length).toBeGreaterThan(20);
      expect(outcome.replies).toHaveLength(4);
    }
    expect(sim.stats.totalRequests - before).toBe(4);
  });

  it('never stores the API key in the call log, even when the server rejects it', async () => {
    const keyed = await startSimulator({ requireApiKey: 'sk-right-key-000000' });
    try {
      const wrongKey = 'sk-test-KNOWN-1234567890';
      const endpoint = await createSimEndpoint(keyed.url, { apiKey: wrongKey, retryBudgetMs: 0 });
      const runId = crypto.randomUUID();
      const error = await service.callModel({ endpoint: endpoint.id, messages: question('auth'), runId }).catch((err: unknown) => err);
      expect(error).toMatchObject({ kind: 'auth', status: 401 });
      expect(String((error as Error).message)).not.toContain(wrongKey);
      const rows = await callLogOf(runId);
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value))).not.toContain(wrongKey);
    } finally {
      await keyed.close();
    }
  });
});
