/** Stage 3: a judge keeps the induced instruction only if it is coherent, matches the text and is on topic. */
import type { StageImpl } from '@/lib/pipeline/stages/types';

export const filterInstructionStage: StageImpl<'filterInstruction'> = {
  stage: 'filterInstruction',
  kind: 'judge',
  inputs: (item) => ({ instruction: item.instruction ?? '', text: item.text, topic: item.topic }),
  precheck: (item) => ((item.instruction ?? '').trim() === '' ? { verdict: 'FAIL', reason: 'the induced instruction is empty' } : null),
};
