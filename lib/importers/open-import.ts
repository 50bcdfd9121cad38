import { stat } from 'node:fs/promises';

import { gunzipWithLimits, inputFileName, peekBytes, readRawBytes, tooLargeError, type PeekedBytes } from './byte-source';
import {
  detectDelimiter,
  detectFormatFromContent,
  formatContentChecks,
  formatFromFileName,
  isGzip,
  sniffHead,
  utf8BomLength,
} from './detect';
import { ImportFileError } from './errors';
import {
  defaultImportLimits,
  type CsvDelimiter,
  type ImportFormat,
  type ImportInput,
  type ImportLimits,
  type ImportStats,
  type OpenImportOptions,
} from './types';

/** Enough to see the first records of any text format and to pick a CSV delimiter. */
const sniffBytes = 64 * 1024;

export const formatLabels: Record<ImportFormat, string> = {
  csv: 'CSV',
  tsv: 'TSV',
  jsonl: 'JSONL (one JSON object per line)',
  json: 'a JSON array',
  parquet: 'Parquet',
  text: 'plain text (one item per line)',
};

export interface OpenedImport {
  format: ImportFormat;
  compressed: boolean;
  fileName: string | null;
  /** For CSV/TSV: the forced or detected delimiter. */
  delimiter: CsvDelimiter | null;
  /** The uncompressed file on disk when there is one (Parquet reads it with random access). */
  filePath: string | null;
  /** Decompressed content, UTF-8 BOM removed. Iterate at most once. */
  bytes: AsyncIterable<Buffer>;
  limits: ImportLimits;
  stats: ImportStats;
  /** Releases the file handle / decompressor when `bytes` is not read to the end. Idempotent. */
  close(): Promise<void>;
}

export function resolveImportLimits(options: Partial<ImportLimits>): ImportLimits {
  return {
    maxBytes: options.maxBytes ?? defaultImportLimits.maxBytes,
    maxDecompressedBytes: options.maxDecompressedBytes ?? defaultImportLimits.maxDecompressedBytes,
    maxParquetPageBytes: options.maxParquetPageBytes ?? defaultImportLimits.maxParquetPageBytes,
    maxExpansionRatio: options.maxExpansionRatio ?? defaultImportLimits.maxExpansionRatio,
    expansionCheckAfterBytes: options.expansionCheckAfterBytes ?? defaultImportLimits.expansionCheckAfterBytes,
    maxRecordBytes: options.maxRecordBytes ?? defaultImportLimits.maxRecordBytes,
    maxTextLength: options.maxTextLength ?? defaultImportLimits.maxTextLength,
  };
}

export function newImportStats(): ImportStats {
  return {
    format: null,
    compressed: false,
    delimiter: null,
    totalBytes: null,
    bytesRead: 0,
    records: 0,
    rows: 0,
    errors: 0,
  };
}

async function knownInputSize(input: ImportInput): Promise<number | null> {
  if (typeof input !== 'string') return input.size ?? null;
  return (await stat(input)).size;
}

function emptyFileError(): ImportFileError {
  return new ImportFileError('EMPTY', 'The file is empty.');
}

/**
 * Opens an upload for parsing: size limit, gzip (by magic bytes, whatever the name), format from
 * the user's choice or the extension (checked against the content) or else from the content alone.
 */
export async function openImportStream(
  input: ImportInput,
  options: OpenImportOptions = {},
  stats: ImportStats = newImportStats(),
): Promise<OpenedImport> {
  const limits = resolveImportLimits(options);
  const fileName = inputFileName(input);
  const totalBytes = await knownInputSize(input);
  stats.totalBytes = totalBytes;
  if (totalBytes !== null && totalBytes > limits.maxBytes) throw tooLargeError(limits.maxBytes);
  if (totalBytes === 0) throw emptyFileError();

  const raw = await peekBytes(
    readRawBytes(input, limits.maxBytes, (byteCount) => {
      stats.bytesRead += byteCount;
    }),
    sniffBytes,
  );
  let content: PeekedBytes = raw;
  const close = async () => {
    await content.release();
    await raw.release();
  };
  try {
    const compressed = isGzip(raw.head);
    if (compressed) content = await peekBytes(gunzipWithLimits(raw.chunks(), limits), sniffBytes);
    const sniff = sniffHead(content.head, content.complete);
    if (content.complete && sniff.firstChar === '' && sniff.binaryKind === null) throw emptyFileError();

    const format = resolveFormat(sniff, options.declaredFormat ?? null, formatFromFileName(fileName), Boolean(options.declaredFormat));
    const delimiter: CsvDelimiter | null =
      format === 'tsv' ? '\t' : format === 'csv' ? (options.delimiter ?? detectDelimiter(sniff.text, sniff.complete) ?? ',') : null;

    Object.assign(stats, { format, compressed, delimiter });
    return {
      format,
      compressed,
      fileName,
      delimiter,
      filePath: typeof input === 'string' && !compressed ? input : null,
      bytes: content.chunks(utf8BomLength(content.head)),
      limits,
      stats,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

function resolveFormat(
  sniff: ReturnType<typeof sniffHead>,
  declared: ImportFormat | null,
  fromName: ImportFormat | null,
  userDeclared: boolean,
): ImportFormat {
  const expected = declared ?? fromName;
  const format = expected ?? detectFormatFromContent(sniff);
  if (format === null) {
    throw new ImportFileError(
      'WRONG_FORMAT',
      `The file format was not recognised: it looks like ${sniff.binaryKind ?? 'binary data'}. Upload CSV, TSV, JSONL, JSON, Parquet or plain text (optionally gzip-compressed).`,
    );
  }
  const mismatch = formatContentChecks[format](sniff);
  if (mismatch !== null) {
    const claim = expected === null ? 'looks like' : userDeclared ? 'was declared as' : 'is named as';
    throw new ImportFileError('WRONG_FORMAT', `The file ${claim} ${formatLabels[format]}, but ${mismatch}.`);
  }
  return format;
}
