import { db } from '@/lib/db/client';
import type { Import } from '@/lib/db/generated/client';

import { ImportFileError } from '../errors';
import { previewFile, type ImportPreview } from '../preview';
import type { CsvDelimiter, ImportFormat } from '../types';
import { parseImportOptions, type FailureKind, type ImportPhase, type ImportTargetKind } from './config';

export type ImportStatusName = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** Everything the progress view, the import list and the API show about one import (JSON-safe). */
export type ImportView = {
  id: string;
  kind: ImportTargetKind;
  status: ImportStatusName;
  phase: ImportPhase;
  fileName: string;
  format: string;
  compressed: boolean;
  fileBytes: number;
  bytesRead: number;
  /** Records the check pass read so far (phase "checking"). */
  checkedRecords: number;
  totalRecords: number | null;
  totalRows: number | null;
  rowsRead: number;
  rowsInserted: number;
  duplicates: number;
  errorCount: number;
  rowsPerSecond: number | null;
  onRowError: 'skip' | 'abort' | null;
  error: string | null;
  failureKind: FailureKind | null;
  resumable: boolean;
  target: { kind: ImportTargetKind; id: string | null; name: string };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
};

function rowsPerSecond(record: Import, rowsAtStart: number): number | null {
  if (!record.startedAt) return null;
  const end = record.finishedAt ?? record.heartbeatAt ?? new Date();
  const seconds = (end.getTime() - record.startedAt.getTime()) / 1000;
  const rows = record.rowsRead - rowsAtStart;
  return seconds > 0.5 && rows > 0 ? Math.round(rows / seconds) : null;
}

export function toImportView(record: Import): ImportView {
  const { config, state } = parseImportOptions(record.options);
  const kind: ImportTargetKind = record.kind === 'PREFERENCE_DATASET' ? 'dataset' : 'corpus';
  return {
    id: record.id,
    kind,
    status: record.status,
    phase: state.phase,
    fileName: record.fileName,
    format: record.format,
    compressed: state.compressed,
    fileBytes: Number(record.fileBytes),
    bytesRead: state.bytesRead,
    checkedRecords: state.checkedRecords,
    totalRecords: state.totalRecords,
    totalRows: state.totalRows,
    rowsRead: record.rowsRead,
    rowsInserted: record.rowsInserted,
    duplicates: record.duplicates,
    errorCount: record.errorCount,
    rowsPerSecond: rowsPerSecond(record, state.rowsAtStart),
    onRowError: config?.onRowError ?? null,
    error: record.error,
    failureKind: state.failureKind,
    resumable: record.status === 'FAILED' && state.failureKind === 'interrupted',
    target: { kind, id: kind === 'corpus' ? record.corpusId : record.datasetId, name: state.targetName },
    createdAt: record.createdAt.toISOString(),
    startedAt: record.startedAt?.toISOString() ?? null,
    finishedAt: record.finishedAt?.toISOString() ?? null,
    heartbeatAt: record.heartbeatAt?.toISOString() ?? null,
  };
}

export async function getImportView(importId: string): Promise<ImportView | null> {
  const record = await db().import.findUnique({ where: { id: importId } });
  return record ? toImportView(record) : null;
}

export async function listImports(filter: { corpusId?: string; datasetId?: string; limit?: number } = {}): Promise<ImportView[]> {
  const records = await db().import.findMany({
    where: { corpusId: filter.corpusId, datasetId: filter.datasetId, status: filter.corpusId || filter.datasetId ? undefined : { not: 'PENDING' } },
    orderBy: { createdAt: 'desc' },
    take: filter.limit ?? 20,
  });
  return records.map(toImportView);
}

export type RowErrorView = { id: string; line: number; column: string | null; reason: string };

/** One page of the report, in file order (keyset on the error id, which follows the file). */
export async function listRowErrors(importId: string, page: { after?: bigint | null; limit?: number } = {}): Promise<{ errors: RowErrorView[]; nextAfter: string | null }> {
  const limit = page.limit ?? 50;
  const rows = await db().importRowError.findMany({
    where: { importId, id: page.after ? { gt: page.after } : undefined },
    orderBy: { id: 'asc' },
    take: limit + 1,
  });
  const errors = rows.slice(0, limit).map((row) => ({ id: row.id.toString(), line: row.line, column: row.column, reason: row.reason }));
  return { errors, nextAfter: rows.length > limit ? errors[errors.length - 1].id : null };
}

export const reportFormats = ['csv', 'jsonl'] as const;
export type ReportFormat = (typeof reportFormats)[number];

/** A cell a spreadsheet would take for a formula gets a leading apostrophe (the report holds file content). */
function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const reportLines: Record<ReportFormat, { header: string | null; line: (error: RowErrorView) => string }> = {
  csv: { header: 'line,column,reason\n', line: (error) => `${csvCell(error.line)},${csvCell(error.column)},${csvCell(error.reason)}\n` },
  jsonl: { header: null, line: (error) => `${JSON.stringify({ line: error.line, column: error.column, reason: error.reason })}\n` },
};

/** The whole report, streamed page by page (it can hold up to `maxRowErrors` rows). */
export async function* streamRowErrors(importId: string, format: ReportFormat): AsyncGenerator<string> {
  const writer = reportLines[format];
  if (writer.header) yield writer.header;
  let after: bigint | null = null;
  for (;;) {
    const page = await listRowErrors(importId, { after, limit: 5000 });
    if (page.errors.length > 0) yield page.errors.map(writer.line).join('');
    if (page.nextAfter === null) return;
    after = BigInt(page.nextAfter);
  }
}

/** The mapping step's preview of a PENDING upload; a file problem comes back as its message. */
export async function previewPendingImport(
  importId: string,
  options: { declaredFormat?: ImportFormat; delimiter?: CsvDelimiter },
): Promise<{ preview: ImportPreview | null; error: string | null }> {
  const record = await db().import.findUnique({ where: { id: importId }, select: { filePath: true, status: true } });
  if (!record || record.status !== 'PENDING') return { preview: null, error: 'This upload is no longer waiting for a mapping.' };
  try {
    return { preview: await previewFile(record.filePath, { ...options, rowCount: 10 }), error: null };
  } catch (error) {
    if (error instanceof ImportFileError) return { preview: null, error: error.message };
    throw error;
  }
}
