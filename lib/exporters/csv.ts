import { TABLE_COLUMNS, TABLE_FEATURES, type TableValue } from './columns';
import { createLineTransform } from './lineTransform';
import { createTableParquet } from './parquet';
import { DEFAULT_FORMAT_OPTIONS, type Exporter, type ExporterCreateOptions, type ExportRow } from './types';

const NEEDS_QUOTES = /[",\r\n]/;
const RECORD_END = '\r\n';
const UTF8_BOM = '\ufeff';

/** Cells a spreadsheet (Excel, LibreOffice, Google Sheets) would evaluate as a formula or command. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * The OWASP "CSV injection" defence: a cell that starts like a formula gets a leading `'`, which
 * spreadsheets show as text and do not evaluate. The card says when a file was written this way,
 * because the texts are then no longer byte-exact (strip one leading `'` from such cells to undo it).
 */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * RFC 4180 field. Null is an empty field and the empty string is `""`, so the two stay
 * distinguishable for readers that care (DuckDB, pandas with keep_default_na=False).
 */
export function encodeCsvField(value: TableValue): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === '') return '""';
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export const CSV_HEADER = TABLE_COLUMNS.map((column) => encodeCsvField(column.name)).join(',') + RECORD_END;

export function encodeCsvRecord(row: ExportRow, spreadsheetSafe = false): string {
  let line = '';
  for (let i = 0; i < TABLE_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    const value = TABLE_COLUMNS[i].read(row);
    line += encodeCsvField(spreadsheetSafe && typeof value === 'string' ? neutraliseFormula(value) : value);
  }
  return line + RECORD_END;
}

export const csvExporter: Exporter = {
  extension: 'csv',
  contentType: 'text/csv; charset=utf-8; header=present',
  label: 'CSV (all columns)',
  requiredSides: 'none',
  needsBothSides: false,
  features: TABLE_FEATURES,
  create: (options?: ExporterCreateOptions) => {
    const { csvSpreadsheetSafe, csvBom } = options?.formatOptions ?? DEFAULT_FORMAT_OPTIONS;
    const header = (csvBom ? UTF8_BOM : '') + CSV_HEADER;
    return createLineTransform(csvSpreadsheetSafe ? (row) => encodeCsvRecord(row, true) : (row) => encodeCsvRecord(row), header);
  },
  // The card's `csv` config: the same table as Parquet, with the texts exactly as stored.
  createParquet: createTableParquet,
};
