import { describe, expect, it } from 'vitest';

import { readSourceRows } from '@/lib/importers';

import { tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();

describe('throughput sanity (prints figures; no timing assertion)', () => {
  it('parses and maps 100k JSONL rows', async () => {
    const count = 100_000;
    const lines: string[] = [];
    for (let index = 0; index < count; index++) {
      lines.push(JSON.stringify({ id: index, text: `Sample source text number ${index}, with ünïcödé 😀 and punctuation.`, topic: 'hate' }));
    }
    const path = await temp.file('bench.jsonl', lines.join('\n'));
    lines.length = 0;

    const started = performance.now();
    let rows = 0;
    let lastId = '';
    for await (const result of readSourceRows(path, { textColumn: 'text', idColumn: 'id', topic: { kind: 'column', column: 'topic' } })) {
      if ('row' in result) {
        rows++;
        lastId = result.row.externalId ?? '';
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `importers: ${rows} JSONL rows in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds)} rows/s, rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`,
    );
    expect(rows).toBe(count);
    expect(lastId).toBe(String(count - 1));
  });
});
