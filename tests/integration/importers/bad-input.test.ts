import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { streamRowErrors } from '@/lib/importers/jobs/queries';

import { corpusNamed, gzip, importFile, newCorpus, tempFiles, textsOf, uniqueName } from './helpers';

const temp = tempFiles();

/** A JSONL file with one problem of each kind; lines 1, 4 and 8 are good. */
function badJsonl(): Buffer {
  const lines = [
    JSON.stringify({ text: 'good one', topic: 'hate' }), // 1
    '{"text": "broken json', // 2 invalid JSON
    JSON.stringify({ topic: 'hate' }), // 3 text column missing
    JSON.stringify({ text: 'good two', topic: 'illegal' }), // 4
    JSON.stringify({ text: '   ', topic: 'hate' }), // 5 empty (blank) text
    JSON.stringify({ text: 'x'.repeat(81), topic: 'hate' }), // 6 longer than the limit of 80
    JSON.stringify({ text: 'topic with NUL', topic: 'a\u0000b' }), // 7 topic Postgres cannot store
    JSON.stringify({ text: 'good three', topic: 'nsfw' }), // 8
  ];
  const text = Buffer.from(lines.join('\n') + '\n', 'utf8');
  const invalidUtf8 = Buffer.concat([Buffer.from('{"text": "bad byte '), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]); // 9
  return Buffer.concat([text, invalidUtf8]);
}

const mapping = { textColumn: 'text', topic: { kind: 'column' as const, column: 'topic' } };

async function storedNothing(name: string, importId: string) {
  expect(await corpusNamed(name)).toBeNull();
  expect(await db().sourceText.count({ where: { importId } })).toBe(0);
}

describe('row problems go into the report with line, column and reason', () => {
  it('skip (default): good rows are stored, each bad row is reported once', async () => {
    const name = uniqueName('skip');
    const { outcome, record, importId } = await importFile(await temp.file('skip.jsonl', badJsonl()), newCorpus(name, mapping, { maxTextLength: 80 }));
    expect(outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: 3, errors: 6 });
    expect(record).toMatchObject({ rowsRead: 9, rowsInserted: 3, errorCount: 6 });
    expect((await textsOf(record.corpusId!)).map((row) => [row.line, row.text])).toEqual([
      [1, 'good one'],
      [4, 'good two'],
      [8, 'good three'],
    ]);
    expect(record.rowErrors.map((error) => [error.line, error.column])).toEqual([
      [2, null],
      [3, 'text'],
      [5, 'text'],
      [6, 'text'],
      [7, 'topic'],
      [9, null],
    ]);
    const reasons = record.rowErrors.map((error) => error.reason);
    expect(reasons[0]).toMatch(/invalid JSON/);
    expect(reasons[1]).toBe('missing required column');
    expect(reasons[2]).toBe('empty text');
    expect(reasons[3]).toMatch(/81 characters long; the limit is 80/);
    expect(reasons[4]).toMatch(/NUL/);
    expect(reasons[5]).toMatch(/invalid UTF-8/);

    // The downloadable report holds the same rows.
    let csv = '';
    for await (const chunk of streamRowErrors(importId, 'csv')) csv += chunk;
    expect(csv.split('\n')[0]).toBe('line,column,reason');
    expect(csv.split('\n').filter(Boolean)).toHaveLength(7);
    expect(csv).toContain('3,text,missing required column');
    let jsonl = '';
    for await (const chunk of streamRowErrors(importId, 'jsonl')) jsonl += chunk;
    expect(jsonl.trim().split('\n').map((line) => JSON.parse(line) as { line: number }).map((error) => error.line)).toEqual([2, 3, 5, 6, 7, 9]);
  });

  it('all-or-nothing: a fresh corpus is not even created, and the report still lists every bad row', async () => {
    const name = uniqueName('abort');
    const { outcome, record, importId } = await importFile(await temp.file('abort.jsonl', badJsonl()), newCorpus(name, mapping, { maxTextLength: 80, onRowError: 'abort' }));
    expect(outcome.status).toBe('FAILED');
    expect(record.error).toMatch(/6 rows have problems \(first: line 2.*all-or-nothing/);
    expect(record.errorCount).toBe(6);
    expect(record.rowErrors).toHaveLength(6);
    await storedNothing(name, importId);
  });

  it('all-or-nothing into an existing corpus adds nothing to it', async () => {
    const name = uniqueName('abort existing');
    await importFile(await temp.file('seed.txt', 'already here\n'), newCorpus(name, { textColumn: 'text' }));
    const corpus = (await corpusNamed(name))!;
    const { outcome, importId } = await importFile(await temp.file('abort2.jsonl', badJsonl()), {
      kind: 'corpus',
      target: { mode: 'existing', corpusId: corpus.id },
      mapping,
      onRowError: 'abort',
    });
    expect(outcome.status).toBe('FAILED');
    expect(await db().sourceText.count({ where: { importId } })).toBe(0);
    expect(await db().corpus.findUniqueOrThrow({ where: { id: corpus.id } })).toMatchObject({ itemCount: 1 });
  });

  it('a file of only bad rows fails without storing anything', async () => {
    const name = uniqueName('all bad');
    const { outcome, importId } = await importFile(await temp.file('allbad.jsonl', '{"nope": 1}\n{"nope": 2}\n'), newCorpus(name, { textColumn: 'text' }));
    expect(outcome).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/None of the 2 rows can be imported/) });
    await storedNothing(name, importId);
  });

  it('too many row errors stop the import as a file problem', async () => {
    const name = uniqueName('too many');
    const content = Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? '{"text": ""}' : '{"text": "fine ' + index + '"}')).join('\n');
    const { outcome, record, importId } = await importFile(await temp.file('many.jsonl', content), newCorpus(name, { textColumn: 'text' }, { maxRowErrors: 5 }));
    expect(outcome.status).toBe('FAILED');
    expect(record.error).toMatch(/more than 5 rows have problems.*Nothing was stored/);
    expect(record.rowErrors.length).toBeGreaterThanOrEqual(5);
    await storedNothing(name, importId);
  });
});

describe('file problems stop the import with a clear message and store nothing', () => {
  it.each([
    ['content is not the declared format', 'declared.jsonl', () => 'text,topic\nhello,x\n', { format: 'jsonl' as const }, /declared as JSONL/, {}],
    ['a mapped column the file does not have', 'columns.csv', () => 'body,topic\nhello,x\n', {}, /no column "text".*"body", "topic"/, {}],
    [
      'a truncated Parquet file',
      'cut.parquet',
      () => {
        const whole = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: Array.from({ length: 500 }, (_, index) => `row ${index}`), type: 'STRING' }] }));
        return whole.subarray(0, Math.floor(whole.length * 0.6));
      },
      {},
      /truncated/,
      {},
    ],
    ['a decompression bomb', 'bomb.txt.gz', () => gzip(Buffer.alloc(32 * 1024 * 1024, 0x61)), {}, /200:1/, {}],
    ['a file over the size limit', 'big.txt', () => 'a line of text\n'.repeat(100), {}, /larger than the limit/, { limits: { maxBytes: 1000 } }],
    [
      // Many good rows first: the check pass finds the cut before anything is written.
      'a gzip file cut off at the end, after thousands of good rows',
      'cut.jsonl.gz',
      () => {
        const whole = gzip(Array.from({ length: 20_000 }, (_, index) => JSON.stringify({ text: `good row number ${index} ${'pad '.repeat(index % 7)}` })).join('\n'));
        return whole.subarray(0, whole.length - 20);
      },
      {},
      /ends early|truncated/i,
      { batchRows: 500 },
    ],
  ])('%s', async (_label, fileName, content, configExtra, message, runOptions) => {
    const name = uniqueName(fileName);
    const { outcome, record, importId } = await importFile(await temp.file(`${name.replaceAll(' ', '_')}-${fileName}`, content()), newCorpus(name, { textColumn: 'text' }, configExtra), runOptions);
    expect(outcome.status).toBe('FAILED');
    expect(record.error).toMatch(message);
    expect(record.error).toMatch(/Nothing was stored/);
    expect(record.rowsInserted).toBe(0);
    await storedNothing(name, importId);
  });
});

describe('the import runner runs only its own SQL', () => {
  it('ignores SQL placed in the environment (the removed IMP_EXP hook)', async () => {
    const name = uniqueName('env-sql');
    const previous = process.env.IMP_EXP;
    // The old hook appended this to every batch transaction: the import would fail on it.
    process.env.IMP_EXP = "SELECT 1/0";
    try {
      const { outcome } = await importFile(await temp.file(`${name.replaceAll(' ', '_')}.txt`, 'first line\nsecond line\n'), newCorpus(name, { textColumn: 'text' }));
      expect(outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: 2 });
    } finally {
      if (previous === undefined) delete process.env.IMP_EXP;
      else process.env.IMP_EXP = previous;
    }
  });
});
