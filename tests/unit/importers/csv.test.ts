import { describe, expect, it } from 'vitest';

import { detectDelimiter, isRowError, readRecords, type RawRecord, type RowError } from '@/lib/importers';

import { caught, chunkedStream, collect, gzip, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();

async function records(content: string | Uint8Array, name = 'data.csv', options = {}): Promise<Array<RawRecord | RowError>> {
  return collect(readRecords(await temp.file(name, content), options));
}

function goodRows(items: Array<RawRecord | RowError>): Array<{ line: number; fields: Record<string, unknown> }> {
  return items.filter((item): item is RawRecord => !isRowError(item));
}

describe('CSV (RFC 4180)', () => {
  it('parses quoted fields, doubled quotes and embedded CRLF/LF line breaks, with the start line of each record', async () => {
    const csv = [
      'id,text,label',
      '1,plain,hate',
      '2,"with, comma","self-harm"',
      '3,"she said ""hi""",illegal',
      '4,"line one\r\nline two\nline three",nsfw',
      '5,"",hate',
      '6,last,hate',
    ].join('\r\n');
    const rows = goodRows(await records(csv));
    expect(rows.map((row) => row.fields.text)).toEqual([
      'plain',
      'with, comma',
      'she said "hi"',
      'line one\r\nline two\nline three',
      '',
      'last',
    ]);
    expect(rows.map((row) => row.line)).toEqual([2, 3, 4, 5, 8, 9]);
    expect(rows[1].fields).toEqual({ id: '2', text: 'with, comma', label: 'self-harm' });
  });

  it('drops a UTF-8 BOM from the header but keeps zero-width characters inside fields', async () => {
    const rows = goodRows(await records('\uFEFFtext,topic\n"\u200Bzero\uFEFFwidth",x\n'));
    expect(Object.keys(rows[0].fields)).toEqual(['text', 'topic']);
    expect(rows[0].fields.text).toBe('\u200Bzero\uFEFFwidth');
  });

  it.each([
    [',', 'a,b,c\n1,"x,y",3\n4,5,6\n'],
    [';', 'a;b;c\n1;"x;y, and a comma";3\n4;5,5;6\n'],
    ['\t', 'a\tb\tc\n1\t2, with comma\t3\n4\t5\t6\n'],
    ['|', 'a|b|c\n1|2, two|3\n4|5|6\n'],
  ])('detects the delimiter %j', async (delimiter, content) => {
    expect(detectDelimiter(content, true)).toBe(delimiter);
    const run = readRecords(await temp.file(`detect-${delimiter.charCodeAt(0)}.csv`, content));
    const rows = goodRows(await collect(run));
    expect(run.stats.delimiter).toBe(delimiter);
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0].fields)).toEqual(['a', 'b', 'c']);
  });

  it('returns null for text without a consistent delimiter', () => {
    expect(detectDelimiter('Hello, world.\nNo commas here\nOne, two, three, four\n', true)).toBeNull();
  });

  it('reads .tsv files with tabs and keeps commas and quotes-in-the-middle as text', async () => {
    const rows = goodRows(await records('text\ttopic\nsay "hi", please\thate\n', 'data.tsv'));
    expect(rows[0].fields).toEqual({ text: 'say "hi", please', topic: 'hate' });
  });

  it('reports ragged rows as row errors with their line and goes on', async () => {
    const items = await records('a,b\n1,2\n3\n4,5,6\n7,8\n');
    expect(items.filter(isRowError)).toEqual([
      { line: 3, reason: 'expected 2 fields (as in the header) but found 1' },
      { line: 4, reason: 'expected 2 fields (as in the header) but found 3' },
    ]);
    expect(goodRows(items).map((row) => row.line)).toEqual([2, 5]);
  });

  it('skips blank lines, handles a last line without a line break and a trailing empty field', async () => {
    const rows = goodRows(await records('a,b\n\n1,\r\n\r\n2,x'));
    expect(rows).toEqual([
      { line: 3, fields: { a: '1', b: '' } },
      { line: 5, fields: { a: '2', b: 'x' } },
    ]);
  });

  it('reports text after a closing quote and an unclosed quote as row errors', async () => {
    const items = await records('a,b\n"x"y,1\n2,3\n"never closed,4\n5,6\n');
    const errors = items.filter(isRowError);
    expect(errors[0]).toMatchObject({ line: 2, reason: expect.stringContaining('after a closing quote') });
    expect(errors[1]).toMatchObject({ line: 4, reason: expect.stringContaining('never closed') });
    expect(goodRows(items).map((row) => row.fields.a)).toEqual(['2']);
  });

  it('reports a record with invalid UTF-8 (even inside a multi-line field) and keeps the others', async () => {
    const bytes = Buffer.concat([
      Buffer.from('text,n\n"ok",1\n"bad\nstill '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(' bad",2\nfine,3\n'),
    ]);
    const items = await records(bytes);
    expect(items.filter(isRowError)).toEqual([{ line: 3, reason: expect.stringContaining('invalid UTF-8') }]);
    expect(goodRows(items).map((row) => row.fields.n)).toEqual(['1', '3']);
  });

  it('names empty and repeated header columns so each stays addressable', async () => {
    const rows = goodRows(await records('text,,text\n1,2,3\n'));
    expect(rows[0].fields).toEqual({ text: '1', column_2: '2', text_2: '3' });
  });

  it('gives the same records whatever the chunking of the byte stream (quotes, CRLF and UTF-8 split anywhere)', async () => {
    // The first 64 KB are read ahead in one piece for sniffing; the tricky rows come after them.
    const padding = Array.from({ length: 5100 }, (_, index) => `${index},filler\r\n`).join('');
    const tricky = '1,"multi\r\nline ""quoted"" é 😀"\r\n2,plain ✓\r\n3,"a,b"\r\n4,"ends at EOF"';
    const csv = `id,text\r\n${padding}${tricky}`;
    const whole = await collect(readRecords(chunkedStream(csv, 1 << 20, 'x.csv')));
    expect(goodRows(whole).slice(-4).map((row) => row.fields.text)).toEqual(['multi\r\nline "quoted" é 😀', 'plain ✓', 'a,b', 'ends at EOF']);
    expect(whole.at(-1)).toMatchObject({ line: 5106 });
    for (const size of [1, 2, 3, 7, 13, 4099]) {
      expect(await collect(readRecords(chunkedStream(csv, size, 'x.csv', 65_536)))).toEqual(whole);
    }
  });

  it('reads gzip-compressed CSV, detected by magic bytes even without a .gz name', async () => {
    const content = gzip('text,topic\nhello,a\n"multi\nline",b\n');
    const run = readRecords(await temp.file('compressed.csv', content));
    const rows = goodRows(await collect(run));
    expect(run.stats.compressed).toBe(true);
    expect(rows.map((row) => row.fields.text)).toEqual(['hello', 'multi\nline']);
  });

  it('stops with EMPTY when there is a header but no data rows', async () => {
    const error = await caught(() => records('a,b\n'));
    expect(error.code).toBe('EMPTY');
  });
});
