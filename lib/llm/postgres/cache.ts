import type { CachedResponse, LlmCache } from '@/lib/llm/ports';
import { createBatchWriter } from '@/lib/llm/postgres/batch-writer';
import type { SqlPool } from '@/lib/llm/postgres/sql';
import type { FinishReason } from '@/lib/llm/types';

type CacheRow = { text: string; finishReason: string | null; tokensIn: number; tokensOut: number; createdAt: Date };

const FINISH_REASONS: Record<FinishReason, true> = { stop: true, length: true, content_filter: true, tool_calls: true, unknown: true };

function finishReasonOf(value: string | null): FinishReason {
  return value !== null && value in FINISH_REASONS ? (value as FinishReason) : 'unknown';
}

const MAX_LOOKUP_QUERIES = 2;
const MAX_LOOKUP_BATCH = 500;

// Named, so each pooled connection parses and plans them once (bench:llm: Postgres CPU per call 0.21 → 0.11 ms).
const LOOKUP_SQL = `SELECT "key", "text", "finishReason", "tokensIn", "tokensOut", ("createdAt" AT TIME ZONE 'UTC') AS "createdAt"
  FROM "LlmCacheEntry" WHERE "key" = ANY($1::text[])`;
const STORE_SQL = `INSERT INTO "LlmCacheEntry" ("key", "text", "finishReason", "tokensIn", "tokensOut", "createdAt", "endpointId")
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::timestamp[], $7::text[])
  ON CONFLICT ("key") DO NOTHING`;

function cachedResponseOf(row: CacheRow): CachedResponse {
  return {
    text: row.text,
    finishReason: finishReasonOf(row.finishReason),
    tokensIn: row.tokensIn,
    tokensOut: row.tokensOut,
    tokensEstimated: false,
    createdAt: row.createdAt.toISOString(),
  };
}

export type PostgresCache = LlmCache & { flush(): Promise<void>; close(): Promise<void> };

/**
 * The response cache in LlmCacheEntry. Entries are written behind the call in batches with
 * INSERT … ON CONFLICT DO NOTHING (the first response for a key wins, so two processes racing on
 * the same prompt keep one answer); until written, this process answers from its own pending map.
 * The table has no column for "token counts were estimated", so a hit reports them as exact.
 */
export function createPostgresCache(pool: SqlPool, options: { warn: (message: string) => void; intervalMs?: number }): PostgresCache {
  const pending = new Map<string, CachedResponse>();
  const writer = createBatchWriter<{ key: string; value: CachedResponse; endpointId: string | null }>({
    label: 'LLM cache',
    warn: options.warn,
    intervalMs: options.intervalMs,
    async write(items) {
      await pool.query({
        name: 'llm-cache-store',
        text: STORE_SQL,
        values: [
          items.map((item) => item.key),
          items.map((item) => item.value.text),
          items.map((item) => item.value.finishReason),
          items.map((item) => Math.round(item.value.tokensIn)),
          items.map((item) => Math.round(item.value.tokensOut)),
          items.map((item) => item.value.createdAt),
          items.map((item) => item.endpointId),
        ],
      });
      for (const item of items) if (pending.get(item.key) === item.value) pending.delete(item.key);
    },
  });

  type Lookup = { key: string; resolve: (value: CachedResponse | null) => void; reject: (err: unknown) => void };
  const queued: Lookup[] = [];
  let inFlight = 0;
  let sendScheduled = false;

  /*
   * Concurrent lookups share queries. A lookup waits for the end of the event loop's current I/O
   * phase (setImmediate: no timer, no added latency when the loop is idle), so every call that
   * started in that phase goes out in the same `key = ANY($1)` query; while a query is running,
   * new keys wait for it and go out together in the next one. Round trips are what the layer's
   * Postgres share of CPU goes to (in bench:llm the socket write of a query alone took ≈ 0.25 ms
   * of app CPU); at 32 calls in flight this took lookups from 1,303 to ≈ 760 queries per 2,128
   * calls. A second query may run meanwhile: with only one, every lookup that arrives waits for
   * a slow query on a loaded machine; one at a time saved ≈ 0.05 ms of CPU per call but showed a
   * higher p50 overhead in most of our (noisy, loaded-machine) runs.
   */
  function scheduleSend(): void {
    if (sendScheduled || queued.length === 0 || inFlight >= MAX_LOOKUP_QUERIES) return;
    sendScheduled = true;
    setImmediate(sendLookups);
  }

  function sendLookups(): void {
    sendScheduled = false;
    while (inFlight < MAX_LOOKUP_QUERIES && queued.length > 0) {
      const batch = queued.splice(0, MAX_LOOKUP_BATCH);
      inFlight += 1;
      pool
        .query<CacheRow & { key: string }>({ name: 'llm-cache-lookup', text: LOOKUP_SQL, values: [batch.map((lookup) => lookup.key)] })
        .then(
          ({ rows }) => {
            const found = new Map(rows.map((row) => [row.key, row]));
            for (const lookup of batch) {
              const row = found.get(lookup.key);
              lookup.resolve(row ? cachedResponseOf(row) : null);
            }
          },
          (err: unknown) => {
            for (const lookup of batch) lookup.reject(err);
          },
        )
        .finally(() => {
          inFlight -= 1;
          scheduleSend();
        });
    }
  }

  return {
    get(key) {
      const local = pending.get(key);
      if (local) return Promise.resolve(local);
      return new Promise<CachedResponse | null>((resolve, reject) => {
        queued.push({ key, resolve, reject });
        scheduleSend();
      });
    },
    async put(key, value, meta) {
      if (pending.has(key)) return;
      pending.set(key, value);
      writer.add({ key, value, endpointId: meta?.endpointId ?? null });
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}
