/**
 * Builds the exact prompt a stage sends for one item: the item's fields plus the recipe-level
 * variables ({{topicDescription}}, {{rubric}}), rendered in the stage's mode.
 */
import type { StageInputs, StageMode, StageName } from '@/lib/pipeline/prompts/recipe-config';
import { renderChatTemplate, renderTemplate, type ChatMessage, type TemplateVariables } from '@/lib/pipeline/template';

export type RenderedPrompt = { mode: 'completion'; prompt: string } | { mode: 'chat'; messages: ChatMessage[] };

/** The parts of a stage configuration that shape its prompt (a `StageConfig` or a built-in preset). */
export interface PromptSource {
  mode: StageMode;
  template: string;
  rubric?: string;
}

const promptRenderers: Record<StageMode, (template: string, vars: TemplateVariables) => RenderedPrompt> = {
  completion: (template, vars) => ({ mode: 'completion', prompt: renderTemplate(template, vars) }),
  chat: (template, vars) => ({ mode: 'chat', messages: renderChatTemplate(template, vars) }),
};

/** Template variables for one item; the rubric is itself rendered first so it can mention {{topic}}. */
export function stagePromptVariables<S extends StageName>(
  source: PromptSource,
  input: StageInputs[S],
  topicDescriptions: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const base: Record<string, string> = {
    ...(input as unknown as Record<string, string>),
    topicDescription: topicDescriptions[input.topic] ?? input.topic,
  };
  return source.rubric === undefined ? base : { ...base, rubric: renderTemplate(source.rubric, base) };
}

/**
 * Renders the prompt for `input` with `source` (a stage config). Throws `TemplateError` if the
 * template uses a variable the stage does not provide — `recipeConfigSchema` rejects such
 * templates up front, so this only happens with unvalidated configs.
 */
export function renderStagePrompt<S extends StageName>(
  _stage: S,
  source: PromptSource,
  input: StageInputs[S],
  topicDescriptions: Readonly<Record<string, string>> = {},
): RenderedPrompt {
  return promptRenderers[source.mode](source.template, stagePromptVariables<S>(source, input, topicDescriptions));
}
