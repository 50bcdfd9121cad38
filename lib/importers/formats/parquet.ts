import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  snappyUncompress,
  type AsyncBuffer,
  type CompressionCodec,
  type Compressors,
  type FileMetaData,
  type ParquetParsers,
} from 'hyparquet';

import { formatBytes } from '../byte-source';
import { ImportFileError } from '../errors';
import type { OpenedImport } from '../open-import';
import type { ImportLimits } from '../types';
import { invalidUtf8Reason, type RecordItem, type ReaderContext } from './context';

/** Rows per read when a row group has offset indexes (pages can be skipped); bounds memory for big groups. */
const rowWindow = 10_000;

/** Marks a value we could not decode, so the row (not the whole file) is rejected. */
class UndecodableValue {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** hyparquet's default decoder replaces bad bytes and strips a leading BOM; we keep text exact and flag bad bytes. */
const parsers: Partial<ParquetParsers> = {
  stringFromBytes(bytes: Uint8Array | undefined) {
    if (!bytes) return bytes;
    try {
      return strictDecoder.decode(bytes);
    } catch {
      return new UndecodableValue(invalidUtf8Reason);
    }
  },
  jsonFromBytes(bytes: Uint8Array | undefined) {
    if (!bytes) return bytes;
    try {
      return JSON.parse(strictDecoder.decode(bytes));
    } catch {
      return new UndecodableValue('invalid JSON value');
    }
  },
};

type DecompressionLimits = Pick<ImportLimits, 'maxDecompressedBytes' | 'maxParquetPageBytes' | 'maxExpansionRatio' | 'expansionCheckAfterBytes'>;

/** Raised inside hyparquet's page reader; becomes a DECOMPRESSION_BOMB file error naming the rows being read. */
class PageBombError extends Error {}

/** What a file of `fileBytes` may decompress to in all: the gzip rule (a ratio, once past a few MB), capped. */
export function parquetDecompressionBudget(fileBytes: number, limits: DecompressionLimits): number {
  return Math.min(limits.maxDecompressedBytes, Math.max(limits.expansionCheckAfterBytes, fileBytes * limits.maxExpansionRatio));
}

function budgetExplanation(budget: number, fileBytes: number, limits: DecompressionLimits): string {
  return budget === limits.maxDecompressedBytes
    ? `the limit of ${formatBytes(budget)}`
    : `${formatBytes(budget)}, the most a file of ${formatBytes(fileBytes)} may expand to (${limits.maxExpansionRatio}:1, and at least ${formatBytes(limits.expansionCheckAfterBytes)})`;
}

/**
 * Page decompressors that cannot exhaust memory: a page is refused when it declares more than the
 * page limit, its output is cut at its declared size (zlib stops there instead of inflating a
 * bomb), and the file as a whole stops once its pages produced more than its budget. hyparquet
 * passes each page's declared size; its own Snappy would allocate that size unchecked, so it is
 * wrapped too.
 */
export function boundedDecompressors(fileBytes: number, limits: DecompressionLimits): Compressors {
  const budget = parquetDecompressionBudget(fileBytes, limits);
  let produced = 0;
  const bounded =
    (decompress: (input: Uint8Array, declared: number) => Uint8Array) =>
    (input: Uint8Array, declared: number): Uint8Array => {
      if (declared > limits.maxParquetPageBytes) {
        throw new PageBombError(`a page declares ${formatBytes(declared)} uncompressed, more than the limit of ${formatBytes(limits.maxParquetPageBytes)} per page`);
      }
      if (produced + declared > budget) {
        throw new PageBombError(`its pages expand to more than ${budgetExplanation(budget, fileBytes, limits)}`);
      }
      const output = decompress(input, declared);
      produced += output.length;
      return output;
    };
  const capped = (inflate: (input: Uint8Array, maxOutputLength: number) => Uint8Array) =>
    bounded((input, declared) => {
      try {
        return inflate(input, Math.max(1, declared));
      } catch (error) {
        if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
          throw new PageBombError(`a page expands beyond the ${formatBytes(declared)} it declares`);
        }
        throw error;
      }
    });
  return {
    GZIP: capped((input, maxOutputLength) => gunzipSync(input, { maxOutputLength })),
    BROTLI: capped((input, maxOutputLength) => brotliDecompressSync(input, { maxOutputLength })),
    SNAPPY: bounded((input, declared) => {
      const output = new Uint8Array(declared);
      snappyUncompress(input, output);
      return output;
    }),
  };
}

/** Declared sizes come from the footer: a file that announces a bomb is refused before any page is read, naming the column. */
function checkDeclaredSizes(metadata: FileMetaData, fileBytes: number, limits: DecompressionLimits): void {
  const budget = parquetDecompressionBudget(fileBytes, limits);
  const byColumn = new Map<string, number>();
  let total = 0;
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      if (!chunk.meta_data || chunk.meta_data.codec === 'UNCOMPRESSED') continue;
      const size = Number(chunk.meta_data.total_uncompressed_size);
      const column = chunk.meta_data.path_in_schema.join('.');
      byColumn.set(column, (byColumn.get(column) ?? 0) + size);
      total += size;
    }
  }
  if (total <= budget) return;
  const [column, size] = [...byColumn].reduce((largest, entry) => (entry[1] > largest[1] ? entry : largest));
  throw new ImportFileError(
    'DECOMPRESSION_BOMB',
    `The Parquet file declares ${formatBytes(total)} of uncompressed data (${formatBytes(size)} in column "${column}"), more than ${budgetExplanation(budget, fileBytes, limits)}; it is refused as a decompression bomb.`,
    { column },
  );
}
const supportedCodecs = new Set<CompressionCodec>(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI']);

/** Parquet values → JSON-compatible values (what the metadata column of Postgres can hold). */
function toJsonValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<unknown>, toJsonValue);
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = toJsonValue(item);
  return result;
}

function findUndecodable(value: unknown): UndecodableValue | null {
  if (value instanceof UndecodableValue) return value;
  if (typeof value !== 'object' || value === null || value instanceof Date || ArrayBuffer.isView(value)) return null;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const found = findUndecodable(item);
    if (found) return found;
  }
  return null;
}

function rowToRecord(row: Record<string, unknown>, columns: string[], line: number): RecordItem {
  const fields: Record<string, unknown> = {};
  for (const column of columns) {
    const value = row[column];
    const undecodable = findUndecodable(value);
    if (undecodable) return { line, column, reason: undecodable.reason };
    fields[column] = toJsonValue(value);
  }
  return { line, fields };
}

async function spoolToTempFile(bytes: AsyncIterable<Buffer>): Promise<{ path: string; remove: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'import-parquet-'));
  const remove = () => rm(directory, { recursive: true, force: true });
  const path = join(directory, 'data.parquet');
  try {
    await pipeline(Readable.from(bytes), createWriteStream(path));
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, remove };
}

async function readFooter(file: AsyncBuffer): Promise<FileMetaData> {
  if (file.byteLength < 12) {
    throw new ImportFileError('TRUNCATED', 'The Parquet file is too short to be complete; it looks truncated. Upload it again.');
  }
  const tail = new Uint8Array(await file.slice(file.byteLength - 4, file.byteLength));
  if (String.fromCharCode(...tail) !== 'PAR1') {
    throw new ImportFileError(
      'TRUNCATED',
      'The Parquet file does not end with its "PAR1" footer; it looks truncated. Upload it again.',
    );
  }
  try {
    return await parquetMetadataAsync(file);
  } catch (error) {
    throw new ImportFileError('CORRUPT', `The Parquet footer cannot be read (${(error as Error).message}); the file is damaged.`, {
      cause: error,
    });
  }
}

function checkCodecs(metadata: FileMetaData): void {
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const codec = chunk.meta_data?.codec;
      if (codec && !supportedCodecs.has(codec)) {
        throw new ImportFileError(
          'UNSUPPORTED',
          `The Parquet file uses ${codec} compression, which is not supported; re-save it with SNAPPY, GZIP or no compression.`,
          { column: chunk.meta_data?.path_in_schema.join('.') },
        );
      }
    }
  }
}

function hasOffsetIndexes(group: FileMetaData['row_groups'][number]): boolean {
  return group.columns.every((chunk) => Boolean(chunk.offset_index_offset && chunk.offset_index_length));
}

/**
 * Reads row groups one at a time (in windows of rows when offset indexes allow skipping pages),
 * so memory follows the row group, not the file. A gzip-compressed or streamed Parquet file is
 * spooled to a temporary file first, because Parquet needs random access to its footer.
 */
export async function* readParquetRecords(opened: OpenedImport, context: ReaderContext): AsyncGenerator<RecordItem[]> {
  let spooled: { path: string; remove: () => Promise<void> } | null = null;
  try {
    let path = opened.filePath;
    if (path === null) {
      spooled = await spoolToTempFile(opened.bytes);
      path = spooled.path;
    } else {
      await opened.close();
    }
    const file = await asyncBufferFromFile(path);
    const metadata = await readFooter(file);
    checkCodecs(metadata);
    checkDeclaredSizes(metadata, file.byteLength, opened.limits);
    const compressors = boundedDecompressors(file.byteLength, opened.limits);
    const columns = parquetSchema(metadata).children.map((child) => child.element.name);
    context.onColumns(columns);

    const lastRow = Math.min(Number(metadata.num_rows), context.recordLimit ?? Infinity);
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = Math.min(groupStart + Number(group.num_rows), lastRow);
      const windowed = hasOffsetIndexes(group);
      const step = windowed ? rowWindow : Math.max(1, groupEnd - groupStart);
      for (let rowStart = groupStart; rowStart < groupEnd; rowStart += step) {
        const rowEnd = Math.min(rowStart + step, groupEnd);
        let rows: Record<string, unknown>[];
        try {
          rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, parsers, compressors, useOffsetIndex: windowed });
        } catch (error) {
          if (error instanceof PageBombError) {
            throw new ImportFileError(
              'DECOMPRESSION_BOMB',
              `The Parquet data of rows ${rowStart + 1}–${rowEnd} is refused as a decompression bomb: ${error.message}.`,
              { line: rowStart + 1, cause: error },
            );
          }
          throw new ImportFileError(
            'CORRUPT',
            `The Parquet data of rows ${rowStart + 1}–${rowEnd} cannot be read (${(error as Error).message}); the file is damaged.`,
            { line: rowStart + 1, cause: error },
          );
        }
        yield rows.map((row, offset) => rowToRecord(row, columns, rowStart + offset + 1));
      }
      groupStart += Number(group.num_rows);
      if (groupStart >= lastRow) break;
    }
  } finally {
    await spooled?.remove();
  }
}
