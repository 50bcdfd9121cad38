import { renderReversedPrompt } from '@/lib/pipeline/prompts/reversed-template';

export { renderReversedPrompt };

import { defineJsonlExporter, stringFeature } from './jsonl';
import { hasText } from './prompt';
import type { ExportRow } from './types';

export type ReversedTuningRecord = { prompt: string; completion: string };

/**
 * The flipped Alpaca template of Safer-Instruct's stage 1, rendered by the pipeline's own
 * `renderReversedPrompt` so the training layout and the induction prompt cannot drift apart.
 * Uses the chosen (safe) response: exporting rejected → instruction pairs would hand out a
 * ready-made harmful-instruction generator, the dual-use risk the authors warn about.
 */
export function toReversedTuningRecord(row: ExportRow): ReversedTuningRecord | null {
  if (!hasText(row.chosen)) return null;
  return { prompt: renderReversedPrompt(row.chosen), completion: row.instruction };
}

export const reversedTuningExporter = defineJsonlExporter({
  label: 'Reversed instruction tuning (response → instruction)',
  requiredSides: 'chosen',
  features: [stringFeature('prompt'), stringFeature('completion')],
  toRecord: toReversedTuningRecord,
});
