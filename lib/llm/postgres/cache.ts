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
      await pool.query(
        `INSERT INTO "LlmCacheEntry" ("key", "text", "finishReason", "tokensIn", "tokensOut", "createdAt", "endpointId")
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::timestamp[], $7::text[])
         ON CONFLICT ("key") DO NOTHING`,
        [
          items.map((item) => item.key),
          items.map((item) => item.value.text),
          items.map((item) => item.value.finishReason),
          items.map((item) => Math.round(item.value.tokensIn)),
          items.map((item) => Math.round(item.value.tokensOut)),
          items.map((item) => item.value.createdAt),
          items.map((item) => item.endpointId),
        ],
      );
      for (const item of items) if (pending.get(item.key) === item.value) pending.delete(item.key);
    },
  });

  type Lookup = { key: string; resolve: (value: CachedResponse | null) => void; reject: (err: unknown) => void };
  let queued: Lookup[] = [];
  let inFlight = 0;

  /*
   * Concurrent lookups share queries: while MAX_LOOKUP_QUERIES are running, new keys wait and
   * go out together in the next `key = ANY($1)` query. At 32 calls in flight that turns 32
   * round trips into a few, and a quiet process still gets its answer in one round trip.
   */
  function sendLookups(): void {
    while (inFlight < MAX_LOOKUP_QUERIES && queued.length > 0) {
      const batch = queued.slice(0, MAX_LOOKUP_BATCH);
      queued = queued.slice(batch.length);
      inFlight += 1;
      pool
        .query<CacheRow & { key: string }>(
          `SELECT "key", "text", "finishReason", "tokensIn", "tokensOut", ("createdAt" AT TIME ZONE 'UTC') AS "createdAt"
           FROM "LlmCacheEntry" WHERE "key" = ANY($1::text[])`,
          [batch.map((lookup) => lookup.key)],
        )
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
          sendLookups();
        });
    }
  }

  return {
    get(key) {
      const local = pending.get(key);
      if (local) return Promise.resolve(local);
      return new Promise<CachedResponse | null>((resolve, reject) => {
        queued.push({ key, resolve, reject });
        if (queued.length === 1) queueMicrotask(sendLookups);
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
