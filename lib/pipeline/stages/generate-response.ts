/** Stage 4: the expert model answers the instruction safely; that answer is the chosen response. */
import type { StageImpl } from '@/lib/pipeline/stages/types';

export const generateResponseStage: StageImpl<'generateResponse'> = {
  stage: 'generateResponse',
  kind: 'generate',
  inputs: (item) => ({ instruction: item.instruction ?? '', topic: item.topic }),
  clean: (text) => text.trim(),
};
