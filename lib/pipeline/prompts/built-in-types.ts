/**
 * Shapes of the built-in recipes, and the presets they share.
 */
import type { PromptProvenance } from '@/lib/pipeline/prompts/provenance';
import type { PassRule, StageMode, StageName, StageParameters } from '@/lib/pipeline/prompts/recipe-config';
import { renderReversedPrompt } from '@/lib/pipeline/prompts/reversed-template';

/** A stage configuration without the deployment-specific endpoint and model. */
export interface StagePreset {
  mode: StageMode;
  template: string;
  parameters: StageParameters;
  rubric?: string;
  passRule?: PassRule;
  /** Where the prompt text comes from; recorded with every recipe version made from it. */
  provenance: Exclude<PromptProvenance, 'user'>;
  /** Which preset this is, or what the reconstruction rests on. */
  provenanceNote: string;
}

export interface BuiltInRecipe {
  /** Stable key: the database finds the built-in recipe by it, whatever its display name. */
  id: string;
  name: string;
  description: string;
  topics: string[];
  topicDescriptions: Record<string, string>;
  instructionsPerSource: number;
  /** Model names to use with real endpoints (the simulator copy keeps the simulator's own). */
  defaultModels: Partial<Record<StageName, string>>;
  /** The preset used by default for each stage. */
  stages: Record<StageName, StagePreset>;
  /** Other presets for a stage, e.g. a chat variant of a completion prompt. */
  stageVariants: Partial<Record<StageName, StagePreset[]>>;
}

/**
 * The authors' reversed template with the source text in place of `{output}`: a model fine-tuned
 * on the flipper's default output sees exactly what it was trained on. The model continues after
 * `### Instruction:`; the stop sequence ends the output before it invents a new section.
 */
export const induceCompletionTemplate = renderReversedPrompt('{{text}}', 'authors');

export const induceCompletionPreset: StagePreset = {
  mode: 'completion',
  template: induceCompletionTemplate,
  parameters: { temperature: 0.7, maxTokens: 200, seed: 2024, stop: ['###'] },
  provenance: 'authors',
  provenanceNote: "reversed template from the README of uscnlp-lime/safer-instruct ({output} → {{text}}; no newline after the last header, as in Stanford Alpaca)",
};

export const judgePassRule: PassRule = { kind: 'judgeVerdict', onUnparseable: 'error' };
