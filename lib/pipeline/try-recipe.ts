/**
 * "Try on 5 items": runs an unsaved recipe config through every stage for a few texts and returns
 * what each stage produced, without storing results (the LLM cache still keeps the replies, so
 * trying the same prompt twice costs once).
 */
import { applyStageResult, progressFromResults, type ItemProgress } from '@/lib/pipeline/item-state';
import type { RecipeConfig, StageName } from '@/lib/pipeline/prompts/recipe-config';
import { runStage } from '@/lib/pipeline/stages/run-stage';
import type { PipelineModels, StageOutcome } from '@/lib/pipeline/stages/types';

export const TRY_ITEM_LIMIT = 5;

/** What one stage produced for a tried item (a server action result: no Date objects). */
export type TryStageView = Omit<StageOutcome, 'startedAt' | 'finishedAt'> & { stage: StageName };

export interface TryItemView {
  text: string;
  topic: string;
  state: ItemProgress['state'];
  instruction: string | null;
  chosen: string | null;
  stages: TryStageView[];
}

function viewOf(stage: StageName, outcome: StageOutcome): TryStageView {
  const { startedAt: _startedAt, finishedAt: _finishedAt, ...view } = outcome;
  return { stage, ...view };
}

async function tryItem(config: RecipeConfig, models: PipelineModels, text: string, topic: string): Promise<TryItemView> {
  let progress = progressFromResults([]);
  const stages: TryStageView[] = [];
  while (progress.next !== null) {
    const stage = progress.next;
    const outcome = await runStage(stage, { config, models, purpose: 'try' }, { text, topic, variant: 0, instruction: progress.instruction, chosen: progress.chosen });
    stages.push(viewOf(stage, outcome));
    progress = applyStageResult(progress, { stage, ...outcome });
  }
  return { text, topic, state: progress.state, instruction: progress.instruction, chosen: progress.chosen, stages };
}

export async function tryRecipe(config: RecipeConfig, texts: readonly { text: string; topic: string }[], models: PipelineModels): Promise<TryItemView[]> {
  return Promise.all(texts.slice(0, TRY_ITEM_LIMIT).map((item) => tryItem(config, models, item.text, item.topic)));
}
