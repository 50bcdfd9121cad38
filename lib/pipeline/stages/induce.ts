/**
 * Stage 2 of Safer-Instruct: the reversed model reads the harmful text (the rejected response) and
 * writes the instruction that would have produced it.
 */
import type { StageImpl } from '@/lib/pipeline/stages/types';

const LEADING_LABEL = /^\s*(?:#{1,6}\s*)?(?:instruction|request|prompt)\s*:\s*/i;
const NEXT_SECTION = /\n\s*#{2,}\s*\w[\s\S]*$/;
const WRAPPING_QUOTES = /^(["“'])([\s\S]*)(["”'])$/;

/**
 * The instruction as the model wrote it, minus what models add around it: a repeated
 * "### Instruction:" label, a following "### Response" section when the stop sequence is not
 * honoured, and quotes around the whole thing.
 */
export function cleanInstruction(text: string): string {
  let cleaned = text.replace(NEXT_SECTION, '').replace(LEADING_LABEL, '').trim();
  const quoted = WRAPPING_QUOTES.exec(cleaned);
  if (quoted && !quoted[2].includes(quoted[1])) cleaned = quoted[2].trim();
  return cleaned;
}

export const induceStage: StageImpl<'induce'> = {
  stage: 'induce',
  kind: 'generate',
  inputs: (item) => ({ text: item.text, topic: item.topic }),
  clean: cleanInstruction,
  // The same prompt with the same seed gives the same instruction (and the same cache entry), so
  // each further instruction per text uses the next seed.
  seedFor: (seed, item) => (item.variant === 0 ? seed : (seed ?? 0) + item.variant),
};
