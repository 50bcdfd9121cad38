import type pg from 'pg';
import type { z } from 'zod';
import { db } from '@/lib/db/client';
import { poolSize } from '@/lib/db/pools';
import { callLlm, type LlmDeps } from '@/lib/llm/call';
import type { RetryPolicy } from '@/lib/llm/retry';
import { loadEndpointConfig } from '@/lib/llm/endpoints';
import { callLlmJson, type JsonCallOutcome } from '@/lib/llm/json';
import { createPostgresCache } from '@/lib/llm/postgres/cache';
import { createPostgresRateLimiter, type PostgresRateLimiter, type PostgresRateLimiterOptions } from '@/lib/llm/postgres/limiter';
import { createPostgresRecorder, queryRunTotals, RUN_TOTALS_SQL, runTotalsFromRow, type RunLlmTotals } from '@/lib/llm/postgres/recorder';
import { createLlmPool } from '@/lib/llm/postgres/sql';
import type { EndpointConfig, LlmRequest, LlmResult } from '@/lib/llm/types';

export type { RunLlmTotals } from '@/lib/llm/postgres/recorder';

/** A call by endpoint id or name; everything else as in LlmRequest (runId and purpose end up in the call log). */
export type CallModelInput = Omit<LlmRequest, 'endpoint'> & { endpoint: string };

export type LlmService = {
  /** The endpoint with its key resolved, cached for a few seconds so edits apply without a restart. */
  endpoint(idOrName: string): Promise<EndpointConfig>;
  callModel(input: CallModelInput): Promise<LlmResult>;
  callModelJson<T>(input: CallModelInput, schema: z.ZodType<T>): Promise<JsonCallOutcome<T>>;
  /** Cache, limiter and call log for callLlm/callLlmJson directly (the pipeline's PipelineModels.deps). */
  deps: LlmDeps;
  limiter: PostgresRateLimiter;
  /** Tokens, cost, calls and cache hits of a run, including this process's unwritten calls. */
  runTotals(runId: string): Promise<RunLlmTotals>;
  /** Writes buffered call-log rows and cache entries now. */
  flush(): Promise<void>;
  /** Flushes, returns concurrency leases and closes connections. */
  close(): Promise<void>;
};

export type LlmServiceOptions = {
  /** Defaults to DATABASE_URL. */
  databaseUrl?: string;
  poolSize?: number;
  retryPolicy?: Partial<RetryPolicy>;
  limiter?: Omit<PostgresRateLimiterOptions, 'warn' | 'listenConnectionString'>;
  /** How long a loaded endpoint is reused (ms). */
  endpointTtlMs?: number;
  /** How long call-log rows and cache entries may wait before they are written (ms). */
  writeIntervalMs?: number;
  warn?: (message: string) => void;
};

function defaultWarn(message: string): void {
  console.warn(`[llm] ${message}`);
}

/**
 * The one entry point for code that calls models (the pipeline, the worker): the Postgres
 * cache, call log and cross-process rate limiter around callLlm, on a small pg pool of its own
 * plus one LISTEN connection.
 */
export function createLlmService(options: LlmServiceOptions = {}): LlmService {
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set; the LLM layer keeps its cache, call log and limits in Postgres.');
  const warn = options.warn ?? defaultWarn;
  const pool: pg.Pool = createLlmPool(databaseUrl, options.poolSize ?? poolSize('llm'));
  pool.on('error', (err) => warn(`idle database connection failed: ${String(err)}`));
  const cache = createPostgresCache(pool, { warn, intervalMs: options.writeIntervalMs });
  const recorder = createPostgresRecorder(pool, { warn, intervalMs: options.writeIntervalMs });
  const limiter = createPostgresRateLimiter(pool, { ...options.limiter, warn, listenConnectionString: databaseUrl });
  const deps: LlmDeps = { cache, recorder, limiter, retryPolicy: options.retryPolicy, warn };
  const endpointTtlMs = options.endpointTtlMs ?? 5_000;
  const endpoints = new Map<string, { loadedAt: number; config: Promise<EndpointConfig> }>();

  function endpoint(idOrName: string): Promise<EndpointConfig> {
    const cached = endpoints.get(idOrName);
    if (cached && Date.now() - cached.loadedAt < endpointTtlMs) return cached.config;
    const config = loadEndpointConfig(idOrName);
    endpoints.set(idOrName, { loadedAt: Date.now(), config });
    config.catch(() => endpoints.delete(idOrName));
    return config;
  }

  async function requestFor(input: CallModelInput): Promise<LlmRequest> {
    const { endpoint: reference, ...rest } = input;
    return { ...rest, endpoint: await endpoint(reference) };
  }

  async function flush(): Promise<void> {
    await Promise.all([cache.flush(), recorder.flush()]);
  }

  return {
    endpoint,
    async callModel(input) {
      return callLlm(await requestFor(input), deps);
    },
    async callModelJson(input, schema) {
      return callLlmJson(await requestFor(input), schema, deps);
    },
    deps,
    limiter,
    async runTotals(runId) {
      await recorder.flush();
      return queryRunTotals(pool, runId);
    },
    flush,
    async close() {
      try {
        await Promise.all([cache.close(), recorder.close(), limiter.close()]);
      } finally {
        await pool.end();
      }
    },
  };
}

const globalForLlm = globalThis as unknown as { studioLlmService?: LlmService };

/** One service per process (server actions, route handlers, the worker). */
export function llmService(): LlmService {
  globalForLlm.studioLlmService ??= createLlmService();
  return globalForLlm.studioLlmService;
}

/** Shorthand for `llmService().callModel(input)`. */
export function callModel(input: CallModelInput): Promise<LlmResult> {
  return llmService().callModel(input);
}

/**
 * Totals of a run from the call log, for pages (through Prisma, no extra pool). Calls that a
 * worker process has not written yet (at most a few ms' worth) are not included.
 */
export async function runLlmTotals(runId: string): Promise<RunLlmTotals> {
  const rows = await db().$queryRawUnsafe<Parameters<typeof runTotalsFromRow>[0][]>(RUN_TOTALS_SQL, runId);
  return runTotalsFromRow(rows[0]);
}
