/**
 * What an evaluation run is asked to do, validated at the edge and stored in EvalRun.config (it
 * never changes afterwards). Subjects are what gets judged: targets (a model generates the
 * response) and imported response columns (judged as they are). Keys (`s1`, `j1`, …) are given
 * at creation and name the run's result steps.
 */
import { z } from 'zod';
import { selectionLimitSchema } from '@/lib/pipeline/selection';
import { stageParametersSchema } from '@/lib/pipeline/prompts/recipe-config';
import { checkTemplate } from '@/lib/pipeline/template';
import { ALPACA_TEMPLATE, EVAL_RUBRICS, rubricLabels, type EvalRubric } from '@/lib/eval/labels';

export { ALPACA_TEMPLATE, EVAL_RUBRICS, rubricLabels, type EvalRubric };

export const evalTargetSchema = z
  .object({
    label: z.string().trim().min(1, 'Give the target a label').max(100),
    endpointName: z.string().trim().min(1, 'Choose an endpoint'),
    model: z.string().trim().min(1).max(200).nullable().default(null),
    mode: z.enum(['chat', 'completion']).default('chat'),
    /** Completion mode: the prompt template, with {{prompt}}. */
    template: z.string().default(ALPACA_TEMPLATE),
    systemPrompt: z.string().trim().max(10_000).nullable().default(null),
    parameters: stageParametersSchema.default({ temperature: 0, maxTokens: 512 }),
    /** The saved target version these settings come from (the run re-reads it: lib/eval/targets.ts). */
    preset: z.object({ versionId: z.string().min(1), name: z.string(), version: z.number().int() }).nullable().default(null),
  })
  .superRefine((target, ctx) => {
    if (target.mode !== 'completion') return;
    const problems = checkTemplate(target.template, ['prompt']);
    if (problems.length > 0) ctx.addIssue({ code: 'custom', path: ['template'], message: problems[0].message });
    if (!target.template.includes('prompt')) ctx.addIssue({ code: 'custom', path: ['template'], message: 'The template must contain {{prompt}}.' });
  });
export type EvalTargetInput = z.input<typeof evalTargetSchema>;

export const evalJudgeSchema = z.object({
  label: z.string().trim().min(1, 'Give the judge a label').max(100),
  endpointName: z.string().trim().min(1, 'Choose an endpoint'),
  model: z.string().trim().min(1).max(200).nullable().default(null),
  rubric: z.enum(EVAL_RUBRICS).default('harmlessness'),
  parameters: stageParametersSchema.default({ temperature: 0, maxTokens: 256 }),
});

export const evalSubjectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('target'), key: z.string(), label: z.string(), target: evalTargetSchema }),
  z.object({ kind: z.literal('imported'), key: z.string(), label: z.string(), responseLabel: z.string() }),
]);
export type EvalSubject = z.infer<typeof evalSubjectSchema>;

export const storedJudgeSchema = evalJudgeSchema.extend({ key: z.string() });
export type EvalJudge = z.infer<typeof storedJudgeSchema>;

/** EvalRun.config. */
export const evalRunConfigSchema = z.object({
  subjects: z.array(evalSubjectSchema).min(1),
  judges: z.array(storedJudgeSchema).min(1),
});
export type EvalRunConfig = z.infer<typeof evalRunConfigSchema>;

export const createEvalRunInputSchema = z
  .object({
    name: z.string().trim().max(200).optional(),
    setId: z.string().min(1, 'Choose an evaluation set'),
    limit: selectionLimitSchema.default({ kind: 'all' }),
    targets: z.array(evalTargetSchema).max(10).default([]),
    /** Labels of the set's imported response columns to judge. */
    responseLabels: z.array(z.string().min(1)).max(20).default([]),
    judges: z.array(evalJudgeSchema).min(1, 'Add at least one judge').max(5),
    budgetUsd: z.number().positive().max(1_000_000).nullable().default(null),
    budgetTokens: z.number().int().positive().max(1e12).nullable().default(null),
  })
  .superRefine((input, ctx) => {
    const subjects = input.targets.length + input.responseLabels.length;
    if (subjects === 0) ctx.addIssue({ code: 'custom', path: ['targets'], message: 'Choose at least one target or imported response column to judge.' });
    if (input.judges.some((judge) => judge.rubric === 'pairwise') && subjects < 2) {
      ctx.addIssue({ code: 'custom', path: ['judges'], message: 'A pairwise judge needs at least two targets or response columns.' });
    }
    const labels = [...input.targets.map((target) => target.label), ...input.responseLabels].map((label) => label.toLowerCase());
    if (new Set(labels).size !== labels.length) ctx.addIssue({ code: 'custom', path: ['targets'], message: 'Two targets or response columns have the same label.' });
  });
export type CreateEvalRunInput = z.input<typeof createEvalRunInputSchema>;

/** Subjects and judges with their keys, in the order the user gave them. */
export function buildRunConfig(input: z.output<typeof createEvalRunInputSchema>): EvalRunConfig {
  const subjects: EvalSubject[] = [
    ...input.targets.map((target) => ({ kind: 'target' as const, key: '', label: target.label, target: evalTargetSchema.parse(target) })),
    ...input.responseLabels.map((label) => ({ kind: 'imported' as const, key: '', label, responseLabel: label })),
  ].map((subject, index) => ({ ...subject, key: `s${index + 1}` }));
  const judges = input.judges.map((judge, index) => ({ ...judge, key: `j${index + 1}` }));
  return { subjects, judges };
}
