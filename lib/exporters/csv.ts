import { TABLE_COLUMNS, TABLE_FEATURES, type TableValue } from './columns';
import { createLineTransform } from './lineTransform';
import type { Exporter, ExportRow } from './types';

const NEEDS_QUOTES = /[",\r\n]/;
const RECORD_END = '\r\n';

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

export function encodeCsvRecord(row: ExportRow): string {
  let line = '';
  for (let i = 0; i < TABLE_COLUMNS.length; i++) {
    if (i > 0) line += ',';
    line += encodeCsvField(TABLE_COLUMNS[i].read(row));
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
  create: () => createLineTransform(encodeCsvRecord, CSV_HEADER),
};
