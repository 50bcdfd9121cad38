import { renderReversedPrompt } from '@/lib/pipeline/prompts/reversed-template';

export { renderReversedPrompt };

import { defineJsonlExporter, stringFeature } from './jsonl';
import { hasText } from './prompt';
import type { ExportRow } from './types';

export type ReversedTuningRecord = { prompt: string; completion: string };

/**
 * Chosen → instruction pairs in the reversed template (the authors' layout, rendered by the
 * pipeline's own `renderReversedPrompt`). This is NOT the method's stage-1 data — that is a flipped
 * general instruction dataset (ShareGPT in the paper), made by the flipper under Recipes →
 * Reversed-tuning data; these pairs come from this dataset's safe answers and only suit
 * augmenting such data. The format key stays 'reversed-tuning' so saved exports keep working.
 * Uses the chosen (safe) response: exporting rejected → instruction pairs would hand out a
 * ready-made harmful-instruction generator, the dual-use risk the authors warn about.
 */
export function toReversedTuningRecord(row: ExportRow): ReversedTuningRecord | null {
  if (!hasText(row.chosen)) return null;
  return { prompt: renderReversedPrompt(row.chosen), completion: row.instruction };
}

export const reversedTuningExporter = defineJsonlExporter({
  label: 'Chosen → instruction pairs, reversed layout (not stage-1 reversed-tuning data)',
  requiredSides: 'chosen',
  features: [stringFeature('prompt'), stringFeature('completion')],
  toRecord: toReversedTuningRecord,
});
