/**
 * The configuration of one recipe version: topics, and for each of the four pipeline stages which
 * endpoint and model to call, how (chat or completion), with which template and parameters.
 * Parsed at the edge with `recipeConfigSchema`; templates are checked against the variables each
 * stage can offer so a typo is reported when the recipe is saved, not halfway through a run.
 */
import { z } from 'zod';
import { stageNames, type StageName } from '@/lib/pipeline/stage-names';
import { checkTemplate, listTemplateVariables } from '@/lib/pipeline/template';

// The stage keys are owned by lib/pipeline/stage-names; re-exported for the recipe-config callers.
export { stageNames, type StageName };

export const stageModes = ['chat', 'completion'] as const;
export type StageMode = (typeof stageModes)[number];

/** What each stage knows about the item it works on; these become template variables. */
export interface StageInputs {
  induce: { text: string; topic: string };
  filterInstruction: { instruction: string; text: string; topic: string };
  generateResponse: { instruction: string; topic: string };
  filterResponse: { instruction: string; chosen: string; rejected: string; topic: string };
}

/** Variables derived from the recipe rather than the item; available in every stage. */
export const recipeTemplateVariables = ['topicDescription', 'rubric'] as const;

export const stageInputVariables: { [S in StageName]: readonly (keyof StageInputs[S])[] } = {
  induce: ['text', 'topic'],
  filterInstruction: ['instruction', 'text', 'topic'],
  generateResponse: ['instruction', 'topic'],
  filterResponse: ['instruction', 'chosen', 'rejected', 'topic'],
};

/** Variables a stage template may use. A rubric may use the same ones except `rubric` itself. */
export function stageTemplateVariables(stage: StageName): string[] {
  return [...stageInputVariables[stage], ...recipeTemplateVariables];
}

export function rubricTemplateVariables(stage: StageName): string[] {
  return stageTemplateVariables(stage).filter((name) => name !== 'rubric');
}

export const stageParametersSchema = z.object({
  temperature: z.number().min(0).max(2).default(0),
  maxTokens: z.number().int().min(1).max(32_768).default(512),
  /** Passed to providers that support seeded sampling; recorded in the manifest either way. */
  seed: z.number().int().optional(),
  /** Stop sequences; useful in completion mode so the model stops after the instruction. */
  stop: z.array(z.string().min(1)).max(4).optional(),
});
export type StageParameters = z.infer<typeof stageParametersSchema>;

/**
 * How a judge's reply decides pass/fail. `judgeVerdict`: pass iff the parsed verdict is "pass".
 * `onUnparseable`: `drop` treats a reply that is not a verdict as a fail; `error` marks the item
 * as errored so it can be retried or reviewed.
 */
export const passRuleSchema = z.object({
  kind: z.literal('judgeVerdict'),
  onUnparseable: z.enum(['drop', 'error']).default('error'),
});
export type PassRule = z.infer<typeof passRuleSchema>;

export const stageConfigSchema = z.object({
  endpointName: z.string().trim().min(1, 'choose an endpoint'),
  model: z.string().trim().min(1).optional(),
  mode: z.enum(stageModes),
  template: z.string().min(1, 'the template is empty'),
  parameters: stageParametersSchema.default({ temperature: 0, maxTokens: 512 }),
  rubric: z.string().min(1).optional(),
  passRule: passRuleSchema.optional(),
});
export type StageConfig = z.infer<typeof stageConfigSchema>;

const judgeStageConfigSchema = stageConfigSchema.extend({
  passRule: passRuleSchema.default({ kind: 'judgeVerdict', onUnparseable: 'error' }),
});

export const recipeConfigSchema = z
  .object({
    topics: z.array(z.string().trim().min(1)).min(1, 'add at least one topic'),
    /** Short description per topic, offered to templates as {{topicDescription}} (falls back to the topic name). */
    topicDescriptions: z.record(z.string(), z.string()).default({}),
    instructionsPerSource: z.number().int().min(1).max(10).default(1),
    stages: z.object({
      induce: stageConfigSchema,
      filterInstruction: judgeStageConfigSchema,
      generateResponse: stageConfigSchema,
      filterResponse: judgeStageConfigSchema,
    }),
  })
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.topics.forEach((topic, index) => {
      if (seen.has(topic)) ctx.addIssue({ code: 'custom', path: ['topics', index], message: `topic "${topic}" is listed twice` });
      seen.add(topic);
    });
    for (const topic of Object.keys(config.topicDescriptions)) {
      if (!seen.has(topic)) {
        ctx.addIssue({ code: 'custom', path: ['topicDescriptions', topic], message: `"${topic}" is not one of the recipe's topics` });
      }
    }
    for (const stage of stageNames) {
      const stageConfig = config.stages[stage];
      const templateProblems = checkTemplate(stageConfig.template, stageTemplateVariables(stage));
      for (const problem of templateProblems) {
        ctx.addIssue({ code: 'custom', path: ['stages', stage, 'template'], message: problem.message });
      }
      if (stageConfig.rubric !== undefined) {
        for (const problem of checkTemplate(stageConfig.rubric, rubricTemplateVariables(stage))) {
          ctx.addIssue({ code: 'custom', path: ['stages', stage, 'rubric'], message: problem.message });
        }
      } else if (templateProblems.length === 0 && listTemplateVariables(stageConfig.template).includes('rubric')) {
        ctx.addIssue({ code: 'custom', path: ['stages', stage, 'rubric'], message: 'the template uses {{rubric}} but no rubric is set' });
      }
    }
  });

export type RecipeConfig = z.infer<typeof recipeConfigSchema>;
export type RecipeConfigInput = z.input<typeof recipeConfigSchema>;
