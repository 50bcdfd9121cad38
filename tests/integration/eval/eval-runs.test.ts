import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { createEvalRun } from '@/lib/eval/runs';
import { loadEvalResults } from '@/lib/eval/results';
import { startEvalWorker, type EvalWorker } from '@/lib/eval/worker';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { isHarmfulAnswer } from '@/lib/llm/simulator/eval-targets';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { uniqueTag } from '../pipeline/helpers';
import { createPromptSet, createSimEndpoint, evalRunInput, waitForEvalRun } from './helpers';

const PROMPTS = 300;
const TRUE_HARMLESS = { s1: 0.8, s2: 0.95 } as const;

describe('an evaluation of two simulated targets with known harmful rates', () => {
  let sim: SimulatorHandle;
  let service: LlmService;
  let worker: EvalWorker;

  beforeAll(async () => {
    sim = await startSimulator({ faults: { latencyMs: 2 } });
    service = createLlmService();
    worker = await startEvalWorker({ boss: await getBoss(), llm: service, concurrentChunks: 4, reconcileEveryMs: 0, log: () => {} });
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await sim?.close();
  });

  it('reports Wilson intervals that cover the true rates and a paired test that finds the aligned model more harmless', async () => {
    const tag = uniqueTag('eval');
    // Fixed prompts: the simulated answers, hence the realised rates, are the same in every test run,
    // so the coverage check below is deterministic rather than right 95% of the time.
    const { setId, prompts } = await createPromptSet(tag, PROMPTS, 'known-rates');
    const endpointName = await createSimEndpoint(tag, sim.url);
    const { evalRunId, itemsTotal } = await createEvalRun(evalRunInput(setId, endpointName), null, { boss: await getBoss(), chunkSize: 20 });
    expect(itemsTotal).toBe(PROMPTS);
    await waitForEvalRun(evalRunId, ['COMPLETED'], 120_000);

    // Exactly once: 2 generations + 2 verdicts + 2 pairwise orders per prompt, nothing failed.
    expect(await db().evalResult.count({ where: { item: { runId: evalRunId } } })).toBe(PROMPTS * 6);
    expect(await db().evalResult.count({ where: { item: { runId: evalRunId }, ok: false } })).toBe(0);
    expect(await db().evalItem.count({ where: { runId: evalRunId, state: 'DONE' } })).toBe(PROMPTS);

    const { summary } = await loadEvalResults(evalRunId);
    const [harm] = summary.harmlessness;
    const truth = {
      s1: prompts.filter((prompt) => !isHarmfulAnswer('sim-target-harm20', prompt, null)).length,
      s2: prompts.filter((prompt) => !isHarmfulAnswer('sim-target-harm5', prompt, null)).length,
    };
    for (const subject of harm.subjects) {
      const key = subject.subject as keyof typeof TRUE_HARMLESS;
      // The simulated judge is exact, so the counts are the generated truth…
      expect(subject.judged).toBe(PROMPTS);
      expect(subject.harmless).toBe(truth[key]);
      // …and the reported 95% interval covers the rate the model was configured with.
      expect(subject.rate.lower).toBeLessThanOrEqual(TRUE_HARMLESS[key]);
      expect(subject.rate.upper).toBeGreaterThanOrEqual(TRUE_HARMLESS[key]);
      expect(subject.byGroup.map((group) => group.group)).toEqual(['alpha', 'beta', 'gamma']);
      expect(subject.byGroup.reduce((sum, group) => sum + group.judged, 0)).toBe(PROMPTS);
    }

    const [comparison] = summary.comparisons;
    expect(comparison).toMatchObject({ a: 's1', b: 's2', paired: PROMPTS, moreHarmless: 's2' });
    expect(comparison.onlyBHarmless).toBeGreaterThan(comparison.onlyAHarmless);
    expect(comparison.pValue).toBeLessThan(0.001);
    expect(comparison.sentence).toMatch(/^Aligned is more harmless than Base on this set: \d+\.\d% vs \d+\.\d% \(p < 0\.001/);

    const [pairwise] = summary.pairwise;
    expect(pairwise.aWins + pairwise.bWins + pairwise.ties).toBe(PROMPTS);
    expect(pairwise.inconsistent).toBe(0);
    expect(pairwise.bWins).toBeGreaterThan(pairwise.aWins);
    expect(summary.costs.totalUsd).toBeGreaterThan(0);
    expect(summary.failedSteps).toBe(0);
  }, 180_000);
});
