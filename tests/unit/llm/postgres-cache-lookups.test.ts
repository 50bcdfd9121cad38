import { describe, expect, it } from 'vitest';
import type { CachedResponse } from '@/lib/llm/ports';
import { createPostgresCache } from '@/lib/llm/postgres/cache';
import type { SqlPool } from '@/lib/llm/postgres/sql';

type Row = { key: string; text: string; finishReason: string | null; tokensIn: number; tokensOut: number; createdAt: Date };
type Query = { name?: string; text: string; values: unknown[] };

/** A pool that answers cache lookups from `rows` and keeps every query it was sent. */
function fakePool(rows: Row[], options: { failLookups?: number } = {}) {
  const queries: Query[] = [];
  let failuresLeft = options.failLookups ?? 0;
  const pool = {
    async query(config: Query) {
      queries.push(config);
      if (!config.text.includes('ANY($1::text[])')) return { rows: [] };
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('connection reset');
      }
      const keys = new Set(config.values[0] as string[]);
      return { rows: rows.filter((row) => keys.has(row.key)) };
    },
  } as unknown as SqlPool;
  return { pool, lookups: () => queries.filter((q) => q.text.includes('ANY($1::text[])')) };
}

const row = (key: string, text: string): Row => ({ key, text, finishReason: 'stop', tokensIn: 3, tokensOut: 4, createdAt: new Date('2026-01-02T03:04:05Z') });

describe('Postgres cache lookups', () => {
  it('sends lookups started together as one query and answers each key with its own row', async () => {
    const { pool, lookups } = fakePool([row('a', 'answer a'), row('c', 'answer c')]);
    const cache = createPostgresCache(pool, { warn: () => {} });
    const results = await Promise.all(['a', 'b', 'c', 'a'].map((key) => cache.get(key)));
    expect(results.map((r) => r?.text ?? null)).toEqual(['answer a', null, 'answer c', 'answer a']);
    expect(results[0]).toMatchObject({ finishReason: 'stop', tokensIn: 3, tokensOut: 4, createdAt: '2026-01-02T03:04:05.000Z' });
    expect(lookups()).toHaveLength(1);
    expect(lookups()[0].values[0]).toEqual(['a', 'b', 'c', 'a']);
    await cache.close();
  });

  it('queues keys that arrive while queries run and sends them together next', async () => {
    const { pool, lookups } = fakePool([row('k7', 'seven')]);
    const cache = createPostgresCache(pool, { warn: () => {} });
    const first = cache.get('k0');
    await new Promise((resolve) => setImmediate(resolve));
    const second = cache.get('k1');
    await new Promise((resolve) => setImmediate(resolve));
    // Two queries are running now; these wait and share the next one.
    const waiting = Array.from({ length: 8 }, (_, i) => cache.get(`k${i + 2}`));
    const answers = await Promise.all([first, second, ...waiting]);
    expect(answers.filter(Boolean).map((a) => a?.text)).toEqual(['seven']);
    expect(lookups().map((q) => (q.values[0] as string[]).length)).toEqual([1, 1, 8]);
    await cache.close();
  });

  it('rejects only the lookups of a failed query; later lookups are sent again', async () => {
    const { pool } = fakePool([row('x', 'ex')], { failLookups: 1 });
    const cache = createPostgresCache(pool, { warn: () => {} });
    await expect(cache.get('x')).rejects.toThrow(/connection reset/);
    await expect(cache.get('x')).resolves.toMatchObject({ text: 'ex' });
    await cache.close();
  });

  it('answers a key stored by this process from memory until it is written', async () => {
    const { pool, lookups } = fakePool([]);
    const cache = createPostgresCache(pool, { warn: () => {}, intervalMs: 60_000 });
    const value: CachedResponse = { text: 'mine', finishReason: 'stop', tokensIn: 1, tokensOut: 2, tokensEstimated: false, createdAt: new Date().toISOString() };
    await cache.put('k', value, { endpointId: 'e' });
    await expect(cache.get('k')).resolves.toBe(value);
    expect(lookups()).toHaveLength(0);
    await cache.close();
  });
});
