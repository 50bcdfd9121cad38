import { defineJsonlExporter, stringFeature } from './jsonl';
import { hasText } from './prompt';
import type { ExportRow } from './types';

export type AlpacaRecord = { instruction: string; input: ''; output: string };

/** SFT data from the preferred side only, so rows without a rejected response still count. */
export function toAlpacaRecord(row: ExportRow): AlpacaRecord | null {
  if (!hasText(row.chosen)) return null;
  return { instruction: row.instruction, input: '', output: row.chosen };
}

export const alpacaExporter = defineJsonlExporter({
  label: 'Alpaca SFT (chosen only)',
  requiredSides: 'chosen',
  features: [stringFeature('instruction'), stringFeature('input'), stringFeature('output')],
  toRecord: toAlpacaRecord,
});
