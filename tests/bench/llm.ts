// `npm run bench:llm`: 2,000 calls through the real LLM layer (Postgres cache, call log and
// cross-process limiter on an embedded Postgres) to the simulator at 50 ms latency, 32 at a time,
// against a concurrency limit of 32. The ceiling is 32 / 0.05 s = 640 calls/s. The simulator runs
// in a child process so that its CPU is not counted as client overhead.
//
// Overhead of a call = its wall time in callModel − the 50 ms the simulator waits. It includes
// the cache lookup, the limiter, the HTTP round trip over loopback and the server's own parsing,
// so it is an upper bound of the client's share.
//
// Both figures are ratios to a limit measured in the same run: throughput to the ceiling above,
// and the client CPU per call to that of the same calls through in-memory cache, call log and
// limiter (`cpu_per_call_ratio`; 1.0 = Postgres adds no client CPU).
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { migrateOnStart } from '@/lib/db/migrate';
import type { LlmRequest } from '@/lib/llm/types';

const CALLS = Number(process.env.BENCH_CALLS ?? 2000);
const CONCURRENCY = 32;
const LATENCY_MS = 50;
const WARMUP_CALLS = 64;
const CEILING = CONCURRENCY / (LATENCY_MS / 1000);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
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

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-llm-'));
  fs.chmodSync(dir, 0o755);
  const database = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'postgres'), password: 'bench' });
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
    // BENCH_LAYER=memory: the same calls with in-memory cache/log/limiter, to see what Postgres adds.
    const memoryDeps = { cache: createInMemoryCache(), recorder: createInMemoryRecorder(), limiter: createInMemoryRateLimiter() };
    const callInMemory = (request: Omit<LlmRequest, 'endpoint'>) => callLlm({ ...request, endpoint: config }, memoryDeps);
    let call = (request: Omit<LlmRequest, 'endpoint'>) =>
      process.env.BENCH_LAYER === 'memory' ? callInMemory(request) : service.callModel({ ...request, endpoint: endpoint.id });
    const runId = `bench-${crypto.randomUUID()}`;

    async function runCalls(count: number, label: string, record: number[] | null): Promise<number> {
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < count) {
            const i = next++;
            const t0 = performance.now();
            await call({
              messages: [{ role: 'user', content: `${label} ${i}: how should I respond to a hateful comment online?` }],
              runId: record ? runId : undefined,
              purpose: 'bench',
            });
            record?.push(performance.now() - t0 - LATENCY_MS);
          }
        }),
      );
      return performance.now() - started;
    }

    // Warm-up: connections, the lease block and the JIT; not counted.
    await runCalls(WARMUP_CALLS, `warmup-${runId}`, null);

    const overheads: number[] = [];
    const loadBefore = os.loadavg();
    const cpuBefore = process.cpuUsage();
    if (process.env.BENCH_MARKS) console.log(`mark start ${process.hrtime.bigint() / 1000n}`);
    const elapsedMs = await runCalls(CALLS, runId, overheads);
    const loadAfter = os.loadavg();
    const cpu = process.cpuUsage(cpuBefore);
    if (process.env.BENCH_MARKS) console.log(`mark end ${process.hrtime.bigint() / 1000n}`);
    const totals = await service.runTotals(runId);
    const stats = (await (await fetch(`${simulator.url.replace(/\/v1$/, '')}/__sim/stats`)).json()) as { stats: { maxInFlight: number; totalRequests: number } };
    // The CPU limit, same run: the same number of calls through the in-memory layer.
    call = callInMemory;
    await runCalls(WARMUP_CALLS, `warmup-memory-${runId}`, null);
    const memoryCpuBefore = process.cpuUsage();
    await runCalls(CALLS, `memory-${runId}`, null);
    const memoryCpu = process.cpuUsage(memoryCpuBefore);
    await service.close();
    await disconnectDb();

    overheads.sort((a, b) => a - b);
    const throughput = CALLS / (elapsedMs / 1000);
    const ratio = throughput / CEILING;
    const p50 = percentile(overheads, 50);
    const p90 = percentile(overheads, 90);
    const p99 = percentile(overheads, 99);
    console.log(`calls: ${CALLS} at concurrency ${CONCURRENCY}, simulated latency ${LATENCY_MS} ms (ceiling ${CEILING} calls/s)`);
    console.log(`elapsed: ${(elapsedMs / 1000).toFixed(2)} s → ${throughput.toFixed(1)} calls/s = ${(ratio * 100).toFixed(1)} % of the ceiling`);
    console.log(`overhead per call (wall − ${LATENCY_MS} ms): p50 ${p50.toFixed(2)} ms, p90 ${p90.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${overheads[overheads.length - 1].toFixed(2)} ms`);
    console.log(`client CPU: ${((cpu.user + cpu.system) / 1000 / CALLS).toFixed(3)} ms per call (user ${(cpu.user / 1000).toFixed(0)} ms, system ${(cpu.system / 1000).toFixed(0)} ms in total)`);
    const cpuPerCall = (cpu.user + cpu.system) / 1000 / CALLS;
    const memoryCpuPerCall = (memoryCpu.user + memoryCpu.system) / 1000 / CALLS;
    const cpuRatio = cpuPerCall / memoryCpuPerCall;
    console.log(`client CPU limit (same calls, in-memory cache/log/limiter, same run): ${memoryCpuPerCall.toFixed(3)} ms per call → ratio ${cpuRatio.toFixed(2)}`);
    console.log(`call log: ${totals.calls} calls recorded, ${totals.cacheHits} cache hits, ${totals.tokensIn}/${totals.tokensOut} tokens, $${totals.costUsd.toFixed(6)}`);
    console.log(`simulator: ${stats.stats.totalRequests} requests, max in flight ${stats.stats.maxInFlight} (limit ${CONCURRENCY})`);
    console.log(`load average before/after: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} / ${loadAfter.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
    if (totals.calls !== CALLS && process.env.BENCH_LAYER !== 'memory') throw new Error(`expected ${CALLS} calls in the call log, found ${totals.calls}`);
    if (stats.stats.maxInFlight > CONCURRENCY) throw new Error(`the simulator saw ${stats.stats.maxInFlight} calls in flight, above the limit ${CONCURRENCY}`);
    console.log(JSON.stringify({ throughput_ratio: Number(ratio.toFixed(4)), cpu_per_call_ratio: Number(cpuRatio.toFixed(3)), overhead_p50_ms: Number(p50.toFixed(3)), overhead_p99_ms: Number(p99.toFixed(3)) }));
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
