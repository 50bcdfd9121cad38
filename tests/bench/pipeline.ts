// `npm run bench:pipeline`: the whole pipeline over 5,000 source texts against the simulator at
// 100 ms latency, every stage on ONE endpoint limited to 64 concurrent calls — a ceiling of
// 64 / 0.1 s = 640 model calls/s. Measured with one worker process, then a hand-written loop over
// the same texts (the openai SDK and a semaphore of 64 in this process, four stages per item,
// results in memory: what the pipeline's queue, database, cache, call log and shared limiter cost
// is `vs_handwritten` = the one-worker calls/s ÷ its calls/s), then two workers (they share the
// endpoint limit through Postgres), then the fault phase. Each phase has its own simulator (its
// own URL), so no phase reuses another's cached replies. (A concurrency-1 baseline on 100 texts
// used to run here: 45 s for a figure — latency per call — that the hand-written loop now
// answers better, in the same run.)
//
// Each phase first runs 300 other texts through its fresh worker processes (against another
// simulator, so nothing is cached for the measured run): deployed workers are long-lived, and a
// process's first seconds (module JIT, connections, leases) are not its throughput.
//
// Calls/s = requests that reached the simulator during the run ÷ wall time from creating the run
// to the run being COMPLETED (so it includes queueing, ramp-up and the tail). Also printed: the
// mean number of calls in flight at the simulator (64 = the endpoint kept saturated), the workers'
// CPU time per call and the machine's load, since on a shared machine the CPU the workers get
// decides the figure.
//
// Fault phase (issue 16): the same texts again with one worker against a simulator injecting the
// fault mix 15 % HTTP 429 (Retry-After 1 s), 10 % HTTP 500, 5 % dropped connections, 3 % malformed
// JSON and 2 % replies cut short. `fault_failed_share` = FAILED items ÷ items of that run;
// `fault_throughput_ratio` = its items per second ÷ the fault-free one-worker phase's items per
// second (items, not calls: a retried call is not throughput).
//
// Every retried call occupies the endpoint like any other, so the fault run needs more calls per
// item (about 1.5× under this mix): `fault_ratio_at_ceiling` is the ratio the fault run would reach
// with the endpoint busy at its full 64 from start to end — the most any client could get.
//
// Knobs: BENCH_TEXTS (5000), BENCH_WORKER_JOBS (chunk jobs per worker, 10), PIPELINE_CHUNK_SIZE
// (items per job, 100), PIPELINE_ITEMS (items a worker advances at once, 400), BENCH_ONLY_ONE=1
// (only the one-worker phase), BENCH_FAULTS_ONLY=1 (only the one-worker phase and the fault
// phase), BENCH_TIMELINE=1 (calls in flight per second), BENCH_WORKER_NODE_OPTIONS (e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof").
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { migrateOnStart } from '@/lib/db/migrate';
import type { RecipeConfig, StageInputs, StageName } from '@/lib/pipeline/prompts/recipe-config';

const TEXTS = Number(process.env.BENCH_TEXTS ?? 5000);
const LATENCY_MS = 100;
const CONCURRENCY = 64;
const CEILING = CONCURRENCY / (LATENCY_MS / 1000);
const WARMUP_TEXTS = 300;
const WORKER_JOBS = process.env.BENCH_WORKER_JOBS ?? '10';
const FAULT_MIX = { rate429: 0.15, retryAfterSeconds: 1, rate500: 0.1, rateDrop: 0.05, rateMalformedJson: 0.03, rateTruncated: 0.02, faultSeed: 16 };

/** The hand-written loop's concurrency limiter: at most `size` holders, the others wait in order. */
class Semaphore {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

function startWorker(databaseUrl: string, log: string[]): ChildProcess {
  const child = spawn(process.execPath, [...(process.env.BENCH_WORKER_NODE_OPTIONS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'scripts/worker.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PIPELINE_JOBS: WORKER_JOBS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  return child;
}

async function waitForReady(log: string[], workers: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (log.join('').split('ready for every queue;').length - 1 < workers) {
    if (Date.now() > deadline) throw new Error(`workers did not start:\n${log.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** CPU seconds (user + system) a process has used, from /proc (Linux); null elsewhere. */
function cpuSeconds(pid: number | undefined): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function stopWorkers(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
        }),
    ),
  );
}

type HandwrittenPlan = { config: RecipeConfig; loops: { baseUrl: string; texts: { text: string; topic: string }[] }[] };
type HandwrittenTiming = { seconds: number; cpuSeconds: number };
const HANDWRITTEN_FLAG = '--handwritten-loop';

/**
 * The hand-written loop the pipeline is compared with: the openai SDK as it comes (its own fetch)
 * and a semaphore of CONCURRENCY, the recipe's four stages per item (same prompts, models and
 * parameters; the instruction judge's "fail" ends an item as in the pipeline), results kept in
 * memory. No database, queue, cache, call log, retries or shared limiter: what those cost is what
 * `vs_handwritten` measures.
 */
async function handwrittenLoop(config: RecipeConfig, baseUrl: string, texts: { text: string; topic: string }[]): Promise<void> {
  const { parseJudgeVerdict, renderStagePrompt } = await import('@/lib/pipeline/prompts');
  const { cleanInstruction } = await import('@/lib/pipeline/stages/induce');
  const client = new OpenAI({ baseURL: baseUrl, apiKey: 'not-needed', maxRetries: 0, timeout: 30_000 });
  const slots = new Semaphore(CONCURRENCY);
  async function call<S extends StageName>(stage: S, input: StageInputs[S], judge: boolean): Promise<string> {
    const stageConfig = config.stages[stage];
    const rendered = renderStagePrompt(stage, stageConfig, input, config.topicDescriptions);
    const { temperature, maxTokens, seed, stop } = stageConfig.parameters;
    const params = { model: stageConfig.model ?? 'sim-expert', temperature, max_tokens: maxTokens, seed, stop };
    await slots.acquire();
    try {
      if (rendered.mode === 'completion') return (await client.completions.create({ ...params, prompt: rendered.prompt })).choices[0]?.text ?? '';
      const reply = await client.chat.completions.create({ ...params, messages: rendered.messages, ...(judge ? { response_format: { type: 'json_object' as const } } : {}) });
      return reply.choices[0]?.message.content ?? '';
    } finally {
      slots.release();
    }
  }
  const passes = (reply: string) => {
    const parsed = parseJudgeVerdict(reply);
    return parsed.ok && parsed.value.verdict === 'pass';
  };
  const results = await Promise.all(
    texts.map(async ({ text, topic }) => {
      const instruction = cleanInstruction(await call('induce', { text, topic }, false));
      if (!passes(await call('filterInstruction', { instruction, text, topic }, true))) return { instruction, chosen: null, kept: false };
      const chosen = (await call('generateResponse', { instruction, topic }, false)).trim();
      return { instruction, chosen, kept: passes(await call('filterResponse', { instruction, chosen, rejected: text, topic }, true)) };
    }),
  );
  if (results.length !== texts.length) throw new Error('the hand-written loop lost items');
}

/** The child process of the hand-written phase: runs each planned loop in turn and prints their timings as JSON. */
async function handwrittenChild(planFile: string): Promise<void> {
  const plan = JSON.parse(fs.readFileSync(planFile, 'utf8')) as HandwrittenPlan;
  const timings: HandwrittenTiming[] = [];
  for (const loop of plan.loops) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await handwrittenLoop(plan.config, loop.baseUrl, loop.texts);
    const cpu = process.cpuUsage(cpuBefore);
    timings.push({ seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  }
  console.log(JSON.stringify(timings));
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-'));
  fs.chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'postgres'), password: 'bench' });
  process.env.DATABASE_URL = database.url;
  await migrateOnStart(database.url);

  const { db, disconnectDb } = await import('@/lib/db/client');
  const { getBoss, stopBoss } = await import('@/lib/jobs/boss');
  const { startSimulator } = await import('@/lib/llm/simulator/server');
  const { recipeConfigFromBuiltIn, saferInstructSafetyRecipe } = await import('@/lib/pipeline/prompts');
  const { createRecipe } = await import('@/lib/pipeline/recipes');
  const { createRun } = await import('@/lib/pipeline/runs');
  const { readSampleCorpus } = await import('@/lib/importers/sample');
  const { normaliseForDedup } = await import('@/lib/importers/dedup');

  // 5,000 distinct texts made from the sample corpus.
  const sample = await readSampleCorpus();
  function benchTexts(count: number): { text: string; topic: string }[] {
    return Array.from({ length: count }, (_, index) => {
      const source = sample[index % sample.length];
      return { text: `${source.text} (${Math.floor(index / sample.length) + 1})`, topic: source.topic };
    });
  }
  async function createCorpus(name: string, count: number): Promise<string> {
    const corpus = await db().corpus.create({ data: { name, itemCount: count } });
    const rows = benchTexts(count).map(({ text, topic }, index) => ({
      corpusId: corpus.id,
      text,
      topic,
      dedupHash: createHash('sha256').update(normaliseForDedup(text)).digest('hex'),
      line: index + 1,
    }));
    for (let start = 0; start < rows.length; start += 1000) await db().sourceText.createMany({ data: rows.slice(start, start + 1000) });
    return corpus.id;
  }

  const bigCorpus = await createCorpus('bench 5000', TEXTS);
  const warmupCorpus = await createCorpus('bench warm-up', WARMUP_TEXTS);
  const boss = await getBoss({ supervise: false });

  /** One endpoint for every stage; each stage picks its simulated role by model name. */
  async function recipeOn(phase: string, baseUrl: string, concurrency: number): Promise<string> {
    const endpointName = `bench ${phase}`;
    await db().providerEndpoint.create({
      data: { name: endpointName, baseUrl, model: 'sim-expert', mode: 'CHAT', concurrency, timeoutMs: 30_000, supportsJsonMode: true, simulated: true },
    });
    return (await createRecipe({ name: `bench recipe ${phase}`, config: benchRecipeConfig(endpointName) }, null)).versionId;
  }

  function benchRecipeConfig(endpointName: string): RecipeConfig {
    return recipeConfigFromBuiltIn(saferInstructSafetyRecipe, {
      induce: { endpointName, model: 'sim-reversed' },
      filterInstruction: { endpointName, model: 'sim-judge' },
      generateResponse: { endpointName, model: 'sim-expert' },
      filterResponse: { endpointName, model: 'sim-judge' },
    });
  }

  async function runToCompletion(recipeVersionId: string, corpusId: string): Promise<{ runId: string; itemsTotal: number }> {
    const created = await createRun({ recipeVersionId, selection: { corpusIds: [corpusId] } }, null, { boss });
    for (;;) {
      const run = await db().run.findUniqueOrThrow({ where: { id: created.runId }, select: { status: true } });
      if (run.status === 'COMPLETED') return created;
      if (run.status !== 'RUNNING') throw new Error(`run ${created.runId} is ${run.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function phase(name: string, options: { workers: number; concurrency: number; corpusId: string; faults?: typeof FAULT_MIX }) {
    const sim = await startSimulator({ faults: { latencyMs: LATENCY_MS, ...options.faults } });
    const warmupSim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
    const recipeVersionId = await recipeOn(name, sim.url, options.concurrency);
    const log: string[] = [];
    const workers = Array.from({ length: options.workers }, () => startWorker(database.url, log));
    try {
      await waitForReady(log, options.workers);
      // Workers are long-lived; measure them warm (JIT-compiled, connections open), not in their first seconds.
      const warmupStarted = performance.now();
      await runToCompletion(await recipeOn(`${name} warm-up`, warmupSim.url, CONCURRENCY), warmupCorpus);
      console.log(`  (warm-up: ${WARMUP_TEXTS} texts in ${((performance.now() - warmupStarted) / 1000).toFixed(1)} s, not counted)`);
      const cpuBefore = workers.map((worker) => cpuSeconds(worker.pid));
      const started = performance.now();
      // How busy the endpoint was: the simulator's in-flight count, sampled every 20 ms.
      const inFlightSamples: number[] = [];
      const sampler = setInterval(() => inFlightSamples.push(sim.stats.inFlight), 20);
      const { runId, itemsTotal } = await runToCompletion(recipeVersionId, options.corpusId);
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      if (process.env.BENCH_TIMELINE) {
        const perSecond: string[] = [];
        for (let i = 0; i < inFlightSamples.length; i += 50) {
          const second = inFlightSamples.slice(i, i + 50);
          perSecond.push((second.reduce((a, b) => a + b, 0) / second.length).toFixed(0));
        }
        console.log(`  calls in flight, mean per second: ${perSecond.join(' ')}`);
      }
      const meanInFlight = inFlightSamples.reduce((a, b) => a + b, 0) / Math.max(1, inFlightSamples.length);
      const stats = sim.stats.snapshot();
      const calls = stats.totalRequests;
      const states = await db().runItem.groupBy({ by: ['state'], where: { runId }, _count: { _all: true } });
      const failed = states.find((row) => row.state === 'FAILED')?._count._all ?? 0;
      const callsPerSecond = calls / seconds;
      const itemsPerSecond = itemsTotal / seconds;
      const cpu = workers.map((worker, index) => (cpuSeconds(worker.pid) ?? NaN) - (cpuBefore[index] ?? NaN)).reduce((a, b) => a + b, 0);
      console.log(
        `${name}: ${itemsTotal} items, ${calls} model calls in ${seconds.toFixed(1)} s = ${callsPerSecond.toFixed(1)} calls/s ` +
          `(${((callsPerSecond / CEILING) * 100).toFixed(1)}% of ${CEILING}); in flight at the simulator: mean ${meanInFlight.toFixed(1)}, max ${stats.maxInFlight}; ` +
          `worker CPU ${Number.isNaN(cpu) ? 'n/a' : `${cpu.toFixed(1)} s = ${((cpu * 1000) / calls).toFixed(2)} ms per call`}; load ${os.loadavg()[0].toFixed(1)}; ` +
          `states ${states.map((row) => `${row.state}=${row._count._all}`).join(' ')}; ${itemsPerSecond.toFixed(1)} items/s`,
      );
      if (options.faults) {
        const endpoint = await db().providerEndpoint.findFirstOrThrow({ where: { name: `bench ${name}` }, select: { id: true } });
        const bucket = await db().rateLimitBucket.findUnique({ where: { endpointId: endpoint.id }, select: { aimdLimit: true } });
        const failures = await db().llmCall.groupBy({ by: ['errorKind'], where: { runId, errorKind: { not: null } }, _count: { _all: true } });
        console.log(
          `  faults injected: ${Object.entries(stats.faults).map(([kind, count]) => `${kind}=${count}`).join(' ')}; ` +
            `adaptive concurrency at the end: ${bucket?.aimdLimit?.toFixed(1) ?? `${options.concurrency} (never lowered)`} of ${options.concurrency}; ` +
            `failed calls: ${failures.map((row) => `${row.errorKind}=${row._count._all}`).join(' ') || 'none'}`,
        );
      }
      return { callsPerSecond, itemsPerSecond, seconds, calls, itemsTotal, failed };
    } finally {
      await stopWorkers(workers);
      await sim.close();
      await warmupSim.close();
    }
  }

  /**
   * Calls/s of the hand-written loop over the bench texts, in its own process (as the pipeline's
   * worker is: the simulator runs in this one), warm: it first loops over the warm-up texts.
   */
  async function handwrittenPhase() {
    const sim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
    const warmupSim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
    const input = path.join(dir, 'handwritten.json');
    const plan: HandwrittenPlan = {
      config: benchRecipeConfig('hand-written'),
      loops: [
        { baseUrl: warmupSim.url, texts: benchTexts(WARMUP_TEXTS).map(({ text, topic }) => ({ text: `warm-up ${text}`, topic })) },
        { baseUrl: sim.url, texts: benchTexts(TEXTS) },
      ],
    };
    fs.writeFileSync(input, JSON.stringify(plan));
    try {
      const output: string[] = [];
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/bench/pipeline.ts', HANDWRITTEN_FLAG, input], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      const lines = output.join('').trim().split('\n');
      if (code !== 0) throw new Error(`the hand-written loop failed:\n${lines.join('\n')}`);
      const measured = (JSON.parse(lines[lines.length - 1]) as HandwrittenTiming[])[1];
      const calls = sim.stats.snapshot().totalRequests;
      const callsPerSecond = calls / measured.seconds;
      console.log(
        `hand-written loop (openai SDK, semaphore of ${CONCURRENCY}, own process): ${TEXTS} items, ${calls} model calls in ${measured.seconds.toFixed(1)} s = ` +
          `${callsPerSecond.toFixed(1)} calls/s (${((callsPerSecond / CEILING) * 100).toFixed(1)}% of ${CEILING}); ` +
          `its CPU ${measured.cpuSeconds.toFixed(1)} s = ${((measured.cpuSeconds * 1000) / calls).toFixed(2)} ms per call; load ${os.loadavg()[0].toFixed(1)}`,
      );
      return { callsPerSecond };
    } finally {
      await sim.close();
      await warmupSim.close();
    }
  }

  console.log(`pipeline bench: ${TEXTS} texts, simulator latency ${LATENCY_MS} ms, one endpoint with concurrency ${CONCURRENCY} (ceiling ${CEILING} calls/s), ${WORKER_JOBS} chunk jobs per worker`);
  const one = await phase('1 worker', { workers: 1, concurrency: CONCURRENCY, corpusId: bigCorpus });
  const faultFigures = async () => {
    const faulty = await phase('1 worker, fault mix', { workers: 1, concurrency: CONCURRENCY, corpusId: bigCorpus, faults: FAULT_MIX });
    const faultCallsPerItem = faulty.calls / faulty.itemsTotal;
    return {
      fault_failed_share: Number((faulty.failed / faulty.itemsTotal).toFixed(4)),
      fault_throughput_ratio: Number((faulty.itemsPerSecond / one.itemsPerSecond).toFixed(3)),
      fault_ratio_at_ceiling: Number((CEILING / faultCallsPerItem / one.itemsPerSecond).toFixed(3)),
    };
  };
  if (process.env.BENCH_FAULTS_ONLY) {
    const fault = await faultFigures();
    await stopBoss();
    await disconnectDb();
    await database.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ ratio_1_worker: Number((one.callsPerSecond / CEILING).toFixed(3)), ...fault }));
    process.exit(0);
  }
  if (process.env.BENCH_ONLY_ONE) {
    await stopBoss();
    await disconnectDb();
    await database.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
  const handwritten = await handwrittenPhase();
  const two = await phase('2 workers', { workers: 2, concurrency: CONCURRENCY, corpusId: bigCorpus });
  const fault = await faultFigures();

  await stopBoss();
  await disconnectDb();
  await database.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      ratio_1_worker: Number((one.callsPerSecond / CEILING).toFixed(3)),
      ratio_2_workers: Number((two.callsPerSecond / CEILING).toFixed(3)),
      vs_handwritten: Number((one.callsPerSecond / handwritten.callsPerSecond).toFixed(3)),
      handwritten_calls_per_s: Number(handwritten.callsPerSecond.toFixed(1)),
      ...fault,
    }),
  );
  process.exit(0);
}

const handwrittenAt = process.argv.indexOf(HANDWRITTEN_FLAG);
(handwrittenAt === -1 ? main() : handwrittenChild(process.argv[handwrittenAt + 1]).then(() => process.exit(0))).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
