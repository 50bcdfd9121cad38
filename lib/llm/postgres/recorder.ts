import type { CallRecorder, LlmCallRecord } from '@/lib/llm/ports';
import { createBatchWriter } from '@/lib/llm/postgres/batch-writer';
import type { SqlPool } from '@/lib/llm/postgres/sql';
import { sumCostsUsd } from '@/lib/llm/cost';

export type PostgresRecorder = CallRecorder & { flush(): Promise<void>; close(): Promise<void>; readonly pending: number };

const MAX_ERROR_MESSAGE_CHARS = 2_000;

// Named, so each pooled connection parses and plans it once.
const RECORD_SQL = `INSERT INTO "LlmCall" ("endpointId", "runId", "purpose", "cacheKey", "cacheHit", "tokensIn", "tokensOut", "costUsd", "latencyMs", "attempts", "errorKind", "errorMessage", "simulated", "createdAt")
  SELECT (SELECT e."id" FROM "ProviderEndpoint" e WHERE e."id" = u.endpoint_id), u.run_id, u.purpose, u.cache_key, u.cache_hit, u.tokens_in, u.tokens_out,
         u.cost_usd, u.latency_ms, u.attempts, u.error_kind, u.error_message, u.simulated, u.created_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::int[], $7::int[], $8::float8[], $9::int[], $10::int[], $11::text[], $12::text[], $13::bool[], $14::timestamp[])
    AS u(endpoint_id, run_id, purpose, cache_key, cache_hit, tokens_in, tokens_out, cost_usd, latency_ms, attempts, error_kind, error_message, simulated, created_at)`;

/**
 * The call log in LlmCall, written behind the calls in multi-row INSERTs (see batch-writer).
 * An endpoint id that is not (or no longer) in ProviderEndpoint is stored as NULL instead of
 * failing the whole batch on the foreign key. LlmCall has no columns for model, HTTP status or
 * finish reason; those stay in the returned LlmResult / LlmError only.
 */
export function createPostgresRecorder(pool: SqlPool, options: { warn: (message: string) => void; intervalMs?: number }): PostgresRecorder {
  const writer = createBatchWriter<LlmCallRecord>({
    label: 'LLM call log',
    warn: options.warn,
    intervalMs: options.intervalMs,
    async write(calls) {
      await pool.query({
        name: 'llm-call-log',
        text: RECORD_SQL,
        values: [
          calls.map((c) => c.endpointId),
          calls.map((c) => c.runId),
          calls.map((c) => c.purpose),
          calls.map((c) => c.cacheKey),
          calls.map((c) => c.cacheHit),
          calls.map((c) => Math.round(c.tokensIn)),
          calls.map((c) => Math.round(c.tokensOut)),
          calls.map((c) => c.costUsd),
          calls.map((c) => Math.round(c.latencyMs)),
          calls.map((c) => c.attempts),
          calls.map((c) => c.errorKind),
          calls.map((c) => (c.errorMessage === null ? null : c.errorMessage.slice(0, MAX_ERROR_MESSAGE_CHARS))),
          calls.map((c) => c.simulated),
          calls.map((c) => c.startedAt.toISOString()),
        ],
      });
    },
  });
  return {
    async record(call) {
      writer.add(call);
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
    get pending() {
      return writer.pending;
    },
  };
}

export type RunLlmTotals = {
  calls: number;
  /** Calls answered from the cache (they cost nothing). */
  cacheHits: number;
  failures: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  simulatedCalls: number;
};

type TotalsRow = { calls: string; cacheHits: string; failures: string; tokensIn: string | null; tokensOut: string | null; costUsd: number | null; simulatedCalls: string };

/** One indexed aggregate over LlmCall.runId. */
export const RUN_TOTALS_SQL = `SELECT count(*) AS "calls",
  count(*) FILTER (WHERE "cacheHit") AS "cacheHits",
  count(*) FILTER (WHERE "errorKind" IS NOT NULL) AS "failures",
  sum("tokensIn") AS "tokensIn",
  sum("tokensOut") AS "tokensOut",
  sum("costUsd") AS "costUsd",
  count(*) FILTER (WHERE "simulated") AS "simulatedCalls"
FROM "LlmCall" WHERE "runId" = $1`;

/** Postgres returns counts as bigint text and sums as floats with noise; this makes them plain numbers. */
export function runTotalsFromRow(row: TotalsRow | undefined): RunLlmTotals {
  return {
    calls: Number(row?.calls ?? 0),
    cacheHits: Number(row?.cacheHits ?? 0),
    failures: Number(row?.failures ?? 0),
    tokensIn: Number(row?.tokensIn ?? 0),
    tokensOut: Number(row?.tokensOut ?? 0),
    costUsd: sumCostsUsd([Number(row?.costUsd ?? 0)]),
    simulatedCalls: Number(row?.simulatedCalls ?? 0),
  };
}

export async function queryRunTotals(pool: SqlPool, runId: string): Promise<RunLlmTotals> {
  const { rows } = await pool.query<TotalsRow>(RUN_TOTALS_SQL, [runId]);
  return runTotalsFromRow(rows[0]);
}
