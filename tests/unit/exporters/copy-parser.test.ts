import { describe, expect, it } from 'vitest';

import { BinaryCopyParser } from '@/lib/exporters/copy-rows';

/** A binary COPY stream as Postgres writes it: signature, flags, header extension, rows, trailer. */
function copyStream(rows: (string | null)[][], extension = Buffer.alloc(0)): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1')];
  const int32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32BE(value);
    return bytes;
  };
  const int16 = (value: number) => {
    const bytes = Buffer.alloc(2);
    bytes.writeInt16BE(value);
    return bytes;
  };
  parts.push(int32(0), int32(extension.length), extension);
  for (const row of rows) {
    parts.push(int16(row.length));
    for (const field of row) {
      if (field === null) parts.push(int32(-1));
      else {
        const bytes = Buffer.from(field, 'utf8');
        parts.push(int32(bytes.length), bytes);
      }
    }
  }
  parts.push(int16(-1));
  return Buffer.concat(parts);
}

function parse(stream: Buffer, chunkSize: number): { rows: (string | null)[][]; ended: boolean } {
  const parser = new BinaryCopyParser();
  const rows: (string | null)[][] = [];
  for (let at = 0; at < stream.length; at += chunkSize) {
    parser.push(stream.subarray(at, at + chunkSize), (data, fields, count) => {
      const row: (string | null)[] = [];
      for (let i = 0; i < count; i++) row.push(fields[2 * i + 1] < 0 ? null : data.toString('utf8', fields[2 * i], fields[2 * i] + fields[2 * i + 1]));
      rows.push(row);
    });
  }
  return { rows, ended: parser.ended };
}

describe('BinaryCopyParser', () => {
  const rows = [
    ['1', 'plain', null, ''],
    ['2', 'emoji 😀 and ünïcödé split across chunks', 'line\nbreak', null],
    ['3', 'x'.repeat(70_000), '"quoted"', '\u0000'.replace('\u0000', 'nul-free')],
  ];

  it('finds the same rows whatever the chunk boundaries, header extension included', () => {
    const stream = copyStream(rows, Buffer.from('ext'));
    for (const size of [1, 2, 3, 5, 7, 19, 20, 21, 22, 64, 1000, stream.length]) {
      expect(parse(stream, size), `chunks of ${size}`).toEqual({ rows, ended: true });
    }
    expect(parse(copyStream([]), 1)).toEqual({ rows: [], ended: true });
  });

  it('refuses a stream that is not binary COPY', () => {
    const parser = new BinaryCopyParser();
    expect(() => parser.push(Buffer.from('1\tplain\tnot binary\n'.repeat(2)), () => undefined)).toThrow(/not a binary COPY stream/);
  });
});
