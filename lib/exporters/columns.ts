import type { CardFeature, EncodedRow, ExportRow } from './types';

export type TableValue = string | boolean | null;

/** One column of the flat table shared by CSV and Parquet, so both carry the same columns in the same order. */
export type TableColumn = {
  name: string;
  kind: 'string' | 'bool';
  nullable: boolean;
  read: (row: ExportRow) => TableValue;
  /**
   * The long texts: their UTF-8 bytes on a row read through COPY, so Parquet need not decode and
   * re-encode them. Not the reasons: short and often repeated, they go to Parquet's dictionary,
   * which keys strings far faster than byte arrays.
   */
  bytes?: (text: NonNullable<EncodedRow['text']>) => Uint8Array | null;
};

export const TABLE_COLUMNS: readonly TableColumn[] = [
  { name: 'id', kind: 'string', nullable: false, read: (r) => r.id },
  { name: 'instruction', kind: 'string', nullable: false, read: (r) => r.instruction, bytes: (t) => t.instruction },
  { name: 'chosen', kind: 'string', nullable: true, read: (r) => r.chosen, bytes: (t) => t.chosen },
  { name: 'rejected', kind: 'string', nullable: true, read: (r) => r.rejected, bytes: (t) => t.rejected },
  { name: 'topic', kind: 'string', nullable: true, read: (r) => r.topic },
  { name: 'source_kind', kind: 'string', nullable: false, read: (r) => r.sourceKind },
  { name: 'source_id', kind: 'string', nullable: false, read: (r) => r.sourceId },
  { name: 'source_name', kind: 'string', nullable: false, read: (r) => r.sourceName },
  { name: 'instruction_verdict', kind: 'string', nullable: true, read: (r) => r.instructionVerdict },
  { name: 'instruction_reason', kind: 'string', nullable: true, read: (r) => r.instructionReason },
  { name: 'response_verdict', kind: 'string', nullable: true, read: (r) => r.responseVerdict },
  { name: 'response_reason', kind: 'string', nullable: true, read: (r) => r.responseReason },
  { name: 'audit_status', kind: 'string', nullable: false, read: (r) => r.auditStatus },
  { name: 'human_edited', kind: 'bool', nullable: false, read: (r) => r.humanEdited },
  { name: 'simulated', kind: 'bool', nullable: false, read: (r) => r.simulated },
];

export const TABLE_FEATURES: readonly CardFeature[] = TABLE_COLUMNS.map((column) => ({
  name: column.name,
  dtype: column.kind,
}));
