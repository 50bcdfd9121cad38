// `npx tsx tests/bench/eval.ts`: the evaluation sibling of bench:pipeline. BENCH_PROMPTS (2000)
// prompts, two simulated targets and a harmlessness judge (4 model calls per prompt) against the
// simulator at 100 ms latency, everything on ONE endpoint limited to 64 concurrent calls — a ceiling
// of 640 calls/s, the same as the pipeline bench, so the two ratios compare directly. One worker
// process (scripts/worker.ts, which runs the pipeline and evaluation workers), warmed up on 200
// other prompts against another simulator first. Prints the figures and ends with one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { migrateOnStart } from '@/lib/db/migrate';

const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 2000);
const WARMUP_PROMPTS = 200;
const LATENCY_MS = 100;
const CONCURRENCY = 64;
const CEILING = CONCURRENCY / (LATENCY_MS / 1000);
const WORKER_JOBS = process.env.BENCH_WORKER_JOBS ?? '10';

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-eval-'));
  fs.chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'postgres'), password: 'bench' });
  process.env.DATABASE_URL = database.url;
  await migrateOnStart(database.url);

  const { db, disconnectDb } = await import('@/lib/db/client');
  const { getBoss, stopBoss } = await import('@/lib/jobs/boss');
  const { startSimulator } = await import('@/lib/llm/simulator/server');
  const { storeEvalSet } = await import('@/lib/eval/sets');
  const { createEvalRun } = await import('@/lib/eval/runs');
  const boss = await getBoss({ supervise: false });

  async function createSet(name: string, count: number): Promise<string> {
    const rows = Array.from({ length: count }, (_, index) => ({ line: index + 1, prompt: `${name}: how should I handle situation ${index}?`, group: `g${index % 4}`, reference: null, externalId: null, responses: [] }));
    return storeEvalSet({ name, description: null, responseLabels: [], fileName: null, format: null, rowsRead: count, builtIn: false }, rows, [], null);
  }

  async function evaluate(name: string, setId: string, baseUrl: string): Promise<string> {
    const endpointName = `bench ${name}`;
    await db().providerEndpoint.create({
      data: { name: endpointName, baseUrl, model: 'sim-judge', mode: 'CHAT', concurrency: CONCURRENCY, timeoutMs: 30_000, retryBudgetMs: 180_000, supportsJsonMode: true, simulated: true },
    });
    const { evalRunId } = await createEvalRun(
      {
        setId,
        targets: [
          { label: 'base', endpointName, model: 'sim-target-base' },
          { label: 'aligned', endpointName, model: 'sim-target-aligned' },
        ],
        judges: [{ label: 'judge', endpointName, model: 'sim-judge', rubric: 'harmlessness' }],
      },
      null,
      { boss },
    );
    for (;;) {
      const run = await db().evalRun.findUniqueOrThrow({ where: { id: evalRunId }, select: { status: true } });
      if (run.status === 'COMPLETED') return evalRunId;
      if (run.status !== 'RUNNING') throw new Error(`evaluation ${evalRunId} is ${run.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const log: string[] = [];
  const worker: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    env: { ...process.env, DATABASE_URL: database.url, PIPELINE_JOBS: WORKER_JOBS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  worker.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!log.join('').includes('ready for every queue;')) {
    if (Date.now() > deadline) throw new Error(`the worker did not start:\n${log.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const warmupSim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
  await evaluate('warm-up', await createSet('warm-up', WARMUP_PROMPTS), warmupSim.url);
  await warmupSim.close();

  const sim = await startSimulator({ faults: { latencyMs: LATENCY_MS } });
  const setId = await createSet('bench', PROMPTS);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(sim.stats.inFlight), 20);
  const started = performance.now();
  await evaluate('measured', setId, sim.url);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const calls = sim.stats.snapshot().totalRequests;
  const callsPerSecond = calls / seconds;
  const meanInFlight = samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length);
  console.log(
    `eval bench: ${PROMPTS} prompts, ${calls} model calls in ${seconds.toFixed(1)} s = ${callsPerSecond.toFixed(1)} calls/s ` +
      `(${((callsPerSecond / CEILING) * 100).toFixed(1)}% of ${CEILING}); in flight at the simulator: mean ${meanInFlight.toFixed(1)}; load ${os.loadavg()[0].toFixed(1)}`,
  );

  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.once('exit', resolve));
  await sim.close();
  await stopBoss();
  await disconnectDb();
  await database.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ eval_ratio_1_worker: Number((callsPerSecond / CEILING).toFixed(3)), calls_per_s: Number(callsPerSecond.toFixed(1)), prompts: PROMPTS }));
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
