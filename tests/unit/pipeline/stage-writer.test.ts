import { describe, expect, it } from 'vitest';
import { progressFromResults } from '@/lib/pipeline/item-state';
import type { SqlPool } from '@/lib/db/sql';
import { createStageWriter, type StageWrite } from '@/lib/pipeline/stage-writer';

function entry(itemId: number, stage: StageWrite['stage'] = 'induce'): StageWrite {
  const now = new Date('2026-01-01T00:00:00Z');
  return {
    stage,
    outcome: { ok: true, output: `instruction ${itemId}`, verdict: null, reason: null, prompt: 'p', rawOutput: 'r', error: null, tokensIn: 1, tokensOut: 2, costUsd: 0.1, latencyMs: 3, cacheHit: false, model: 'm', startedAt: now, finishedAt: now },
    after: { ...progressFromResults([]), state: 'INDUCED', next: 'filterInstruction', instruction: `instruction ${itemId}` },
    pair: { runId: 'run', item: { id: BigInt(itemId), sourceTextId: BigInt(100 + itemId), variant: 0, text: 't', topic: 'hate' }, simulated: false },
  };
}

/** A pool that records statements and "writes" every row except those listed. */
function fakePool(notWritten: string[] = [], fail = false) {
  const calls: unknown[][] = [];
  const pool: SqlPool = {
    query: (async (_text: string, params: unknown[][]) => {
      calls.push(params);
      if (fail) throw new Error('connection reset');
      const ids = params[0] as string[];
      const stages = params[1] as string[];
      return { rows: ids.map((id, index) => ({ id, stage: stages[index] })).filter((row) => !notWritten.includes(row.id)) };
    }) as unknown as SqlPool['query'],
  };
  return { pool, calls };
}

describe('createStageWriter', () => {
  it('writes entries that arrive together in one statement, and says which were stored', async () => {
    const { pool, calls } = fakePool(['2']);
    const writer = createStageWriter(pool, { lingerMs: 5 });
    const results = await Promise.all([writer.write(entry(1)), writer.write(entry(2)), writer.write(entry(3))]);
    expect(results).toEqual([true, false, true]);
    expect(calls).toHaveLength(1);
    expect(calls[0][0]).toEqual(['1', '2', '3']);
    expect(calls[0][1]).toEqual(['INDUCE', 'INDUCE', 'INDUCE']);
    expect(calls[0][17]).toEqual(['INDUCED', 'INDUCED', 'INDUCED']);
  });

  it('never puts the same item and stage twice in one statement', async () => {
    const { pool, calls } = fakePool();
    const writer = createStageWriter(pool, { lingerMs: 1 });
    await Promise.all([writer.write(entry(7)), writer.write(entry(7)), writer.write(entry(7, 'filterInstruction'))]);
    expect(calls.length).toBe(2);
    for (const params of calls) {
      const keys = (params[0] as string[]).map((id, index) => `${id}:${(params[1] as string[])[index]}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('splits large batches and rejects every waiting entry when the database fails', async () => {
    const { pool, calls } = fakePool();
    const writer = createStageWriter(pool, { maxBatch: 2, lingerMs: 1, maxConcurrent: 1 });
    await Promise.all([1, 2, 3, 4, 5].map((id) => writer.write(entry(id))));
    expect(calls.map((params) => (params[0] as string[]).length)).toEqual([2, 2, 1]);

    const broken = createStageWriter(fakePool([], true).pool, { lingerMs: 1 });
    await expect(Promise.all([broken.write(entry(1)), broken.write(entry(2))])).rejects.toThrow('connection reset');
    await broken.flush();
  });
});
