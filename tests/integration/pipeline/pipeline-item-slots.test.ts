import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { pipelineModels } from '@/lib/pipeline/models';
import { createRun } from '@/lib/pipeline/runs';
import { startPipelineWorker, type PipelineWorker } from '@/lib/pipeline/worker';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, stateCounts, uniqueTag, waitForRun } from './helpers';

// A worker advances at most its item slots' worth of items, whatever chunks they belong to.

describe('item slots shared by the chunks of a worker', () => {
  let sim: SimulatorHandle;
  let boss: PgBoss;
  let service: LlmService;
  let worker: PipelineWorker;

  beforeAll(async () => {
    sim = await startSimulator({ faults: { latencyMs: 20 } });
    boss = await getBoss();
    service = createLlmService({ retryPolicy: { baseDelayMs: 20, maxDelayMs: 200 } });
    worker = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: 4, itemsInFlight: 3, reconcileEveryMs: 0, log: () => {} });
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await sim?.close();
  });

  it('keeps at most that many items in flight across four held chunks and finishes every item', async () => {
    const tag = uniqueTag('slots');
    const names = await createSimEndpoints(tag, sim.url, { concurrency: 16 });
    const recipeVersionId = await createSimRecipe(tag, names);
    const corpusId = await createSampleCorpus(tag);
    const { runId, itemsTotal } = await createRun({ recipeVersionId, selection: { corpusIds: [corpusId] } }, null, { boss, chunkSize: 5 });
    expect(await waitForRun(runId, ['COMPLETED'], 60_000)).toBe('COMPLETED');

    // An item makes one call at a time, so calls in flight never exceed the items in flight.
    expect(sim.stats.snapshot().maxInFlight).toBeLessThanOrEqual(3);
    const counts = await stateCounts(runId);
    expect(counts.FAILED ?? 0).toBe(0);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(itemsTotal);
  }, 90_000);
});
