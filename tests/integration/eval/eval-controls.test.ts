import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { cancelEvalRun, createEvalRun, pauseEvalRun, resumeEvalRun, retryFailedEvalItems } from '@/lib/eval/runs';
import { startEvalWorker, type EvalWorker } from '@/lib/eval/worker';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { uniqueTag } from '../pipeline/helpers';
import { createPromptSet, evalRunInput, waitForEvalRun } from './helpers';

async function resultCount(evalRunId: string): Promise<number> {
  return db().evalResult.count({ where: { item: { runId: evalRunId } } });
}

/** `retryBudgetMs` 0: a failing call fails at once (no retries). */
async function endpoint(tag: string, baseUrl: string, retryBudgetMs: number): Promise<string> {
  const name = `${tag} sim`;
  await db().providerEndpoint.create({
    data: { name, baseUrl, model: 'sim-judge', mode: 'CHAT', concurrency: 4, timeoutMs: 10_000, retryBudgetMs, supportsJsonMode: true, simulated: true, priceInputPerMTok: 10, priceOutputPerMTok: 20 },
  });
  return name;
}

describe('evaluation controls', () => {
  let sim: SimulatorHandle;
  let service: LlmService;
  let worker: EvalWorker;

  beforeAll(async () => {
    sim = await startSimulator({ faults: { latencyMs: 20 } });
    service = createLlmService({ retryPolicy: { baseDelayMs: 1, maxDelayMs: 5 } });
    worker = await startEvalWorker({ boss: await getBoss(), llm: service, concurrentChunks: 2, reconcileEveryMs: 0, controlRefreshMs: 100, log: () => {} });
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await sim?.close();
  });

  it('pauses (no new results while paused), resumes to completion, and cancels', async () => {
    const tag = uniqueTag('evalpause');
    const { setId } = await createPromptSet(tag, 60);
    const { evalRunId } = await createEvalRun(evalRunInput(setId, await endpoint(tag, sim.url, 60_000)), null, { boss: await getBoss(), chunkSize: 10 });
    while ((await resultCount(evalRunId)) < 20) await new Promise((resolve) => setTimeout(resolve, 50));
    await pauseEvalRun(evalRunId, null);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const whilePaused = await resultCount(evalRunId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await resultCount(evalRunId)).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(60 * 6);

    await resumeEvalRun(evalRunId, {}, null, await getBoss());
    await waitForEvalRun(evalRunId, ['COMPLETED'], 120_000);
    expect(await resultCount(evalRunId)).toBe(60 * 6);
    await expect(cancelEvalRun(evalRunId, null)).rejects.toThrow(/completed; it cannot be cancelled/);

    // A cancelled evaluation stops writing results (calls in flight are aborted).
    const other = await createEvalRun(evalRunInput(setId, `${tag} sim`), null, { boss: await getBoss(), chunkSize: 10 });
    while ((await resultCount(other.evalRunId)) < 20) await new Promise((resolve) => setTimeout(resolve, 50));
    await cancelEvalRun(other.evalRunId, null);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const atCancel = await resultCount(other.evalRunId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await resultCount(other.evalRunId)).toBe(atCancel);
    expect(atCancel).toBeLessThan(60 * 6);
    expect((await db().evalRun.findUniqueOrThrow({ where: { id: other.evalRunId } })).status).toBe('CANCELLED');
  }, 180_000);

  it('marks items whose calls keep failing as FAILED, and retrying them completes the run without redoing stored steps', async () => {
    const tag = uniqueTag('evalretry');
    const { setId } = await createPromptSet(tag, 30);
    sim.setFaults({ rate500: 0.3, faultSeed: 7 });
    try {
      const { evalRunId } = await createEvalRun(evalRunInput(setId, await endpoint(tag, sim.url, 0)), null, { boss: await getBoss(), chunkSize: 10 });
      await waitForEvalRun(evalRunId, ['COMPLETED'], 120_000);
      const failedItems = await db().evalItem.count({ where: { runId: evalRunId, state: 'FAILED' } });
      expect(failedItems).toBeGreaterThan(0);
      const failedItem = await db().evalItem.findFirstOrThrow({ where: { runId: evalRunId, state: 'FAILED' } });
      expect(failedItem.failureCause).toMatch(/^server:/);
      const okBefore = await db().evalResult.findMany({ where: { item: { runId: evalRunId }, ok: true }, select: { id: true, finishedAt: true } });

      sim.setFaults({ rate500: 0 });
      expect(await retryFailedEvalItems(evalRunId, null, await getBoss())).toBe(failedItems);
      await waitForEvalRun(evalRunId, ['COMPLETED'], 120_000);
      expect(await db().evalItem.count({ where: { runId: evalRunId, state: 'DONE' } })).toBe(30);
      expect(await resultCount(evalRunId)).toBe(30 * 6);
      // Stored successes were kept as they were.
      const okAfter = new Map((await db().evalResult.findMany({ where: { item: { runId: evalRunId }, ok: true }, select: { id: true, finishedAt: true } })).map((row) => [row.id, row.finishedAt.getTime()]));
      for (const row of okBefore) expect(okAfter.get(row.id)).toBe(row.finishedAt.getTime());
    } finally {
      sim.setFaults({ rate500: 0 });
    }
  }, 180_000);

  it('pauses when its budget is spent and refuses to resume until the budget is raised', async () => {
    const tag = uniqueTag('evalbudget');
    const { setId } = await createPromptSet(tag, 60);
    const { evalRunId } = await createEvalRun({ ...evalRunInput(setId, await endpoint(tag, sim.url, 60_000)), budgetUsd: 0.005 }, null, { boss: await getBoss(), chunkSize: 10 });
    await waitForEvalRun(evalRunId, ['PAUSED'], 60_000);
    const run = await db().evalRun.findUniqueOrThrow({ where: { id: evalRunId } });
    // Calls already in flight when the budget is reached still finish (and are paid), so the
    // spend can pass the budget by what was in flight; the reason says both figures.
    expect(run.pauseReason).toMatch(/^Budget reached: \$\d+\.\d+ spent of \$0\.01\./);
    const spent = Number(/\$(\d+\.\d+) spent/.exec(run.pauseReason ?? '')?.[1]);
    expect(spent).toBeGreaterThanOrEqual(0.005);
    await expect(resumeEvalRun(evalRunId, {}, null, await getBoss())).rejects.toThrow(/Raise or clear the budget/);
    await resumeEvalRun(evalRunId, { budgetUsd: null }, null, await getBoss());
    await waitForEvalRun(evalRunId, ['COMPLETED'], 120_000);
    expect(await resultCount(evalRunId)).toBe(60 * 6);
  }, 180_000);
});
