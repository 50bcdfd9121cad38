import { ImportFileError, isRowError, rowErrorToFileError } from './errors';
import type { ReaderContext, RecordItem } from './formats/context';
import { columnsUsedBy, mapSourceRecord } from './mapping';
import { newImportStats, openImportStream, resolveImportLimits } from './open-import';
import { mapPairRecord } from './preference-formats';
import { formatsWithFixedColumns, recordReaders } from './record-readers';
import {
  pairMappingSchema,
  sourceMappingSchema,
  type ImportInput,
  type ImportStats,
  type OpenImportOptions,
  type PairMapping,
  type PairMappingInput,
  type PairRow,
  type RawRecord,
  type ReadOptions,
  type RowError,
  type SourceMapping,
  type SourceMappingInput,
  type SourceRow,
} from './types';

/** An import in progress: iterate it once; `stats` fills in as it goes (format, bytes, rows, errors). */
export interface ImportRun<T> extends AsyncIterable<T> {
  readonly stats: ImportStats;
}

export type SourceRowResult = { row: SourceRow } | { error: RowError };
export type PairRowResult = { row: PairRow } | { error: RowError };

function importRun<T>(stats: ImportStats, generate: () => AsyncGenerator<T>): ImportRun<T> {
  return { stats, [Symbol.asyncIterator]: () => generate() };
}

/** Opens the input and runs the format's reader, yielding records in blocks. Always releases the file. */
export async function* readRecordBlocks(
  input: ImportInput,
  options: OpenImportOptions,
  stats: ImportStats,
  context: ReaderContext,
): AsyncGenerator<RecordItem[]> {
  const opened = await openImportStream(input, options, stats);
  try {
    yield* recordReaders[opened.format](opened, context);
  } finally {
    await opened.close();
  }
}

function noRowsError(): ImportFileError {
  return new ImportFileError('EMPTY', 'The file has no data rows.');
}

/** Raw records and per-record read errors, before any mapping (for tools and tests). */
export function readRecords(input: ImportInput, options: OpenImportOptions = {}): ImportRun<RawRecord | RowError> {
  const stats = newImportStats();
  return importRun(stats, async function* () {
    for await (const items of readRecordBlocks(input, options, stats, { onColumns: () => undefined })) {
      for (const item of items) {
        stats.records++;
        if (isRowError(item)) stats.errors++;
        else stats.rows++;
        yield item;
      }
    }
    if (stats.records === 0) throw noRowsError();
  });
}

function missingColumnError(missing: string[], available: string[]): ImportFileError {
  const list = missing.map((column) => `"${column}"`).join(', ');
  return new ImportFileError(
    'MISSING_COLUMN',
    `The file has no column ${list}. Its columns are: ${available.map((column) => `"${column}"`).join(', ') || '(none)'}.`,
    { column: missing[0] },
  );
}

/**
 * The shared loop of `readSourceRows` / `readPairRows`: map each record, count, apply the row
 * error policy, and check mapped columns up front when the format fixes its columns.
 */
function mapRecords<T extends object>(
  input: ImportInput,
  options: ReadOptions,
  mappedColumns: string[],
  mapRecord: (record: RawRecord, maxTextLength: number) => T | RowError,
): ImportRun<{ row: T } | { error: RowError }> {
  const stats = newImportStats();
  const policy = options.onRowError ?? 'skip';
  const maxRowErrors = options.maxRowErrors ?? Infinity;
  const { maxTextLength } = resolveImportLimits(options);
  const context: ReaderContext = {
    onColumns(columns) {
      if (stats.format === null || !formatsWithFixedColumns.has(stats.format)) return;
      const available = new Set(columns);
      const missing = mappedColumns.filter((column) => !available.has(column));
      if (missing.length > 0) throw missingColumnError(missing, columns);
    },
  };
  return importRun(stats, async function* () {
    for await (const items of readRecordBlocks(input, options, stats, context)) {
      for (const item of items) {
        stats.records++;
        const mapped = isRowError(item) ? item : mapRecord(item, maxTextLength);
        if (!isRowError(mapped)) {
          stats.rows++;
          yield { row: mapped };
          continue;
        }
        stats.errors++;
        if (policy === 'abort') throw rowErrorToFileError(mapped);
        if (stats.errors > maxRowErrors) {
          throw new ImportFileError(
            'TOO_MANY_ERRORS',
            `Import stopped: more than ${maxRowErrors} rows have problems (the last on line ${mapped.line}). Check the format and the column mapping.`,
            { line: mapped.line, column: mapped.column },
          );
        }
        yield { error: mapped };
      }
    }
    if (stats.records === 0) throw noRowsError();
  });
}

/** Source texts for a corpus: `{ row }` per good record, `{ error }` per bad one (policy 'skip'). */
export function readSourceRows(
  input: ImportInput,
  mappingInput: SourceMappingInput | SourceMapping,
  options: ReadOptions = {},
): ImportRun<SourceRowResult> {
  const mapping = sourceMappingSchema.parse(mappingInput);
  return mapRecords(input, options, [mapping.textColumn, ...columnsUsedBy(mapping)], (record, maxTextLength) =>
    mapSourceRecord(record, mapping, maxTextLength),
  );
}

/** Existing preference pairs (Safer-Instruct CSV, TRL, OpenAI, HH-RLHF); a missing side is null. */
export function readPairRows(
  input: ImportInput,
  mappingInput: PairMappingInput | PairMapping,
  options: ReadOptions = {},
): ImportRun<PairRowResult> {
  const mapping = pairMappingSchema.parse(mappingInput);
  const ownColumns =
    mapping.shape === 'columns'
      ? [mapping.instructionColumn, mapping.chosenColumn, mapping.rejectedColumn].filter((column): column is string => column !== null)
      : [];
  return mapRecords(input, options, [...ownColumns, ...columnsUsedBy(mapping)], (record, maxTextLength) =>
    mapPairRecord(record, mapping, maxTextLength),
  );
}

/** Groups any async iterable into arrays of `size` (the last may be shorter), e.g. for multi-row INSERTs. */
export async function* batch<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  if (!Number.isInteger(size) || size < 1) throw new RangeError('batch size must be a positive integer');
  let current: T[] = [];
  for await (const item of items) {
    current.push(item);
    if (current.length >= size) {
      yield current;
      current = [];
    }
  }
  if (current.length > 0) yield current;
}
