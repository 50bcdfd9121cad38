import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { pipelineModels } from '@/lib/pipeline/models';
import { createRun } from '@/lib/pipeline/runs';
import { startPipelineWorker } from '@/lib/pipeline/worker';
import { createSampleCorpus, createSimEndpoints, createSimRecipe, finalItemCount, stateCounts, uniqueTag, waitForRun } from './helpers';

const LATENCY_MS = 40;
const CONCURRENCY = 4;

function startWorkerProcess(output: string[]): ChildProcess {
  // node itself, not npx: SIGKILL must hit the worker, not a wrapper that leaves it running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, PIPELINE_JOBS: '4' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Per source text: the final state and the induced instruction, to compare two runs item by item. */
async function outcomesBySource(runId: string): Promise<Map<string, string>> {
  const items = await db().runItem.findMany({ where: { runId }, include: { pair: { select: { instruction: true, status: true } } } });
  return new Map(items.map((item) => [`${item.sourceTextId}:${item.variant}`, `${item.state}|${item.pair?.status ?? ''}|${item.pair?.instruction ?? ''}`]));
}

async function stageResultCount(runId: string): Promise<number> {
  return db().stageResult.count({ where: { runItem: { runId } } });
}

describe('a worker killed with SIGKILL in the middle of a run', () => {
  let undisturbedSim: SimulatorHandle;
  let disturbedSim: SimulatorHandle;
  const children: ChildProcess[] = [];
  const output: string[] = [];

  beforeAll(async () => {
    // Two simulators: their URLs differ, so the two runs share no cache entries.
    undisturbedSim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
    disturbedSim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stopBoss();
    await undisturbedSim?.close();
    await disturbedSim?.close();
  });

  it('finishes after a restart with the same results and pays only for the calls in flight', async () => {
    const tag = uniqueTag('sigkill');
    const corpusId = await createSampleCorpus(tag);
    const selection = { corpusIds: [corpusId], limit: { kind: 'sample' as const, size: 80, seed: 'kill-test' } };
    const boss = await getBoss();

    // 1. The undisturbed run, worked on by a worker in this process.
    const undisturbedRecipe = await createSimRecipe(`${tag}-a`, await createSimEndpoints(`${tag}-a`, undisturbedSim.url, { concurrency: CONCURRENCY }));
    const service = createLlmService();
    const inProcess = await startPipelineWorker({ boss, models: pipelineModels(service), concurrentChunks: 4, reconcileEveryMs: 0, log: () => {} });
    const undisturbed = await createRun({ recipeVersionId: undisturbedRecipe, selection }, null, { boss, chunkSize: 10 });
    await waitForRun(undisturbed.runId, ['COMPLETED'], 60_000);
    await inProcess.stop();
    await service.close();
    const undisturbedRequests = undisturbedSim.stats.snapshot().totalRequests;

    // 2. The same selection and recipe against the second simulator, worked on by a worker process.
    const disturbedEndpoints = await createSimEndpoints(`${tag}-b`, disturbedSim.url, { concurrency: CONCURRENCY });
    const disturbedRecipe = await createSimRecipe(`${tag}-b`, disturbedEndpoints);
    // Only this run's cache entries: the table is shared with every other test file.
    const disturbedEndpointIds = (await db().providerEndpoint.findMany({ where: { name: { in: Object.values(disturbedEndpoints) } }, select: { id: true } })).map((endpoint) => endpoint.id);
    const disturbedCacheEntries = { endpointId: { in: disturbedEndpointIds } };
    const cacheBefore = await db().llmCacheEntry.count({ where: disturbedCacheEntries });
    const disturbed = await createRun({ recipeVersionId: disturbedRecipe, selection }, null, { boss, chunkSize: 10 });
    expect(disturbed.itemsTotal).toBe(undisturbed.itemsTotal);
    const first = startWorkerProcess(output);
    children.push(first);
    await waitUntil(async () => (await finalItemCount(disturbed.runId)) >= disturbed.itemsTotal * 0.3, 60_000, 'a third of the items');

    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Let the simulator read whatever the worker had already written to its sockets.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const atDeath = disturbedSim.stats.snapshot();
    const finalAtDeath = await finalItemCount(disturbed.runId);
    // Calls the dead worker had sent and not durably cached: still at the simulator, or answered
    // but not yet in LlmCacheEntry. These are the only calls a restart may pay for again.
    // A request whose connection the kill closed before the answer was sent is counted by the
    // simulator with status 'none' (no longer "in flight"): it was in flight at death too.
    const answeredAtDeath = atDeath.byStatus['200'] ?? 0;
    const droppedByKill = atDeath.byStatus.none ?? 0;
    const cachedAtDeath = (await db().llmCacheEntry.count({ where: disturbedCacheEntries })) - cacheBefore;
    const inFlightAtDeath = atDeath.inFlight + droppedByKill + Math.max(0, answeredAtDeath - cachedAtDeath);
    expect(finalAtDeath).toBeGreaterThan(0);
    expect(finalAtDeath).toBeLessThan(disturbed.itemsTotal);

    const second = startWorkerProcess(output);
    children.push(second);
    try {
      await waitForRun(disturbed.runId, ['COMPLETED'], 120_000);
    } catch (error) {
      throw new Error(`${String(error)}\nworker output:\n${output.join('')}`);
    }
    second.kill('SIGTERM');

    // Same outcome, item by item, as the undisturbed run.
    expect(await stateCounts(disturbed.runId)).toEqual(await stateCounts(undisturbed.runId));
    expect(await outcomesBySource(disturbed.runId)).toEqual(await outcomesBySource(undisturbed.runId));
    // No stage was done twice: one result per item and stage, as many as undisturbed.
    expect(await stageResultCount(disturbed.runId)).toBe(await stageResultCount(undisturbed.runId));
    expect(await db().pair.count({ where: { runId: disturbed.runId } })).toBe(await db().pair.count({ where: { runId: undisturbed.runId } }));

    // Model calls paid: at most the ones in flight at the kill more than the undisturbed run.
    const disturbedRequests = disturbedSim.stats.snapshot().totalRequests;
    expect(disturbedRequests).toBeGreaterThanOrEqual(undisturbedRequests);
    const figures = JSON.stringify({ undisturbedRequests, disturbedRequests, inFlightAtDeath, droppedByKill, answeredAtDeath, cachedAtDeath });
    console.log(`[sigkill] extra simulator requests ${disturbedRequests - undisturbedRequests}, in flight at death ${inFlightAtDeath}`, figures);
    expect(disturbedRequests - undisturbedRequests, figures).toBeLessThanOrEqual(inFlightAtDeath);
  }, 240_000);
});
