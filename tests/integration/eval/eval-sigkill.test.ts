import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { loadEvalResults } from '@/lib/eval/results';
import { createEvalRun } from '@/lib/eval/runs';
import { startEvalWorker } from '@/lib/eval/worker';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService } from '@/lib/llm/service';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { uniqueTag } from '../pipeline/helpers';
import { createPromptSet, createSimEndpoint, evalRunInput, resultsByPromptAndStep, waitForEvalRun } from './helpers';

const PROMPTS = 120;

function startWorkerProcess(output: string[]): ChildProcess {
  // node itself, not npx: SIGKILL must hit the worker, not a wrapper that leaves it running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], { cwd: process.cwd(), env: { ...process.env, PIPELINE_JOBS: '4' }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

async function doneItems(evalRunId: string): Promise<number> {
  return db().evalItem.count({ where: { runId: evalRunId, state: { not: 'PENDING' } } });
}

describe('an evaluation whose worker is killed with SIGKILL', () => {
  let undisturbedSim: SimulatorHandle;
  let disturbedSim: SimulatorHandle;
  const children: ChildProcess[] = [];
  const output: string[] = [];

  beforeAll(async () => {
    // Two simulators: different URLs, so the two runs share no cache entries.
    undisturbedSim = await startSimulator({ faults: { latencyMs: 30 } });
    disturbedSim = await startSimulator({ faults: { latencyMs: 30 } });
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stopBoss();
    await undisturbedSim?.close();
    await disturbedSim?.close();
  });

  it('finishes after a restart with identical results, each step stored once', async () => {
    const tag = uniqueTag('evalkill');
    const { setId } = await createPromptSet(tag, PROMPTS);
    const boss = await getBoss();

    const service = createLlmService();
    const inProcess = await startEvalWorker({ boss, llm: service, concurrentChunks: 4, reconcileEveryMs: 0, log: () => {} });
    const undisturbed = await createEvalRun(evalRunInput(setId, await createSimEndpoint(`${tag}-a`, undisturbedSim.url, 4)), null, { boss, chunkSize: 10 });
    await waitForEvalRun(undisturbed.evalRunId, ['COMPLETED'], 120_000);
    await inProcess.stop();
    await service.close();
    const undisturbedRequests = undisturbedSim.stats.snapshot().totalRequests;

    const disturbedEndpointName = await createSimEndpoint(`${tag}-b`, disturbedSim.url, 4);
    const disturbedEndpointId = (await db().providerEndpoint.findUniqueOrThrow({ where: { name: disturbedEndpointName }, select: { id: true } })).id;
    const disturbed = await createEvalRun(evalRunInput(setId, disturbedEndpointName), null, { boss, chunkSize: 10 });
    const first = startWorkerProcess(output);
    children.push(first);
    const deadline = Date.now() + 90_000;
    while ((await doneItems(disturbed.evalRunId)) < PROMPTS * 0.3) {
      if (Date.now() > deadline) throw new Error(`no progress before the kill\n${output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Let the simulator read whatever the worker had already written to its sockets.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const atDeath = disturbedSim.stats.snapshot();
    // Calls a restart may pay again: still at the simulator, cut off by the kill (status 'none'),
    // or answered but not yet in the (batched) LLM cache.
    const cachedAtDeath = await db().llmCacheEntry.count({ where: { endpointId: disturbedEndpointId } });
    const inFlightAtDeath = atDeath.inFlight + (atDeath.byStatus.none ?? 0) + Math.max(0, (atDeath.byStatus['200'] ?? 0) - cachedAtDeath);
    const doneAtDeath = await doneItems(disturbed.evalRunId);
    expect(doneAtDeath).toBeLessThan(PROMPTS);

    const second = startWorkerProcess(output);
    children.push(second);
    try {
      await waitForEvalRun(disturbed.evalRunId, ['COMPLETED'], 150_000);
    } catch (error) {
      throw new Error(`${String(error)}\nworker output:\n${output.join('')}`);
    }
    second.kill('SIGTERM');

    // Identical results, step by step, and each step stored exactly once.
    const before = await resultsByPromptAndStep(undisturbed.evalRunId);
    const after = await resultsByPromptAndStep(disturbed.evalRunId);
    expect(after.size).toBe(PROMPTS * 6);
    expect(after).toEqual(before);
    const [a, b] = await Promise.all([loadEvalResults(undisturbed.evalRunId), loadEvalResults(disturbed.evalRunId)]);
    expect(b.summary.harmlessness).toEqual(a.summary.harmlessness);
    expect(b.summary.comparisons).toEqual(a.summary.comparisons);
    expect(b.summary.pairwise).toEqual(a.summary.pairwise);
    const disturbedRequests = disturbedSim.stats.snapshot().totalRequests;
    expect(disturbedRequests).toBeGreaterThanOrEqual(undisturbedRequests);
    const figures = JSON.stringify({ doneAtDeath, undisturbedRequests, disturbedRequests, inFlightAtDeath, cachedAtDeath, atDeath: atDeath.byStatus });
    console.log(`[eval sigkill] extra simulator requests ${disturbedRequests - undisturbedRequests}, in flight at death ${inFlightAtDeath}`, figures);
    // No completed call is paid twice: at most the calls in flight at the kill are sent again.
    expect(disturbedRequests - undisturbedRequests, figures).toBeLessThanOrEqual(inFlightAtDeath);
  }, 300_000);
});
