import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { db } from '@/lib/db/client';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { finalStates } from '@/lib/pipeline/item-state';
import { pipelineModels } from '@/lib/pipeline/models';
import { getRunProgress } from '@/lib/pipeline/progress';
import { createRun } from '@/lib/pipeline/runs';
import { startPipelineWorker, type PipelineWorker } from '@/lib/pipeline/worker';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, stateCounts, uniqueTag, waitForRun } from './helpers';

describe('pipeline over the simulator with injected faults', () => {
  let sim: SimulatorHandle;
  let boss: PgBoss;
  let service: LlmService;
  let worker: PipelineWorker;

  beforeAll(async () => {
    sim = await startSimulator({
      faults: { latencyMs: 5, rate429: 0.1, retryAfterSeconds: 0, rate500: 0.05, rateMalformedJson: 0.05, rateHang: 0.02, hangMs: 5_000, faultSeed: 7 },
    });
    boss = await getBoss();
    service = createLlmService({ retryPolicy: { baseDelayMs: 20, maxDelayMs: 200 } });
    worker = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: 4, reconcileEveryMs: 2_000, log: () => {} });
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await sim?.close();
  });

  it('finishes every item with a reason, and the counts add up', async () => {
    const tag = uniqueTag('faults');
    const names = await createSimEndpoints(tag, sim.url, { concurrency: 16, timeoutMs: 1_000 });
    const recipeVersionId = await createSimRecipe(tag, names);
    const corpusId = await createSampleCorpus(tag);

    const { runId, itemsTotal } = await createRun({ recipeVersionId, selection: { corpusIds: [corpusId] } }, null, { boss, chunkSize: 10 });
    expect(itemsTotal).toBe(100);
    expect(await waitForRun(runId, ['COMPLETED'], 90_000)).toBe('COMPLETED');

    // The faults really happened.
    const faults = sim.stats.snapshot().faults;
    expect(faults.http429).toBeGreaterThan(0);
    expect(faults.http500).toBeGreaterThan(0);
    expect(faults.hang).toBeGreaterThan(0);
    expect(faults.malformedJson).toBeGreaterThan(0);

    // Every item is final, and a failed one says why.
    const items = await db().runItem.findMany({ where: { runId }, include: { results: true, pair: true } });
    expect(items).toHaveLength(100);
    for (const item of items) {
      expect(finalStates as readonly string[]).toContain(item.state);
      if (item.state === 'FAILED') {
        expect(item.failureCause).toMatch(/^[a-z_]+: ./);
        expect(item.failedStage).not.toBeNull();
      }
    }

    // Each state is explained by its stage results.
    const expectedStages: Record<string, string[]> = {
      INSTRUCTION_DROPPED: ['INDUCE', 'FILTER_INSTRUCTION'],
      PAIR_KEPT: ['INDUCE', 'FILTER_INSTRUCTION', 'GENERATE_RESPONSE', 'FILTER_RESPONSE'],
      PAIR_DROPPED: ['INDUCE', 'FILTER_INSTRUCTION', 'GENERATE_RESPONSE', 'FILTER_RESPONSE'],
    };
    for (const item of items) {
      const stages = item.results.map((result) => result.stage).sort();
      if (item.state === 'FAILED') {
        expect(item.results.find((result) => result.stage === item.failedStage)?.ok).toBe(false);
        continue;
      }
      expect(stages).toEqual([...expectedStages[item.state]].sort());
      for (const result of item.results) {
        expect(result.ok).toBe(true);
        expect(result.prompt.length).toBeGreaterThan(0);
        expect(result.startedAt.getTime()).toBeLessThanOrEqual(result.finishedAt.getTime());
        expect(result.tokensIn).toBeGreaterThan(0);
        expect(result.rawOutput).not.toBeNull();
      }
      const judged = item.results.filter((result) => result.stage === 'FILTER_INSTRUCTION' || result.stage === 'FILTER_RESPONSE');
      for (const result of judged) {
        expect(['PASS', 'FAIL', 'UNPARSEABLE']).toContain(result.verdict);
        expect(result.reason).toBeTruthy();
      }
      // A final item has its pair; rejected is the source text, chosen the expert answer.
      expect(item.pair).not.toBeNull();
      expect(item.pair?.origin).toBe('RUN');
      expect(item.pair?.status).toBe(item.state === 'PAIR_KEPT' ? 'KEPT' : 'DROPPED');
      expect(item.pair?.simulated).toBe(true);
      const generated = item.results.find((result) => result.stage === 'GENERATE_RESPONSE');
      expect(item.pair?.chosen ?? null).toBe(generated?.output ?? null);
    }

    // The counts add up: states sum to the total, the funnel narrows, the pairs match.
    const counts = await stateCounts(runId);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(100);
    const progress = await getRunProgress(runId);
    expect(progress?.itemsDone).toBe(100);
    const funnel = progress?.funnel.map((step) => step.count) ?? [];
    expect(funnel[0]).toBe(100);
    for (let i = 1; i < funnel.length; i += 1) expect(funnel[i]).toBeLessThanOrEqual(funnel[i - 1]);
    expect(funnel[4]).toBe(counts.PAIR_KEPT ?? 0);
    expect(funnel[1]).toBe(100 - (counts.PENDING ?? 0) - (progress?.failedByStage.induce ?? 0));
    expect(funnel[2] - (counts.PAIR_KEPT ?? 0) - (counts.PAIR_DROPPED ?? 0)).toBe(
      (progress?.failedByStage.generateResponse ?? 0) + (progress?.failedByStage.filterResponse ?? 0),
    );
    expect(await db().pair.count({ where: { runId } })).toBe((counts.INSTRUCTION_DROPPED ?? 0) + (counts.PAIR_KEPT ?? 0) + (counts.PAIR_DROPPED ?? 0));
    expect(progress?.errors.reduce((sum, group) => sum + group.count, 0)).toBe(counts.FAILED ?? 0);
    expect(counts.PAIR_KEPT ?? 0).toBeGreaterThan(40);
    expect(progress?.tokensIn).toBeGreaterThan(0);
    expect(progress?.costUsd).toBeGreaterThan(0);
  }, 120_000);
});
