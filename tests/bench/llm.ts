// `npm run bench:llm`: the LLM layer against its limit, issue 16. 2,000 calls to the simulator at
// 50 ms latency, 32 at a time (concurrency limit 32), in the same run:
//
//   bare   — the limit: a plain `new OpenAI({ baseURL, apiKey })` client calling
//            `chat.completions.create` with the same messages and concurrency; no cache, no call
//            log, no limiter. CPU per call = this process's user + system CPU / calls.
//   layer  — the real layer (`createLlmService().callModel`): Postgres cache lookups, call log,
//            cache store, cross-process limiter leases and AIMD reports on an embedded Postgres.
//            CPU per call = (this process's CPU + the CPU of every process of the Postgres cluster)
//            / calls. Postgres CPU is utime + stime from /proc/<pid>/stat of the postmaster and all
//            its children, plus the postmaster's cutime + cstime (children that exited meanwhile),
//            in clock ticks (getconf CLK_TCK). The window ends after the write-behind buffers and
//            the AIMD outcomes are flushed and idle leases went back, so deferred work is counted.
//   memory — for information only: the same calls through in-memory cache, call log and limiter.
//
// Each path first makes 1,000 warm-up calls (not counted). Then the phases alternate for
// BENCH_ROUNDS rounds (default 2: bare, layer, memory, bare, layer, memory), each phase 2,000
// calls, so that load from other processes on the machine hits all of them alike; the figures
// are over all rounds. Every layer round has its own run id, and its call log must hold exactly
// its 2,000 calls. Every call is a cache miss (each message is new), so every call goes over
// HTTP. The simulator runs in a child process; its CPU is counted nowhere.
//
// throughput_ratio = the layer's calls/s ÷ C/L (32 / 0.05 s = 640 calls/s);
// cpu_per_call_ratio = (layer app + layer Postgres) ÷ bare, per call. Targets: ≥ 0.9 and ≤ 1.5.
// Overhead of a call = its wall time in callModel − the 50 ms the simulator waits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { migrateOnStart } from '@/lib/db/migrate';
import OpenAI from 'openai';
import type { LlmRequest } from '@/lib/llm/types';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONCURRENCY = 32;
const LATENCY_MS = 50;
// With 400, the bare SDK's first measured round still cost ≈ 30 % more CPU than its second (JIT).
const WARMUP_CALLS = 1000;
const CEILING = CONCURRENCY / (LATENCY_MS / 1000);
// Longer than the limiter's linger (idle leases go back after 250–500 ms), so their return is counted.
const SETTLE_MS = 700;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Fields after the command name of /proc/<pid>/stat (index 0 = state, 1 = ppid, 11 = utime …). */
function statFields(pid: number | string): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // exited meanwhile
  }
}

/**
 * CPU ms the Postgres cluster used so far: the postmaster's own and its exited children's
 * (cutime + cstime), plus every live child's (backends, walwriter, checkpointer, autovacuum …).
 */
function postgresCpuMs(postmasterPid: number): number {
  const postmaster = statFields(postmasterPid);
  if (!postmaster) throw new Error(`the postmaster (pid ${postmasterPid}) is gone`);
  let ticks = Number(postmaster[11]) + Number(postmaster[12]) + Number(postmaster[13]) + Number(postmaster[14]);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === postmasterPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

function appCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

async function startSimulatorProcess(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn('npx', ['tsx', 'scripts/sim.ts', '--port', '0', '--latency-ms', String(LATENCY_MS)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the simulator did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code})`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
  });
  return { url, child };
}

function stopProcessGroup(child: ChildProcess): void {
  if (child.pid && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
}

type Call = (content: string) => Promise<unknown>;
type Phase = { calls: number; elapsedMs: number; appMs: number; postgresMs: number };

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-llm-'));
  fs.chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'postgres'), password: 'bench' });
  const postmasterPid = Number(fs.readFileSync(path.join(database.clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const simulator = await startSimulatorProcess();
  try {
    await migrateOnStart(database.url);
    process.env.DATABASE_URL = database.url;
    process.env.ENCRYPTION_KEY ??= crypto.randomBytes(32).toString('base64');

    const { createEndpoint } = await import('@/lib/llm/endpoints');
    const { createLlmService } = await import('@/lib/llm/service');
    const { disconnectDb } = await import('@/lib/db/client');
    const { callLlm, createInMemoryCache, createInMemoryRecorder, createInMemoryRateLimiter } = await import('@/lib/llm');

    const endpoint = await createEndpoint(
      {
        name: `bench-${Date.now()}`,
        baseUrl: simulator.url,
        model: 'sim-expert',
        mode: 'chat',
        limits: { concurrency: CONCURRENCY, rpm: null, tpm: null },
        priceInputPerMTok: 0.15,
        priceOutputPerMTok: 0.6,
        retryBudgetMs: 10_000,
        timeoutMs: 10_000,
      },
      null,
    );
    const service = createLlmService();
    const config = await service.endpoint(endpoint.id);
    const runId = `bench-${crypto.randomUUID()}`;
    const roundRunIds = Array.from({ length: ROUNDS }, (_, round) => `${runId}-${round}`);
    const message = (content: string): LlmRequest['messages'] => [{ role: 'user', content }];

    const bareClient = new OpenAI({ baseURL: simulator.url, apiKey: 'bench' });
    const bare: Call = (content) => bareClient.chat.completions.create({ model: config.model, messages: message(content) as OpenAI.ChatCompletionMessageParam[] });
    const overheads: Record<'bare' | 'layer' | 'memory', number[]> = { bare: [], layer: [], memory: [] };
    const layerOverheads = overheads.layer;
    let layerRunId = roundRunIds[0];
    const layer: Call = (content) => service.callModel({ endpoint: endpoint.id, messages: message(content), runId: layerRunId, purpose: 'bench' });
    const memoryDeps = { cache: createInMemoryCache(), recorder: createInMemoryRecorder(), limiter: createInMemoryRateLimiter() };
    const memory: Call = (content) => callLlm({ endpoint: config, messages: message(content), purpose: 'bench' }, memoryDeps);

    async function runCalls(call: Call, count: number, label: string, overheads: number[] | null): Promise<number> {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < count) {
            const i = next++;
            const t0 = performance.now();
            await call(`${label} ${i}: how should I respond to a hateful comment online?`);
            overheads?.push(performance.now() - t0 - LATENCY_MS);
          }
        }),
      );
      return performance.now() - started;
    }

    /** One measured phase: calls, then deferred work (write-behind, AIMD, idle leases), CPU over both. */
    async function measure(call: Call, count: number, label: string, overheads: number[] | null, settle: () => Promise<void>): Promise<Phase> {
      const app0 = appCpuMs();
      const pg0 = postgresCpuMs(postmasterPid);
      const elapsedMs = await runCalls(call, count, label, overheads);
      await settle();
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      return { calls: count, elapsedMs, appMs: appCpuMs() - app0, postgresMs: postgresCpuMs(postmasterPid) - pg0 };
    }
    const nothing = async () => {};
    const flushLayer = async () => {
      await service.flush();
      await service.limiter.flushOutcomes();
    };

    // Warm-up: connections, the lease block and the JIT of all three paths; not counted.
    await runCalls(bare, WARMUP_CALLS, `warmup-bare-${runId}`, null);
    await runCalls((content) => service.callModel({ endpoint: endpoint.id, messages: message(content), purpose: 'bench-warmup' }), WARMUP_CALLS, `warmup-${runId}`, null);
    await runCalls(memory, WARMUP_CALLS, `warmup-memory-${runId}`, null);
    await flushLayer();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

    const phases: Record<'bare' | 'layer' | 'memory', Phase[]> = { bare: [], layer: [], memory: [] };
    const loadBefore = os.loadavg();
    for (let round = 0; round < ROUNDS; round += 1) {
      layerRunId = roundRunIds[round];
      phases.bare.push(await measure(bare, CALLS, `bare-${round}-${runId}`, overheads.bare, nothing));
      phases.layer.push(await measure(layer, CALLS, `${runId}-${round}`, layerOverheads, flushLayer));
      phases.memory.push(await measure(memory, CALLS, `memory-${round}-${runId}`, overheads.memory, nothing));
    }
    const loadAfter = os.loadavg();
    const roundTotals = await Promise.all(roundRunIds.map((id) => service.runTotals(id)));
    const stats = (await (await fetch(`${simulator.url.replace(/\/v1$/, '')}/__sim/stats`)).json()) as { stats: { maxInFlight: number; totalRequests: number } };
    await service.close();
    await disconnectDb();
    // The simulator says goodbye on stderr; it goes first so that the JSON line is the last line.
    const simulatorGone = new Promise((resolve) => simulator.child.once('exit', resolve));
    stopProcessGroup(simulator.child);
    await Promise.race([simulatorGone, new Promise((resolve) => setTimeout(resolve, 5_000))]);

    const sum = (list: Phase[]) => list.reduce((a, p) => ({ calls: a.calls + p.calls, elapsedMs: a.elapsedMs + p.elapsedMs, appMs: a.appMs + p.appMs, postgresMs: a.postgresMs + p.postgresMs }), { calls: 0, elapsedMs: 0, appMs: 0, postgresMs: 0 });
    const [b, l, m] = [sum(phases.bare), sum(phases.layer), sum(phases.memory)];
    const perCall = (ms: number, calls: number) => ms / calls;
    const bareMs = perCall(b.appMs, b.calls);
    const appMs = perCall(l.appMs, l.calls);
    const postgresMs = perCall(l.postgresMs, l.calls);
    const memoryMs = perCall(m.appMs, m.calls);
    const cpuRatio = (appMs + postgresMs) / bareMs;
    const throughput = l.calls / (l.elapsedMs / 1000);
    const ratio = throughput / CEILING;
    const bareThroughput = b.calls / (b.elapsedMs / 1000);
    for (const list of Object.values(overheads)) list.sort((x, y) => x - y);
    const [p50, p90, p99] = [50, 90, 99].map((p) => percentile(layerOverheads, p));
    const fmt = (value: number) => value.toFixed(3);
    console.log(`calls: ${CALLS} per phase and round, ${ROUNDS} rounds at concurrency ${CONCURRENCY}, simulated latency ${LATENCY_MS} ms (C/L = ${CEILING} calls/s)`);
    console.log(`layer throughput: ${throughput.toFixed(1)} calls/s = ${(ratio * 100).toFixed(1)} % of C/L (bare SDK: ${bareThroughput.toFixed(1)} calls/s)`);
    console.log(`layer overhead per call (wall − ${LATENCY_MS} ms): p50 ${p50.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${layerOverheads[layerOverheads.length - 1].toFixed(2)} ms`);
    console.log(`  p50 overhead of the other phases: bare SDK ${percentile(overheads.bare, 50).toFixed(2)} ms, in-memory layer ${percentile(overheads.memory, 50).toFixed(2)} ms`);
    console.log(`CPU per call: bare SDK ${fmt(bareMs)} ms | layer app ${fmt(appMs)} ms + Postgres ${fmt(postgresMs)} ms = ${fmt(appMs + postgresMs)} ms → ratio ${cpuRatio.toFixed(3)}`);
    console.log(`  (Postgres during the bare phase: ${fmt(perCall(b.postgresMs, b.calls))} ms per call; in-memory layer, for information: ${fmt(memoryMs)} ms per call; CLK_TCK ${CLOCK_TICKS})`);
    for (const [name, list] of Object.entries(phases)) console.log(`  ${name} rounds: ${list.map((p) => `${fmt(p.appMs / p.calls)}+${fmt(p.postgresMs / p.calls)} ms, ${(p.calls / (p.elapsedMs / 1000)).toFixed(0)}/s`).join(' | ')}`);
    for (const totals of roundTotals) console.log(`call log of a layer round: ${totals.calls} calls recorded, ${totals.cacheHits} cache hits, ${totals.tokensIn}/${totals.tokensOut} tokens, $${totals.costUsd.toFixed(6)}`);
    console.log(`simulator: ${stats.stats.totalRequests} requests, max in flight ${stats.stats.maxInFlight} (limit ${CONCURRENCY})`);
    console.log(`load average before/after: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} / ${loadAfter.map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
    for (const totals of roundTotals) if (totals.calls !== CALLS) throw new Error(`expected ${CALLS} calls in the call log of a round, found ${totals.calls}`);
    if (stats.stats.maxInFlight > CONCURRENCY) throw new Error(`the simulator saw ${stats.stats.maxInFlight} calls in flight, above the limit ${CONCURRENCY}`);
    console.log(
      JSON.stringify({
        throughput_ratio: Number(ratio.toFixed(4)),
        cpu_per_call_ratio: Number(cpuRatio.toFixed(3)),
        // Not a target: the bare loop's throughput is the machine's own ceiling when it is busy.
        throughput_vs_bare: Number((throughput / bareThroughput).toFixed(4)),
        app_cpu_ms_per_call: Number(fmt(appMs)),
        postgres_cpu_ms_per_call: Number(fmt(postgresMs)),
        bare_cpu_ms_per_call: Number(fmt(bareMs)),
        memory_layer_cpu_ms_per_call: Number(fmt(memoryMs)),
        overhead_p50_ms: Number(p50.toFixed(3)),
        overhead_p99_ms: Number(p99.toFixed(3)),
        load_average: loadAfter.map((x) => Number(x.toFixed(2))),
      }),
    );
  } finally {
    stopProcessGroup(simulator.child);
    await database.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('bench:llm failed:', error);
    process.exit(1);
  },
);
