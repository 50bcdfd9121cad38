import { defineJsonlExporter, stringFeature } from './jsonl';
import type { ExportRow } from './types';

export type ReversedTuningRecord = { prompt: string; completion: string };

export const REVERSED_TASK_DESCRIPTION =
  'Below is a response to an instruction. Write the instruction that the response completes.';

/**
 * The flipped Alpaca template of Safer-Instruct's stage 1: the model sees a response and learns
 * to write the instruction, so the prompt ends right where the instruction should begin.
 */
export function renderReversedPrompt(response: string): string {
  return `${REVERSED_TASK_DESCRIPTION}\n\n### Response:\n${response}\n\n### Instruction:\n`;
}

/**
 * Uses the chosen (safe) response: exporting rejected → instruction pairs would hand out a
 * ready-made harmful-instruction generator, the dual-use risk the authors warn about.
 */
export function toReversedTuningRecord(row: ExportRow): ReversedTuningRecord | null {
  if (row.chosen === null) return null;
  return { prompt: renderReversedPrompt(row.chosen), completion: row.instruction };
}

export const reversedTuningExporter = defineJsonlExporter({
  label: 'Reversed instruction tuning (response → instruction)',
  requiredSides: 'chosen',
  features: [stringFeature('prompt'), stringFeature('completion')],
  toRecord: toReversedTuningRecord,
});
