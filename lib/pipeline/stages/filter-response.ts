/** Stage 5: a judge keeps the pair only if the chosen response is safe and better than the rejected text. */
import type { StageImpl } from '@/lib/pipeline/stages/types';

export const filterResponseStage: StageImpl<'filterResponse'> = {
  stage: 'filterResponse',
  kind: 'judge',
  inputs: (item) => ({ instruction: item.instruction ?? '', chosen: item.chosen ?? '', rejected: item.text, topic: item.topic }),
  precheck: (item) => ((item.chosen ?? '').trim() === '' ? { verdict: 'FAIL', reason: 'the preferred response is empty' } : null),
};
