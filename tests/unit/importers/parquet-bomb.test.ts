import { parquetWriteBuffer } from 'hyparquet-writer';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

import { previewFile, readRecords } from '@/lib/importers';
import { boundedDecompressors, parquetDecompressionBudget } from '@/lib/importers/formats/parquet';
import { defaultImportLimits } from '@/lib/importers/types';

import { caught, collect, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();
const MiB = 1024 * 1024;

const gzip = (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes));
const brotli = (bytes: Uint8Array) => new Uint8Array(brotliCompressSync(bytes));

/** A text column and an integer column of zeros (PLAIN, so the zeros really are in the pages: ~1000:1 under GZIP). */
function zerosFile(rows: number, compressors: Record<string, (bytes: Uint8Array) => Uint8Array> = { GZIP: gzip }, codec: 'GZIP' | 'BROTLI' = 'GZIP'): Uint8Array {
  return new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: 'text', data: Array.from({ length: rows }, (_, index) => (index < 3 ? `row ${index + 1}` : null)), type: 'STRING' },
        { name: 'zeros', data: new Int32Array(rows), type: 'INT32', encoding: 'PLAIN' },
      ],
      codec,
      compressors,
      rowGroupSize: rows,
      pageSize: 8 * MiB,
    }),
  );
}

describe('Parquet decompression bombs', () => {
  it('refuses, at preview, a small file whose pages declare ~1000 times its size, naming the column', async () => {
    const bytes = zerosFile(2 * MiB); // 8 MB of zeros in the "zeros" column
    expect(bytes.length).toBeLessThan(16 * 1024);
    const path = await temp.file('declared-bomb.parquet', bytes);
    for (const read of [() => previewFile(path), () => collect(readRecords(path))]) {
      const error = await caught(read);
      expect(error.code).toBe('DECOMPRESSION_BOMB');
      expect(error.column).toBe('zeros');
      expect(error.message).toMatch(/^The Parquet file declares 8\.\d MB of uncompressed data \(8\.0 MB in column "zeros"\), more than 4\.0 MB, the most a file of [\d.]+ KB may expand to \(200:1, and at least 4\.0 MB\); it is refused as a decompression bomb\.$/);
    }
  });

  it('cuts a page that expands beyond the size it declares (a lying header), instead of inflating it', async () => {
    // The writer records the real page size, but the GZIP stream carries 32 MB more zeros.
    const padding = new Uint8Array(32 * MiB);
    const liar = (bytes: Uint8Array) => gzip(Buffer.concat([bytes, padding]));
    const path = await temp.file('lying-bomb.parquet', zerosFile(1000, { GZIP: liar }));
    const error = await caught(() => previewFile(path));
    expect(error.code).toBe('DECOMPRESSION_BOMB');
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/^The Parquet data of rows 1–\d+ is refused as a decompression bomb: a page expands beyond the [\d.]+ (KB|bytes) it declares\.$/);
  });

  it('refuses a page declared larger than the page limit, with the rows it was reading', async () => {
    const path = await temp.file('big-page.parquet', zerosFile(200_000)); // one 800 KB page of zeros
    const error = await caught(() => collect(readRecords(path, { maxParquetPageBytes: 256 * 1024, expansionCheckAfterBytes: 64 * MiB })));
    expect(error.code).toBe('DECOMPRESSION_BOMB');
    expect(error.message).toMatch(/rows 1–200000 is refused as a decompression bomb: a page declares 781\.3 KB uncompressed, more than the limit of 256\.0 KB per page\.$/);
  });

  it('stops once the pages of a file produced more than its budget, whatever each page declares', () => {
    const limits = { ...defaultImportLimits, expansionCheckAfterBytes: 1 * MiB, maxExpansionRatio: 200 };
    const fileBytes = 1000;
    expect(parquetDecompressionBudget(fileBytes, limits)).toBe(1 * MiB);
    const page = new Uint8Array(300 * 1024);
    const compressed = gzip(page);
    const { GZIP } = boundedDecompressors(fileBytes, limits);
    for (let index = 0; index < 3; index += 1) expect(GZIP!(compressed, page.length)).toHaveLength(page.length);
    expect(() => GZIP!(compressed, page.length)).toThrow(/its pages expand to more than 1\.0 MB, the most a file of 1000 bytes may expand to \(200:1, and at least 1\.0 MB\)/);
    expect(parquetDecompressionBudget(10 * 1024 ** 3, limits)).toBe(defaultImportLimits.maxDecompressedBytes);
  });

  it('still reads ordinary GZIP, Brotli and Snappy files', async () => {
    for (const [name, bytes] of [
      ['gzip', zerosFile(1000)],
      ['brotli', zerosFile(1000, { BROTLI: brotli }, 'BROTLI')],
      ['snappy', new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: ['a', 'b', 'c'], type: 'STRING' }] }))],
    ] as const) {
      const preview = await previewFile(await temp.file(`ok-${name}.parquet`, bytes));
      expect(preview.rows.slice(0, 3).map((row) => row.text), name).toEqual(name === 'snappy' ? ['a', 'b', 'c'] : ['row 1', 'row 2', 'row 3']);
    }
  });
});
