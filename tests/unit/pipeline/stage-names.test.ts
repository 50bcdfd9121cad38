import { describe, expect, it } from 'vitest';
import { dbStageOf, Stage, stageIds, stageLabels, stageNameLabels, stageNameOf, stageNames } from '@/lib/pipeline/stage-names';

describe('the stage vocabulary', () => {
  it('lists every stage of the database enum once, in run order, in both spellings', () => {
    expect([...stageIds].sort()).toEqual(Object.values(Stage).sort());
    expect(stageIds.map((id) => stageNameOf[id])).toEqual([...stageNames]);
    expect(stageNames.map((name) => dbStageOf[name])).toEqual([...stageIds]);
  });

  it('names each stage with one label whichever spelling asks', () => {
    for (const id of stageIds) expect(stageNameLabels[stageNameOf[id]]).toBe(stageLabels[id]);
    expect(stageLabels.GENERATE_RESPONSE).toBe('Write chosen response');
  });
});
