import { describe, expect, it } from 'vitest';
import { createBatchWriter } from '@/lib/llm/postgres/batch-writer';

describe('write-behind batches', () => {
  it('writes in batches of at most maxBatch, in order, and flush() waits for all of it', async () => {
    const batches: number[][] = [];
    const writer = createBatchWriter<number>({ label: 'test', warn: () => {}, maxBatch: 3, intervalMs: 1_000, write: async (items) => void batches.push(items) });
    for (let i = 0; i < 7; i++) writer.add(i);
    await writer.flush();
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(3);
    expect(writer.pending).toBe(0);
  });

  it('keeps rows after a failed write, retries them and warns once', async () => {
    const written: string[] = [];
    const warnings: string[] = [];
    let failuresLeft = 2;
    const writer = createBatchWriter<string>({
      label: 'call log',
      warn: (message) => warnings.push(message),
      intervalMs: 1,
      write: async (items) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('database is restarting');
        }
        written.push(...items);
      },
    });
    writer.add('a');
    writer.add('b');
    await expect(writer.flush()).rejects.toThrow(/restarting/);
    expect(writer.pending).toBe(2);
    const deadline = Date.now() + 2_000;
    while (written.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(written).toEqual(['a', 'b']);
    expect(warnings).toEqual([expect.stringMatching(/^call log: write failed \(1×\)/)]);
    await writer.close();
    expect(() => writer.add('c')).toThrow(/closed/);
  });
});
