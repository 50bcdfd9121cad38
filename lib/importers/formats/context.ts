import type { OpenedImport } from '../open-import';
import type { RawRecord, RowError } from '../types';

export type RecordItem = RawRecord | RowError;

export interface ReaderContext {
  /** Called once, as soon as the columns are known from the file itself (CSV header, Parquet schema, text). */
  onColumns(columns: string[]): void;
  /** Only this many records will be consumed (preview); readers that read in big batches honour it. */
  recordLimit?: number;
}

/**
 * A format reader yields records in arrays (one per decoded block / row window) so that the hot
 * path pays one async hop per block rather than per row; `readRecords` flattens them.
 */
export type RecordReader = (opened: OpenedImport, context: ReaderContext) => AsyncIterable<RecordItem[]>;

export function recordTooLongReason(maxRecordBytes: number): string {
  return `record is longer than the limit of ${maxRecordBytes} bytes`;
}

export const invalidUtf8Reason = 'invalid UTF-8 (re-save the file as UTF-8)';

/** Kinds of non-object JSON values, for "expected an object" errors. */
export function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
