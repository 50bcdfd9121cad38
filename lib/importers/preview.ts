import { ImportFileError, isRowError } from './errors';
import { suggestSourceMapping } from './mapping';
import { newImportStats } from './open-import';
import { detectPairShape, suggestPairMapping } from './preference-formats';
import { readRecordBlocks } from './read-rows';
import type {
  CsvDelimiter,
  ImportFormat,
  ImportInput,
  OpenImportOptions,
  PairMapping,
  PairShape,
  RawRecord,
  RowError,
  SourceMapping,
} from './types';

export interface PreviewOptions extends OpenImportOptions {
  /** Good rows to show (default 20). */
  rowCount?: number;
  /** Longer cell texts are cut for the browser (default 1,000 characters); stored text is never cut. */
  maxCellChars?: number;
}

export interface ImportPreview {
  format: ImportFormat;
  compressed: boolean;
  detectedDelimiter: CsvDelimiter | null;
  columns: string[];
  /** First rows, every value shown as text (objects/arrays as JSON); null for an absent/null value. */
  rows: Record<string, string | null>[];
  /** Row problems met among the first records. */
  errors: RowError[];
  pairShape: PairShape | null;
  suggestedMapping: { source: SourceMapping | null; pair: PairMapping | null };
}

function previewCell(value: unknown, maxCellChars: number): string | null {
  if (value === undefined || value === null) return null;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > maxCellChars ? `${text.slice(0, maxCellChars)}…` : text;
}

/** Reads only the first records, to show them on the mapping screen with a suggested mapping. */
export async function previewFile(input: ImportInput, options: PreviewOptions = {}): Promise<ImportPreview> {
  const rowCount = options.rowCount ?? 20;
  const maxCellChars = options.maxCellChars ?? 1000;
  const stats = newImportStats();
  let fileColumns: string[] | null = null;
  const records: RawRecord[] = [];
  const errors: RowError[] = [];
  // Errors count towards the budget too, so a file of bad rows does not get read to the end.
  const budget = rowCount * 2;
  const blocks = readRecordBlocks(input, options, stats, {
    onColumns: (columns) => {
      fileColumns = columns;
    },
    recordLimit: budget,
  });
  reading: for await (const items of blocks) {
    for (const item of items) {
      if (isRowError(item)) errors.push(item);
      else records.push(item);
      if (records.length >= rowCount || records.length + errors.length >= budget) break reading;
    }
  }

  const columns = fileColumns ?? columnsInOrderOfAppearance(records);
  if (columns.length === 0 && records.length === 0 && errors.length === 0) throw new ImportFileError('EMPTY', 'The file has no data rows.');
  const fields = records.map((record) => record.fields);
  return {
    format: stats.format ?? 'text',
    compressed: stats.compressed,
    detectedDelimiter: stats.delimiter,
    columns,
    rows: fields.map((row) => Object.fromEntries(columns.map((column) => [column, previewCell(row[column], maxCellChars)]))),
    errors,
    pairShape: fields.length > 0 ? detectPairShape(fields[0]) : null,
    suggestedMapping: {
      source: suggestSourceMapping(columns, fields),
      pair: suggestPairMapping(columns, fields[0] ?? null),
    },
  };
}

function columnsInOrderOfAppearance(records: readonly RawRecord[]): string[] {
  const columns = new Set<string>();
  for (const record of records) for (const key of Object.keys(record.fields)) columns.add(key);
  return [...columns];
}
