/**
 * Where each stage's prompt text comes from. A recipe version records this when it is created
 * (RecipeVersion.promptProvenance) so that the dataset card and manifest can say which prompts are
 * the Safer-Instruct authors' own text and which are not, even after the built-in presets change.
 *
 * Invariant: a stage is `authors`, `reconstruction` or `studio` only while its mode, template and
 * rubric are byte for byte those of a built-in preset with that provenance; any edit makes it
 * `user`. Models, endpoints and parameters do not change the provenance of the prompt.
 */
import { z } from 'zod';
import { stageNames, type StageMode, type StageName } from '@/lib/pipeline/prompts/recipe-config';

export const PROMPT_PROVENANCES = ['authors', 'reconstruction', 'studio', 'user'] as const;
export type PromptProvenance = (typeof PROMPT_PROVENANCES)[number];

export const promptProvenanceLabels: Record<PromptProvenance, string> = {
  authors: "authors' verbatim text",
  reconstruction: 'reconstruction (the paper publishes no prompt)',
  studio: 'written for this app (not from the paper)',
  user: 'user-written',
};

export const stageProvenanceSchema = z.object({
  provenance: z.enum(PROMPT_PROVENANCES),
  /** Which built-in preset the text matches, or why it has this provenance. */
  note: z.string().optional(),
});
export type StageProvenance = z.infer<typeof stageProvenanceSchema>;

export const recipeProvenanceSchema = z.object(
  Object.fromEntries(stageNames.map((stage) => [stage, stageProvenanceSchema])) as Record<StageName, typeof stageProvenanceSchema>,
);
export type RecipeProvenance = z.infer<typeof recipeProvenanceSchema>;

/** The prompt-shaping part of a stage, as a preset or a saved config has it. */
export interface PromptText {
  mode: StageMode;
  template: string;
  rubric?: string;
}

export interface KnownPrompt extends PromptText {
  provenance: Exclude<PromptProvenance, 'user'>;
  note: string;
}

function samePrompt(a: PromptText, b: PromptText): boolean {
  return a.mode === b.mode && a.template === b.template && (a.rubric ?? null) === (b.rubric ?? null);
}

/** Provenance of each stage of `stages`, matched against `known` presets of that stage. */
export function classifyPromptProvenance(
  stages: Readonly<Record<StageName, PromptText>>,
  known: (stage: StageName) => readonly KnownPrompt[],
): RecipeProvenance {
  return Object.fromEntries(
    stageNames.map((stage) => {
      const match = known(stage).find((candidate) => samePrompt(candidate, stages[stage]));
      return [stage, match ? { provenance: match.provenance, note: match.note } : { provenance: 'user', note: 'edited or written by a user' }];
    }),
  ) as RecipeProvenance;
}
