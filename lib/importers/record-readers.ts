import type { RecordReader } from './formats/context';
import { readDelimitedRecords } from './formats/csv';
import { readJsonArrayRecords } from './formats/json-array';
import { readJsonlRecords } from './formats/jsonl';
import { readParquetRecords } from './formats/parquet';
import { readTextRecords } from './formats/text';
import type { ImportFormat } from './types';

/** One reader per format; CSV and TSV differ only in the delimiter, which `openImportStream` settles. */
export const recordReaders: Record<ImportFormat, RecordReader> = {
  csv: readDelimitedRecords,
  tsv: readDelimitedRecords,
  jsonl: readJsonlRecords,
  json: readJsonArrayRecords,
  parquet: readParquetRecords,
  text: readTextRecords,
};

/** Formats whose columns are fixed for the whole file (a mapped column that is absent is a file error). */
export const formatsWithFixedColumns: ReadonlySet<ImportFormat> = new Set<ImportFormat>(['csv', 'tsv', 'parquet', 'text']);
