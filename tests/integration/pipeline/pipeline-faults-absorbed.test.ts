import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { db } from '@/lib/db/client';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { pipelineModels } from '@/lib/pipeline/models';
import { createRun } from '@/lib/pipeline/runs';
import { startPipelineWorker, type PipelineWorker } from '@/lib/pipeline/worker';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, stateCounts, uniqueTag, waitForRun } from './helpers';

// Issue 16, "faults without failures": faults that a patient client can absorb must not fail items.

const CAP = 16;

describe('pipeline absorbs transient faults instead of failing items', () => {
  let boss: PgBoss;
  let service: LlmService;
  let worker: PipelineWorker;
  const sims: SimulatorHandle[] = [];

  beforeAll(async () => {
    boss = await getBoss();
    // Short AIMD windows so that a 100-item run sees several steps.
    service = createLlmService({ retryPolicy: { baseDelayMs: 20, maxDelayMs: 200 }, limiter: { aimd: { windowMs: 250 }, aimdFlushMs: 50 } });
    worker = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: 4, reconcileEveryMs: 2_000, log: () => {} });
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await Promise.all(sims.map((sim) => sim.close()));
  });

  async function runOn(sim: SimulatorHandle, prefix: string) {
    const tag = uniqueTag(prefix);
    const names = await createSimEndpoints(tag, sim.url, { concurrency: CAP, timeoutMs: 2_000 });
    const recipeVersionId = await createSimRecipe(tag, names);
    const corpusId = await createSampleCorpus(tag);
    const { runId, itemsTotal } = await createRun({ recipeVersionId, selection: { corpusIds: [corpusId] } }, null, { boss, chunkSize: 10 });
    return { runId, itemsTotal, names };
  }

  async function adaptiveLimits(endpointNames: string[]): Promise<number[]> {
    const endpoints = await db().providerEndpoint.findMany({ where: { name: { in: endpointNames } }, select: { id: true } });
    const rows = await db().rateLimitBucket.findMany({ where: { endpointId: { in: endpoints.map((e) => e.id) } }, select: { aimdLimit: true } });
    return rows.map((row) => row.aimdLimit ?? CAP);
  }

  it('never fails an item on 429s (30 % of requests); the shared concurrency drops below the cap and recovers', async () => {
    const sim = await startSimulator({ faults: { latencyMs: 5, rate429: 0.3, retryAfterSeconds: 0, faultSeed: 11 } });
    sims.push(sim);
    const { runId, itemsTotal, names } = await runOn(sim, 'aimd');
    const endpointNames = Object.values(names);

    let lowest = CAP;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        lowest = Math.min(lowest, ...(await adaptiveLimits(endpointNames)));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const status = await waitForRun(runId, ['COMPLETED'], 120_000).finally(() => {
      sampling = false;
    });
    await sampler;
    expect(status).toBe('COMPLETED');
    expect(sim.stats.snapshot().faults.http429).toBeGreaterThan(50);

    const counts = await stateCounts(runId);
    expect(counts.FAILED ?? 0).toBe(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(itemsTotal);
    // The endpoint row, shared by every process, was lowered under the configured cap…
    expect(lowest).toBeLessThan(CAP);

    // …and climbs back to it once the endpoint stops refusing.
    sim.setFaults({ rate429: 0 });
    const deadline = Date.now() + 30_000;
    let limit = Math.min(...(await adaptiveLimits([names.expert])));
    for (let wave = 0; limit < CAP; wave += 1) {
      if (Date.now() > deadline) throw new Error(`the adaptive limit stayed at ${limit} after the 429s stopped`);
      await Promise.all(
        Array.from({ length: CAP }, (_, i) =>
          service.callModel({ endpoint: names.expert, messages: [{ role: 'user', content: `recovery ${wave}.${i}: how do I stay safe online?` }], bypassCache: true }),
        ),
      );
      await service.limiter.flushOutcomes();
      limit = Math.min(...(await adaptiveLimits([names.expert])));
    }
    expect(limit).toBe(CAP);
    expect(service.limiter.concurrencyLimit((await service.endpoint(names.expert)).id)).toBe(CAP);
  }, 180_000);

  it('gets a verdict through repeated repair rounds when judge replies are often malformed', async () => {
    // A quarter of JSON replies broken (three of the four kinds cannot be parsed): one repair round
    // left about 3.5 % of judge calls unparseable (several failed items per 100); three rounds
    // leave about 0.1 %.
    const sim = await startSimulator({ faults: { latencyMs: 5, rateMalformedJson: 0.25, faultSeed: 5 } });
    sims.push(sim);
    const { runId, itemsTotal } = await runOn(sim, 'repairs');
    expect(await waitForRun(runId, ['COMPLETED'], 120_000)).toBe('COMPLETED');
    expect(sim.stats.snapshot().faults.malformedJson).toBeGreaterThan(10);

    const counts = await stateCounts(runId);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(itemsTotal);
    expect(counts.FAILED ?? 0).toBeLessThanOrEqual(1);
    expect(await db().stageResult.count({ where: { runItem: { runId }, verdict: 'UNPARSEABLE' } })).toBeLessThanOrEqual(1);

    // Repairs beyond the first round happened, each one a call of its own in the call log.
    await service.flush();
    const purposes = await db().llmCall.groupBy({ by: ['purpose'], where: { runId }, _count: { _all: true } });
    const count = (suffix: string) => purposes.filter((row) => row.purpose?.endsWith(suffix)).reduce((sum, row) => sum + row._count._all, 0);
    expect(count(':repair')).toBeGreaterThan(5);
    expect(count(':reask')).toBeGreaterThan(0);
  }, 180_000);
});
