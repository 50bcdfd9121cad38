/**
 * Built-in recipes and the helpers to turn one into a recipe version's config.
 */
import { recipeConfigSchema, stageNames, type RecipeConfig, type StageMode, type StageName } from '@/lib/pipeline/prompts/recipe-config';
import type { BuiltInRecipe, StagePreset } from '@/lib/pipeline/prompts/built-in-types';
import { classifyPromptProvenance, type KnownPrompt, type PromptText, type RecipeProvenance } from '@/lib/pipeline/prompts/provenance';
import { saferInstructPaperRecipe } from '@/lib/pipeline/prompts/safer-instruct-paper';
import { saferInstructSafetyRecipe } from '@/lib/pipeline/prompts/safer-instruct-safety';

export * from '@/lib/pipeline/prompts/recipe-config';
export * from '@/lib/pipeline/prompts/judge-verdict';
export * from '@/lib/pipeline/prompts/render-stage-prompt';
export * from '@/lib/pipeline/prompts/reversed-template';
export * from '@/lib/pipeline/prompts/provenance';
export { induceCompletionTemplate, type BuiltInRecipe, type StagePreset } from '@/lib/pipeline/prompts/built-in-types';
export { saferInstructPaperRecipe } from '@/lib/pipeline/prompts/safer-instruct-paper';
export { saferInstructSafetyRecipe } from '@/lib/pipeline/prompts/safer-instruct-safety';

export const builtInRecipes: BuiltInRecipe[] = [saferInstructPaperRecipe, saferInstructSafetyRecipe];

export function findBuiltInRecipe(id: string): BuiltInRecipe | undefined {
  return builtInRecipes.find((recipe) => recipe.id === id);
}

/** Presets a stage offers: the default first, then its variants. */
export function stagePresets(recipe: BuiltInRecipe, stage: StageName): StagePreset[] {
  return [recipe.stages[stage], ...(recipe.stageVariants[stage] ?? [])];
}

/** Provenance of each stage's prompt: a built-in preset's text keeps its provenance, anything else is user-written. */
export function recipePromptProvenance(stages: Readonly<Record<StageName, PromptText>>): RecipeProvenance {
  return classifyPromptProvenance(stages, (stage) =>
    builtInRecipes.flatMap((recipe) =>
      stagePresets(recipe, stage).map((preset): KnownPrompt => ({ ...preset, note: `${recipe.name}: ${preset.provenanceNote}` })),
    ),
  );
}

export interface StageEndpointChoice {
  endpointName: string;
  model?: string;
  /** Pick the preset for this mode (e.g. 'chat' when the endpoint has no completion API); default: the stage's default preset. */
  mode?: StageMode;
}

/**
 * A validated recipe-version config from a built-in recipe and the endpoint chosen for each stage.
 * Throws if a stage has no preset for the requested mode.
 */
export function recipeConfigFromBuiltIn(recipe: BuiltInRecipe, endpoints: Readonly<Record<StageName, StageEndpointChoice>>): RecipeConfig {
  const stages = Object.fromEntries(
    stageNames.map((stage) => {
      const choice = endpoints[stage];
      const preset = choice.mode === undefined ? recipe.stages[stage] : stagePresets(recipe, stage).find((candidate) => candidate.mode === choice.mode);
      if (!preset) {
        throw new Error(`Recipe "${recipe.name}" has no ${choice.mode} prompt for stage ${stage}; choose an endpoint that supports ${recipe.stages[stage].mode}`);
      }
      return [stage, { ...structuredClone(preset), endpointName: choice.endpointName, ...(choice.model === undefined ? {} : { model: choice.model }) }];
    }),
  );
  return recipeConfigSchema.parse({
    topics: [...recipe.topics],
    topicDescriptions: { ...recipe.topicDescriptions },
    instructionsPerSource: recipe.instructionsPerSource,
    stages,
  });
}
