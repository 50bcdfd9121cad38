import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { isRowError, openImportStream, readRecords, recordReaders, type RawRecord, type RowError } from '@/lib/importers';

import { caught, chunkedStream, collect, gzip, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();

function goodRows(items: Array<RawRecord | RowError>): RawRecord[] {
  return items.filter((item): item is RawRecord => !isRowError(item));
}

describe('JSONL', () => {
  it('reads one object per line with physical line numbers, skipping blank lines', async () => {
    const content = '{"text":"a","n":1}\n\n{"text":"b","nested":{"x":[1,2]}}\r\n   \n{"text":"c"}';
    const items = await collect(readRecords(await temp.file('a.jsonl', content)));
    expect(items).toEqual([
      { line: 1, fields: { text: 'a', n: 1 } },
      { line: 3, fields: { text: 'b', nested: { x: [1, 2] } } },
      { line: 5, fields: { text: 'c' } },
    ]);
  });

  it('turns unparseable lines, non-objects and invalid UTF-8 into row errors with their line', async () => {
    const content = Buffer.concat([
      Buffer.from('{"text":"ok"}\n{"text": broken}\n[1,2]\n{"text":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n{"text":"last"}\n'),
    ]);
    const items = await collect(readRecords(await temp.file('bad.jsonl', content)));
    const errors = items.filter(isRowError);
    expect(errors.map((error) => error.line)).toEqual([2, 3, 4]);
    expect(errors[0].reason).toMatch(/^invalid JSON/);
    expect(errors[1].reason).toBe('expected a JSON object but found an array');
    expect(errors[2].reason).toMatch(/invalid UTF-8/);
    expect(goodRows(items).map((row) => [row.line, row.fields.text])).toEqual([
      [1, 'ok'],
      [5, 'last'],
    ]);
  });

  it('reports a line longer than maxRecordBytes and carries on with the next line', async () => {
    const long = JSON.stringify({ text: 'x'.repeat(5000) });
    const content = `{"text":"a"}\n${long}\n{"text":"b"}\n`;
    for (const size of [64, 1 << 20]) {
      const items = await collect(readRecords(chunkedStream(content, size, 'x.jsonl'), { maxRecordBytes: 1000 }));
      expect(items).toEqual([
        { line: 1, fields: { text: 'a' } },
        { line: 2, reason: 'record is longer than the limit of 1000 bytes' },
        { line: 3, fields: { text: 'b' } },
      ]);
    }
  });
});

describe('JSON array (streamed)', () => {
  const pretty = JSON.stringify(
    [
      { text: 'first', tags: ['a', 'b'], meta: { deep: { er: [{}] } } },
      { text: 'with "quotes", \\backslashes\\ and braces {[ ]} inside', n: 2 },
      { text: 'unicode é 😀 \u200B', escaped: '\u00e9\n' },
    ],
    null,
    2,
  );

  it('streams the elements of a pretty-printed array with the line where each starts', async () => {
    const items = await collect(readRecords(await temp.file('a.json', pretty)));
    expect(goodRows(items).map((row) => row.fields)).toEqual(JSON.parse(pretty));
    expect(items.map((item) => item.line)).toEqual([2, 16, 20]);
  });

  it('gives the same records for any chunking (strings, escapes and UTF-8 cut anywhere)', async () => {
    const padding = Array.from({ length: 1500 }, (_, index) => JSON.stringify({ text: `filler ${index}`, pad: 'x'.repeat(20) }));
    const content = `[${padding.join(',\n')},\n${pretty.slice(1)}`;
    const whole = await collect(readRecords(chunkedStream(content, 1 << 20, 'x.json')));
    expect(whole).toHaveLength(1503);
    expect(goodRows(whole).at(-2)?.fields.text).toBe('with "quotes", \\backslashes\\ and braces {[ ]} inside');
    for (const size of [1, 2, 5, 17, 4099]) {
      expect(await collect(readRecords(chunkedStream(content, size, 'x.json', 65_536)))).toEqual(whole);
    }
  });

  it('makes a bad element a row error but stops on broken array structure or a truncated file', async () => {
    const items = await collect(readRecords(await temp.file('mixed.json', '[{"text":"a"},\n 42,\n {"text": nope},\n {"text":"b"}]')));
    expect(items).toEqual([
      { line: 1, fields: { text: 'a' } },
      { line: 2, reason: 'expected a JSON object but found a number' },
      { line: 3, reason: expect.stringMatching(/^invalid JSON/) },
      { line: 4, fields: { text: 'b' } },
    ]);

    const badBytes = Buffer.concat([Buffer.from('[{"text":"a"},\n{"text":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"},\n{"text":"c"}]')]);
    expect(await collect(readRecords(await temp.file('bad-utf8.json', badBytes)))).toEqual([
      { line: 1, fields: { text: 'a' } },
      { line: 2, reason: expect.stringContaining('invalid UTF-8') },
      { line: 3, fields: { text: 'c' } },
    ]);

    const truncated = await caught(() => collect(readRecords(chunkedStream('[{"text":"a"},\n{"text":"b', 4, 'cut.json'))));
    expect(truncated).toMatchObject({ code: 'TRUNCATED', line: 2 });

    const broken = await caught(() => collect(readRecords(chunkedStream('[{"text":"a"}\n{"text":"b"}]', 4, 'broken.json'))));
    expect(broken).toMatchObject({ code: 'CORRUPT', line: 2 });
  });
});

describe('plain text', () => {
  it('makes one record per line, keeping whitespace but not the line break; empty lines are skipped', async () => {
    const items = await collect(readRecords(await temp.file('a.txt', 'first line\r\n\n  indented and trailing  \n\t\nlast')));
    expect(items).toEqual([
      { line: 1, fields: { text: 'first line' } },
      { line: 3, fields: { text: '  indented and trailing  ' } },
      { line: 4, fields: { text: '\t' } },
      { line: 5, fields: { text: 'last' } },
    ]);
  });
});

describe('Parquet', () => {
  function parquetFile(rowGroupSize?: number): ArrayBuffer {
    return parquetWriteBuffer({
      columnData: [
        { name: 'text', data: ['alpha', 'béta 😀', null, '\uFEFFbom kept'], type: 'STRING' },
        { name: 'label', data: ['hate', 'illegal', 'nsfw', 'hate'], type: 'STRING' },
        { name: 'score', data: [1n, 2n, 3n, 9007199254740993n], type: 'INT64' },
      ],
      rowGroupSize,
    });
  }

  it('reads rows (1-based row numbers as lines) with JSON-compatible values, row group by row group', async () => {
    const path = await temp.file('a.parquet', new Uint8Array(parquetFile(3)));
    const run = readRecords(path);
    const items = await collect(run);
    expect(run.stats.format).toBe('parquet');
    expect(items).toEqual([
      { line: 1, fields: { text: 'alpha', label: 'hate', score: 1 } },
      { line: 2, fields: { text: 'béta 😀', label: 'illegal', score: 2 } },
      { line: 3, fields: { text: null, label: 'nsfw', score: 3 } },
      { line: 4, fields: { text: '\uFEFFbom kept', label: 'hate', score: '9007199254740993' } },
    ]);
  });

  it('reads a big row group in windows of rows when pages are indexed, in order', async () => {
    const count = 25_000;
    const texts = Array.from({ length: count }, (_, index) => `row ${index + 1}`);
    const buffer = parquetWriteBuffer({
      columnData: [{ name: 'text', data: texts, type: 'STRING', offsetIndex: true }],
      rowGroupSize: count,
      pageSize: 20_000,
    });
    const opened = await openImportStream(await temp.file('big.parquet', new Uint8Array(buffer)));
    const blocks = await collect(recordReaders.parquet(opened, { onColumns: () => undefined }));
    expect(blocks.map((block) => block.length)).toEqual([10_000, 10_000, 5_000]);
    const items = goodRows(blocks.flat());
    expect(items).toHaveLength(count);
    expect(items.every((item) => item.fields.text === `row ${item.line}`)).toBe(true);
  });

  it('reads gzip-compressed and streamed Parquet through a temporary file', async () => {
    const bytes = new Uint8Array(parquetFile());
    const fromGzip = await collect(readRecords(await temp.file('a.parquet.gz', gzip(bytes))));
    const fromStream = await collect(readRecords(chunkedStream(bytes, 100)));
    expect(fromGzip).toHaveLength(4);
    expect(fromStream).toEqual(fromGzip);
  });

  it('reports invalid UTF-8 in a value as a row error naming the column', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [{ name: 'text', data: [new Uint8Array([0x6f, 0x6b]), new Uint8Array([0xc3, 0x28])], type: 'BYTE_ARRAY' }],
    });
    const items = await collect(readRecords(await temp.file('bad.parquet', new Uint8Array(buffer))));
    expect(items).toEqual([
      { line: 1, fields: { text: 'ok' } },
      { line: 2, column: 'text', reason: expect.stringContaining('invalid UTF-8') },
    ]);
  });
});

describe('gzip variants and the reader table', () => {
  it.each([
    ['a.jsonl.gz', '{"text":"x"}\n{"text":"y"}\n'],
    ['a.json.gz', '[{"text":"x"},{"text":"y"}]'],
    ['a.txt.gz', 'x\ny\n'],
    ['a.tsv.gz', 'text\nx\ny\n'],
  ])('reads %s', async (name, content) => {
    const run = readRecords(await temp.file(name, gzip(content)));
    const rows = goodRows(await collect(run));
    expect(run.stats.compressed).toBe(true);
    expect(rows.map((row) => row.fields.text)).toEqual(['x', 'y']);
    expect(run.stats.bytesRead).toBe(gzip(content).length);
  });

  it('detects the format from the content when the name says nothing', async () => {
    const cases: Array<[string, string]> = [
      ['{"a":1}\n', 'jsonl'],
      ['  [{"a":1}]', 'json'],
      ['a;b\n1;2\n', 'csv'],
      ['a\tb\n1\t2\n', 'tsv'],
      ['just some words\nmore words\n', 'text'],
    ];
    for (const [content, format] of cases) {
      const opened = await openImportStream(chunkedStream(content, 1024));
      await opened.close();
      expect(opened.format).toBe(format);
    }
    expect(Object.keys(recordReaders).sort()).toEqual(['csv', 'json', 'jsonl', 'parquet', 'text', 'tsv']);
  });
});
