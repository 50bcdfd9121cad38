import type { CardFeature, ExportRow } from './types';

export type TableValue = string | boolean | null;

/** One column of the flat table shared by CSV and Parquet, so both carry the same columns in the same order. */
export type TableColumn = {
  name: string;
  kind: 'string' | 'bool';
  nullable: boolean;
  read: (row: ExportRow) => TableValue;
};

export const TABLE_COLUMNS: readonly TableColumn[] = [
  { name: 'id', kind: 'string', nullable: false, read: (r) => r.id },
  { name: 'instruction', kind: 'string', nullable: false, read: (r) => r.instruction },
  { name: 'chosen', kind: 'string', nullable: true, read: (r) => r.chosen },
  { name: 'rejected', kind: 'string', nullable: true, read: (r) => r.rejected },
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
