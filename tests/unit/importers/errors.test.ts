import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { ImportFileError, openImportStream, readRecords, readSourceRows, type SourceRowResult } from '@/lib/importers';

import { caught, chunkedStream, collect, gzip, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();
const textMapping = { textColumn: 'text' };

function errorsOf(results: SourceRowResult[]) {
  return results.flatMap((result) => ('error' in result ? [result.error] : []));
}

function rowsOf(results: SourceRowResult[]) {
  return results.flatMap((result) => ('row' in result ? [result.row] : []));
}

describe('file errors stop the import with a distinguishable code', () => {
  it.each([
    ['declared JSONL, content is CSV', 'a.jsonl', 'text,topic\nhello,x\n', { declaredFormat: 'jsonl' as const }, /declared as JSONL.*does not start with "\{"/],
    ['named .jsonl, content is a JSON array', 'b.jsonl', '[{"text":"x"}]', {}, /named as JSONL.*JSON array/],
    ['declared JSON, content is JSONL', 'c.txt', '{"text":"x"}\n{"text":"y"}\n', { declaredFormat: 'json' as const }, /expected a JSON array/],
    ['declared CSV, content is JSONL', 'd.csv', '{"text":"x"}\n', {}, /looks like JSON/],
    ['declared Parquet without PAR1 magic', 'e.parquet', 'text\nhello\n', {}, /no "PAR1" magic bytes/],
    ['pretty-printed JSON object as JSONL', 'f.jsonl', '{\n  "text": "x"\n}\n', {}, /pretty-printed/],
  ])('WRONG_FORMAT: %s', async (_name, fileName, content, options, message) => {
    const error = await caught(async () => openImportStream(await temp.file(fileName, content), options));
    expect(error).toBeInstanceOf(ImportFileError);
    expect(error.code).toBe('WRONG_FORMAT');
    expect(error.message).toMatch(message);
  });

  it('WRONG_FORMAT for binary data declared as text formats (ZIP/xlsx, NUL bytes)', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]);
    const zipError = await caught(async () => openImportStream(await temp.file('sheet.csv', zip)));
    expect(zipError).toMatchObject({ code: 'WRONG_FORMAT', message: expect.stringMatching(/ZIP archive/) });
    const binary = Buffer.from(Array.from({ length: 300 }, (_, index) => index % 7));
    const binaryError = await caught(async () => openImportStream(await temp.file('x.bin', binary), { declaredFormat: 'jsonl' }));
    expect(binaryError).toMatchObject({ code: 'WRONG_FORMAT', message: expect.stringMatching(/NUL bytes/) });
  });

  it('TRUNCATED for a Parquet file cut short, CORRUPT for a damaged footer', async () => {
    const buffer = new Uint8Array(
      parquetWriteBuffer({ columnData: [{ name: 'text', data: ['a', 'b', 'c'], type: 'STRING' }] }),
    );
    const cut = await temp.file('cut.parquet', buffer.subarray(0, Math.floor(buffer.length / 2)));
    expect(await caught(() => collect(readRecords(cut)))).toMatchObject({ code: 'TRUNCATED' });

    const damaged = Buffer.from(buffer);
    damaged.fill(0xff, damaged.length - 40, damaged.length - 8);
    const damagedPath = await temp.file('damaged.parquet', damaged);
    expect(await caught(() => collect(readRecords(damagedPath)))).toMatchObject({ code: 'CORRUPT' });
  });

  it('DECOMPRESSION_BOMB when gzip expands beyond the ratio or the absolute limit', async () => {
    const bomb = gzip(Buffer.alloc(16 * 1024 * 1024, 0x61));
    const ratioError = await caught(async () => collect(readRecords(await temp.file('bomb.txt.gz', bomb))));
    expect(ratioError).toMatchObject({ code: 'DECOMPRESSION_BOMB', message: expect.stringMatching(/200:1/) });

    const normal = gzip('text\n' + 'some ordinary line of text\n'.repeat(200));
    const limitError = await caught(async () =>
      collect(readRecords(await temp.file('normal.csv.gz', normal), { maxDecompressedBytes: 1000 })),
    );
    expect(limitError).toMatchObject({ code: 'DECOMPRESSION_BOMB' });
  });

  it('TRUNCATED for a gzip stream that ends early', async () => {
    const whole = gzip('{"text":"x"}\n'.repeat(5000));
    const error = await caught(async () => collect(readRecords(await temp.file('cut.jsonl.gz', whole.subarray(0, whole.length - 30)))));
    expect(error).toMatchObject({ code: 'TRUNCATED' });
  });

  it('TOO_LARGE for a file over maxBytes, known up front or only while streaming', async () => {
    const path = await temp.file('big.txt', 'x\n'.repeat(100));
    expect(await caught(() => openImportStream(path, { maxBytes: 50 }))).toMatchObject({ code: 'TOO_LARGE' });
    const streamed = chunkedStream('x\n'.repeat(100), 16, 'big.txt');
    expect(await caught(() => collect(readRecords(streamed, { maxBytes: 50 })))).toMatchObject({ code: 'TOO_LARGE' });
  });

  it.each([
    ['an empty file', ''],
    ['only whitespace', ' \n\r\n\t '],
    ['only a BOM', '\uFEFF'],
  ])('EMPTY for %s', async (_name, content) => {
    const error = await caught(async () => openImportStream(await temp.file(`empty-${content.length}.jsonl`, content)));
    expect(error).toMatchObject({ code: 'EMPTY' });
  });

  it('EMPTY for an empty JSON array', async () => {
    expect(await caught(async () => collect(readRecords(await temp.file('empty.json', '[ ]'))))).toMatchObject({ code: 'EMPTY' });
  });

  it('MISSING_COLUMN when a mapped column is not in a CSV header, listing the columns there are', async () => {
    const path = await temp.file('cols.csv', 'content,label\nhello,x\n');
    const error = await caught(() => collect(readSourceRows(path, { textColumn: 'text', topic: { kind: 'column', column: 'label' } })));
    expect(error).toMatchObject({ code: 'MISSING_COLUMN', column: 'text', message: expect.stringContaining('"content", "label"') });
  });
});

describe('row errors', () => {
  const jsonl = [
    '{"text":"good one","topic":"hate"}',
    '{"topic":"no text"}',
    '{"text":"   ","topic":"blank"}',
    '{"text":"' + 'y'.repeat(50) + '"}',
    'not json',
    '{"text":"nul \\u0000 inside"}',
    '{"text":{"nested":true}}',
    '{"text":"good two"}',
  ].join('\n');

  it('are reported with line and column, and the good rows still come through (policy skip)', async () => {
    const run = readSourceRows(await temp.file('rows.jsonl', jsonl), textMapping, { maxTextLength: 40 });
    const results = await collect(run);
    expect(rowsOf(results).map((row) => [row.line, row.text])).toEqual([
      [1, 'good one'],
      [8, 'good two'],
    ]);
    expect(errorsOf(results)).toEqual([
      { line: 2, column: 'text', reason: 'missing required column' },
      { line: 3, column: 'text', reason: 'empty text' },
      { line: 4, column: 'text', reason: 'text is 50 characters long; the limit is 40' },
      { line: 5, reason: expect.stringMatching(/^invalid JSON/) },
      { line: 6, column: 'text', reason: expect.stringContaining('NUL') },
      { line: 7, column: 'text', reason: 'expected text but found a object' },
    ]);
    expect(run.stats).toMatchObject({ format: 'jsonl', records: 8, rows: 2, errors: 6 });
  });

  it('counts the length limit in characters (code points), not UTF-16 units', async () => {
    const emoji = '😀'.repeat(30);
    const results = await collect(readSourceRows(await temp.file('emoji.jsonl', JSON.stringify({ text: emoji })), textMapping, { maxTextLength: 30 }));
    expect(rowsOf(results)[0].text).toBe(emoji);
  });

  it('stop the import at the first bad row with policy abort, naming the line and column', async () => {
    const path = await temp.file('abort.jsonl', jsonl);
    const error = await caught(() => collect(readSourceRows(path, textMapping, { onRowError: 'abort' })));
    expect(error).toBeInstanceOf(ImportFileError);
    expect(error).toMatchObject({ code: 'ROW_ERROR', line: 2, column: 'text' });
    expect(error.message).toContain('line 2, column "text": missing required column');
  });

  it('stop the import after maxRowErrors with policy skip', async () => {
    const path = await temp.file('many.jsonl', jsonl);
    const error = await caught(() => collect(readSourceRows(path, textMapping, { maxRowErrors: 2 })));
    expect(error).toMatchObject({ code: 'TOO_MANY_ERRORS', line: 5 });
  });

  it('invalid UTF-8 in a CSV row is a row error; abort names its line', async () => {
    const bytes = Buffer.concat([Buffer.from('text\nok\n'), Buffer.from([0x80, 0x81]), Buffer.from('\nfine\n')]);
    const path = await temp.file('latin.csv', bytes);
    const results = await collect(readSourceRows(path, textMapping));
    expect(errorsOf(results)).toEqual([{ line: 3, reason: expect.stringContaining('invalid UTF-8') }]);
    expect(rowsOf(results).map((row) => row.text)).toEqual(['ok', 'fine']);
    expect(await caught(() => collect(readSourceRows(path, textMapping, { onRowError: 'abort' })))).toMatchObject({
      code: 'ROW_ERROR',
      line: 3,
    });
  });
});
