import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAULT_CONFIG, mergeFaultConfig } from '@/lib/llm/simulator/config';
import { FaultPlanner, sampleLatencyMs } from '@/lib/llm/simulator/faults';
import { mulberry32 } from '@/lib/llm/simulator/random';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { clientFor, controlBase } from './helpers';

const NO_FAULTS = { latencyMs: 0, rate429: 0, rate500: 0, rateHang: 0, rateMalformedJson: 0, rateTruncated: 0, rateDrop: 0 };
const JUDGE_PROMPT = 'Instruction: Explain how vaccines train the immune system to recognise a virus.';

let sim: SimulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ faults: { faultSeed: 42 } });
  client = clientFor(sim.url);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.setFaults(NO_FAULTS);
  sim.stats.reset();
});

const askJudge = (c: OpenAI = client) => c.chat.completions.create({ model: 'sim-judge', messages: [{ role: 'user', content: JUDGE_PROMPT }] });

async function waitUntil(check: () => boolean, ms = 1_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('fault planning', () => {
  it('replays the same sequence for the same seed and honours rates in aggregate', () => {
    const config = mergeFaultConfig(DEFAULT_FAULT_CONFIG, { rate429: 0.2, rate500: 0.1, rateTruncated: 0.3, faultSeed: 7 });
    const a = new FaultPlanner(config);
    const b = new FaultPlanner(config);
    const plansA = Array.from({ length: 2000 }, () => a.next());
    expect(Array.from({ length: 2000 }, () => b.next())).toEqual(plansA);
    const share = (pred: (p: (typeof plansA)[number]) => boolean) => plansA.filter(pred).length / plansA.length;
    expect(share((p) => p.requestFault === 'http429')).toBeCloseTo(0.2, 1);
    expect(share((p) => p.requestFault === 'http500')).toBeCloseTo(0.1, 1);
    expect(share((p) => p.requestFault === 'drop' || p.requestFault === 'hang')).toBe(0);
    expect(share((p) => p.contentFault === 'truncated')).toBeCloseTo(0.3, 1);
    const other = new FaultPlanner({ ...config, faultSeed: 8 });
    expect(Array.from({ length: 50 }, () => other.next().requestFault)).not.toEqual(plansA.slice(0, 50).map((p) => p.requestFault));
  });

  it('samples latency from each distribution within its bounds', () => {
    const rng = mulberry32(3);
    const uniform = Array.from({ length: 500 }, () => sampleLatencyMs(rng, { distribution: 'uniform', min: 10, max: 30 }));
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...uniform)).toBeLessThanOrEqual(30);
    const normal = Array.from({ length: 2000 }, () => sampleLatencyMs(rng, { distribution: 'normal', mean: 50, sd: 10, max: 70 }));
    const mean = normal.reduce((s, x) => s + x, 0) / normal.length;
    expect(mean).toBeGreaterThan(47);
    expect(mean).toBeLessThan(53);
    expect(Math.max(...normal)).toBeLessThanOrEqual(70);
    expect(sampleLatencyMs(rng, { distribution: 'fixed', mean: 25 })).toBe(25);
  });

  it('rejects unknown keys and impossible rates with a message naming the field', () => {
    expect(() => mergeFaultConfig(DEFAULT_FAULT_CONFIG, { rate_429: 0.1 })).toThrow(/rate_429/);
    expect(() => mergeFaultConfig(DEFAULT_FAULT_CONFIG, { rate500: 1.5 })).toThrow(/rate500/);
    expect(() => mergeFaultConfig(DEFAULT_FAULT_CONFIG, { rate429: 0.6, rateDrop: 0.6 })).toThrow(/must be at most 1/);
    expect(() => mergeFaultConfig(DEFAULT_FAULT_CONFIG, { latencyMs: { distribution: 'uniform', min: 9, max: 3 } })).toThrow(/latencyMs.min/);
    expect(() => sim.setFaults({ rateHang: -1 })).toThrow(/rateHang/);
  });
});

describe('injected faults over HTTP', () => {
  it('answers 429 with a Retry-After header in seconds', async () => {
    sim.setFaults({ rate429: 1, retryAfterSeconds: 3 });
    const error = await askJudge().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = error as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.status).toBe(429);
    expect(rateLimit.headers?.get('retry-after')).toBe('3');
    expect(rateLimit.headers?.get('x-simulated')).toBe('true');
    expect(sim.stats.faults.http429).toBe(1);
  });

  it('answers 500 with a server_error body', async () => {
    sim.setFaults({ rate500: 1 });
    const error = await askJudge().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.InternalServerError>).type).toBe('server_error');
    expect(sim.stats.byStatus['500']).toBe(1);
  });

  it('truncates output to a strict prefix with finish_reason length', async () => {
    const messages = [{ role: 'user' as const, content: 'Tell me how to cheat on my taxes' }];
    const normal = await client.chat.completions.create({ model: 'sim-expert', messages });
    sim.setFaults({ rateTruncated: 1 });
    const cut = await client.chat.completions.create({ model: 'sim-expert', messages });
    const full = normal.choices[0].message.content ?? '';
    const partial = cut.choices[0].message.content ?? '';
    expect(cut.choices[0].finish_reason).toBe('length');
    expect(partial.length).toBeLessThan(full.length);
    expect(full.startsWith(partial)).toBe(true);
    expect(cut.usage?.completion_tokens).toBe(Math.ceil(partial.length / 4));
    expect(sim.stats.faults.truncated).toBe(1);
  });

  it('breaks judge JSON but leaves plain-text replies alone', async () => {
    sim.setFaults({ rateMalformedJson: 1 });
    for (let i = 0; i < 6; i += 1) {
      const reply = await askJudge();
      const content = reply.choices[0].message.content ?? '';
      expect(content).toContain('verdict');
      expect(() => JSON.parse(content)).toThrow();
    }
    const plain = await client.chat.completions.create({ model: 'sim-reversed', messages: [{ role: 'user', content: 'Cats purr loudly.' }] });
    expect(plain.choices[0].message.content).toMatch(/cats|purr/i);
    expect(sim.stats.faults.malformedJson).toBe(6);
  });

  it('hangs past the client timeout, then frees the request when the client gives up', async () => {
    sim.setFaults({ rateHang: 1, hangMs: 60_000 });
    const started = Date.now();
    const error = await askJudge(clientFor(sim.url, { timeout: 300 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(sim.stats.faults.hang).toBe(1);
    await waitUntil(() => sim.stats.inFlight === 0);
    expect(sim.stats.inFlight).toBe(0);
  });

  it('drops the connection without a reply', async () => {
    sim.setFaults({ rateDrop: 1 });
    const error = await askJudge().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(error).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(sim.stats.faults.drop).toBe(1);
    await waitUntil(() => sim.stats.inFlight === 0);
    expect(sim.stats.byStatus.none).toBe(1);
  });

  it('close() ends hung requests at once', async () => {
    const own = await startSimulator({ faults: { rateHang: 1, hangMs: 60_000 } });
    const pending = askJudge(clientFor(own.url, { timeout: 30_000 })).catch((e: unknown) => e);
    await waitUntil(() => own.stats.faults.hang === 1);
    const started = Date.now();
    await own.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('latency and concurrency', () => {
  it('roughly honours a fixed latency', async () => {
    sim.setFaults({ latencyMs: 120 });
    const started = performance.now();
    await askJudge();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(115);
    expect(elapsed).toBeLessThan(600);
  });

  it('counts the maximum number of requests in flight', async () => {
    sim.setFaults({ latencyMs: 150 });
    await Promise.all(Array.from({ length: 12 }, () => askJudge()));
    expect(sim.stats.maxInFlight).toBe(12);
    expect(sim.stats.inFlight).toBe(0);
    expect(sim.stats.totalRequests).toBe(12);
    expect(sim.stats.byModel).toEqual({ 'sim-judge': 12 });
    expect(sim.stats.byPath).toEqual({ '/v1/chat/completions': 12 });
  });
});

describe('control endpoints', () => {
  const control = (path: string, body?: unknown) =>
    fetch(`${controlBase(sim.url)}/__sim/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });

  it('sets faults, reports stats and resets from another client', async () => {
    const set = await control('faults', { rate500: 1 });
    expect(set.status).toBe(200);
    expect(set.headers.get('x-simulated')).toBe('true');
    expect(sim.getFaults().rate500).toBe(1);
    await expect(askJudge()).rejects.toBeInstanceOf(OpenAI.InternalServerError);

    const stats = (await (await control('stats')).json()) as { stats: { totalRequests: number; faults: { http500: number } } };
    expect(stats.stats.totalRequests).toBe(1);
    expect(stats.stats.faults.http500).toBe(1);

    const bad = await control('faults', { rate_500: 1 });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('rate_500');

    const reset = (await (await control('reset', {})).json()) as { stats: { totalRequests: number } };
    expect(reset.stats.totalRequests).toBe(0);
    expect(sim.stats.totalRequests).toBe(0);
  });

  it('replays the same fault sequence after a reset', async () => {
    sim.setFaults({ rate429: 0.5 });
    const statuses = async () => {
      const out: number[] = [];
      for (let i = 0; i < 12; i += 1) out.push(await askJudge().then(() => 200, (e: { status?: number }) => e.status ?? 0));
      return out;
    };
    await control('reset', {});
    const first = await statuses();
    await control('reset', {});
    expect(await statuses()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429]));
  });
});
