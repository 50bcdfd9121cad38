import { defineJsonlExporter, stringFeature } from './jsonl';
import type { ExportRow } from './types';

export type HhRlhfRecord = { chosen: string; rejected: string };

/** The single-turn transcript format of Anthropic's HH-RLHF release. */
export function renderHhRlhfTranscript(instruction: string, response: string): string {
  return `\n\nHuman: ${instruction}\n\nAssistant: ${response}`;
}

export function toHhRlhfRecord(row: ExportRow): HhRlhfRecord | null {
  if (row.chosen === null || row.rejected === null) return null;
  return {
    chosen: renderHhRlhfTranscript(row.instruction, row.chosen),
    rejected: renderHhRlhfTranscript(row.instruction, row.rejected),
  };
}

export const hhRlhfExporter = defineJsonlExporter({
  label: 'Anthropic HH-RLHF',
  requiredSides: 'both',
  features: [stringFeature('chosen'), stringFeature('rejected')],
  toRecord: toHhRlhfRecord,
});
