import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callLlm } from '@/lib/llm/call';
import { callLlmJson } from '@/lib/llm/json';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { testEndpointConfig, testDeps } from './test-server';

let simulator: SimulatorHandle | null = null;
afterEach(async () => {
  await simulator?.close();
  simulator = null;
});

describe('callLlm against the simulator with injected faults', () => {
  it('completes every call through 429s, 500s and dropped connections', async () => {
    simulator = await startSimulator({ faults: { rate429: 0.15, retryAfterSeconds: 0, rate500: 0.1, rateDrop: 0.1, faultSeed: 7 } });
    const { deps, recorder } = testDeps();
    const endpoint = testEndpointConfig(simulator.url, { model: 'sim-expert', retryBudgetMs: 60_000, limits: { concurrency: 6, rpm: null, tpm: null } });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => callLlm({ endpoint, messages: [{ role: 'user', content: `How do I stay safe online? (${i})` }] }, deps)),
    );
    expect(results.every((result) => result.text.length > 0)).toBe(true);
    expect(results.some((result) => result.attempts > 1)).toBe(true);
    expect(recorder.calls.filter((call) => call.ok)).toHaveLength(40);
  });

  it('gets a validated verdict from the judge model, repairing broken JSON when needed', async () => {
    simulator = await startSimulator({ faults: { rateMalformedJson: 0.5, faultSeed: 3 } });
    const { deps } = testDeps();
    const endpoint = testEndpointConfig(simulator.url, { model: 'sim-judge' });
    const schema = z.object({ verdict: z.enum(['pass', 'fail']), reason: z.string() });
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        callLlmJson({ endpoint, messages: [{ role: 'user', content: `Instruction: Explain how phishing emails trick people number ${i}\nAnswer as JSON.` }] }, schema, deps),
      ),
    );
    expect(outcomes.some((outcome) => outcome.ok && outcome.repaired)).toBe(true);
    for (const outcome of outcomes) {
      if (outcome.ok) expect(['pass', 'fail']).toContain(outcome.value.verdict);
      else expect(outcome.raw.length).toBeGreaterThan(0);
    }
  });
});
