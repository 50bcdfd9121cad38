import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PgBoss } from 'pg-boss';
import { db } from '@/lib/db/client';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { pipelineModels } from '@/lib/pipeline/models';
import { cancelRun, createRun, pauseRun, resumeRun, retryFailedItems } from '@/lib/pipeline/runs';
import { startPipelineWorker, type PipelineWorker } from '@/lib/pipeline/worker';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, finalItemCount, stateCounts, uniqueTag, waitForRun } from './helpers';

const actor = null;

async function stageResults(runId: string) {
  return db().stageResult.findMany({ where: { runItem: { runId } }, select: { id: true, runItemId: true, stage: true, finishedAt: true, ok: true } });
}

async function settle(runId: string): Promise<number> {
  // In-flight calls finish and are stored after a pause; wait until nothing changes for a while.
  let last = -1;
  for (;;) {
    const count = (await stageResults(runId)).length;
    if (count === last) return count;
    last = count;
    await new Promise((resolve) => setTimeout(resolve, 700));
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('run controls', () => {
  // Each test has its own simulator (its own URL), so no test is answered from another's cache.
  const sims: SimulatorHandle[] = [];
  let boss: PgBoss;
  let service: LlmService;
  let worker: PipelineWorker;
  let corpusId: string;

  beforeAll(async () => {
    boss = await getBoss();
    service = createLlmService({ endpointTtlMs: 0 });
    worker = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: 4, reconcileEveryMs: 0, controlRefreshMs: 100, log: () => {} });
    corpusId = await createSampleCorpus(uniqueTag('controls'));
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await Promise.all(sims.map((sim) => sim.close()));
  });

  async function startRun(tag: string, options: { concurrency?: number; budgetUsd?: number; size?: number } = {}) {
    const sim = await startSimulator({ faults: { latencyMs: 40 } });
    sims.push(sim);
    const names = await createSimEndpoints(tag, sim.url, { concurrency: options.concurrency ?? 2 });
    const recipeVersionId = await createSimRecipe(tag, names);
    const run = await createRun(
      { recipeVersionId, selection: { corpusIds: [corpusId], limit: { kind: 'first', count: options.size ?? 40 } }, budgetUsd: options.budgetUsd ?? null },
      actor,
      { boss, chunkSize: 5 },
    );
    return { ...run, names, sim };
  }

  it('pauses (no new stage starts), resumes and completes with each stage stored once', async () => {
    const { runId, itemsTotal } = await startRun(uniqueTag('pause'));
    await waitFor(async () => (await finalItemCount(runId)) >= 5, 'a few finished items');
    await pauseRun(runId, actor);
    const settled = await settle(runId);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await stageResults(runId)).length).toBe(settled);
    expect(await finalItemCount(runId)).toBeLessThan(itemsTotal);
    expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).status).toBe('PAUSED');
    await expect(pauseRun(runId, actor)).rejects.toThrow(/paused; it cannot be paused/);

    await resumeRun(runId, {}, actor, boss);
    expect(await waitForRun(runId, ['COMPLETED'], 60_000)).toBe('COMPLETED');
    const results = await stageResults(runId);
    expect(new Set(results.map((result) => `${result.runItemId}:${result.stage}`)).size).toBe(results.length);
    expect(await finalItemCount(runId)).toBe(itemsTotal);
  });

  it('cancels: in-flight work stops and nothing more is stored', async () => {
    const { runId, itemsTotal } = await startRun(uniqueTag('cancel'));
    await waitFor(async () => (await finalItemCount(runId)) >= 3, 'a few finished items');
    await cancelRun(runId, actor);
    const settled = await settle(runId);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect((await stageResults(runId)).length).toBe(settled);
    const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.status).toBe('CANCELLED');
    expect(run.finishedAt).not.toBeNull();
    expect(await finalItemCount(runId)).toBeLessThan(itemsTotal);
    await expect(resumeRun(runId, {}, actor, boss)).rejects.toThrow(/cancelled/);
  });

  it('pauses itself when the budget is spent, and resumes only with a higher budget', async () => {
    const { runId, itemsTotal } = await startRun(uniqueTag('budget'), { budgetUsd: 0.002, concurrency: 4 });
    expect(await waitForRun(runId, ['PAUSED'], 60_000)).toBe('PAUSED');
    const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.pauseReason).toMatch(/^Budget reached: \$0\.00\d+ spent of \$0\.00/);
    await settle(runId);
    const spent = (await db().stageResult.aggregate({ where: { runItem: { runId } }, _sum: { costUsd: true } }))._sum.costUsd ?? 0;
    expect(spent).toBeGreaterThanOrEqual(0.002);
    expect(await finalItemCount(runId)).toBeLessThan(itemsTotal);
    await expect(resumeRun(runId, {}, actor, boss)).rejects.toThrow(/Budget reached/);

    await resumeRun(runId, { budgetUsd: null }, actor, boss);
    expect(await waitForRun(runId, ['COMPLETED'], 60_000)).toBe('COMPLETED');
    expect(await finalItemCount(runId)).toBe(itemsTotal);
  });

  it('retries only the failed items, from the stage that failed', async () => {
    const tag = uniqueTag('retry');
    const { runId, names, sim } = await startRun(tag, { size: 20, concurrency: 4 });
    // Break the expert: every item that gets that far fails with a non-retryable 404.
    await db().providerEndpoint.update({ where: { name: names.expert }, data: { model: 'no-such-model' } });
    expect(await waitForRun(runId, ['COMPLETED'], 60_000)).toBe('COMPLETED');
    const before = await stateCounts(runId);
    const failedItems = await db().runItem.findMany({ where: { runId, state: 'FAILED' }, select: { id: true, failedStage: true, failureCause: true } });
    // (The endpoint may have been changed after the first few items were answered.)
    expect(failedItems.length).toBeGreaterThan(0);
    for (const item of failedItems) {
      expect(item.failedStage).toBe('GENERATE_RESPONSE');
      expect(item.failureCause).toMatch(/^not_found: /);
    }
    const resultsBefore = await stageResults(runId);
    const untouched = resultsBefore.filter((result) => !failedItems.some((item) => item.id === result.runItemId) || result.stage === 'INDUCE' || result.stage === 'FILTER_INSTRUCTION');

    await db().providerEndpoint.update({ where: { name: names.expert }, data: { model: 'sim-expert' } });
    const requestsBefore = sim.stats.snapshot().totalRequests;
    expect(await retryFailedItems(runId, actor, boss)).toBe(failedItems.length);
    expect(await waitForRun(runId, ['COMPLETED'], 60_000)).toBe('COMPLETED');

    const after = await stateCounts(runId);
    expect(after.FAILED ?? 0).toBe(0);
    expect(after.INSTRUCTION_DROPPED ?? 0).toBe(before.INSTRUCTION_DROPPED ?? 0);
    expect((after.PAIR_KEPT ?? 0) + (after.PAIR_DROPPED ?? 0)).toBe((before.PAIR_KEPT ?? 0) + (before.PAIR_DROPPED ?? 0) + failedItems.length);
    // Stages that had succeeded were not run again: same rows, same finish times.
    const resultsAfter = new Map((await stageResults(runId)).map((result) => [result.id, result]));
    for (const result of untouched) expect(resultsAfter.get(result.id)?.finishedAt).toEqual(result.finishedAt);
    // Only the failed items' two remaining stages called the model.
    expect(sim.stats.snapshot().totalRequests - requestsBefore).toBe(failedItems.length * 2);
    await expect(retryFailedItems(runId, actor, boss)).rejects.toThrow(/No items failed/);
  });
});
