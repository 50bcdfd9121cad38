import { defineJsonlExporter, stringFeature } from './jsonl';
import { hasText, renderHhPrompt } from './prompt';
import type { ExportRow } from './types';

export type HhRlhfRecord = { chosen: string; rejected: string };

/** The single-turn transcript format of Anthropic's HH-RLHF release. */
export function renderHhRlhfTranscript(instruction: string, response: string): string {
  return `\n\nHuman: ${instruction}\n\nAssistant: ${response}`;
}

/**
 * A multi-turn prompt keeps its turns (and a system message before the first one), so parsers find
 * exactly those turns; the answer is the final Assistant turn. Single-turn rows are
 * `renderHhRlhfTranscript(instruction, answer)`.
 */
export function toHhRlhfRecord(row: ExportRow): HhRlhfRecord | null {
  if (!hasText(row.chosen) || !hasText(row.rejected)) return null;
  const prompt = renderHhPrompt(row);
  return { chosen: `${prompt}\n\nAssistant: ${row.chosen}`, rejected: `${prompt}\n\nAssistant: ${row.rejected}` };
}

export const hhRlhfExporter = defineJsonlExporter({
  label: 'Anthropic HH-RLHF',
  requiredSides: 'both',
  features: [stringFeature('chosen'), stringFeature('rejected')],
  toRecord: toHhRlhfRecord,
});
