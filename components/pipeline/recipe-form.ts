// The recipe editor's form model: strings as the inputs hold them, converted to and from a recipe
// config. Client-safe (no server imports); validation is recipeConfigSchema itself.
import { recipeConfigSchema, rubricTemplateVariables, stageNames, stageTemplateVariables, type RecipeConfig, type StageMode, type StageName } from '@/lib/pipeline/prompts/recipe-config';
import { checkTemplate } from '@/lib/pipeline/template';

export interface StageForm {
  endpointName: string;
  model: string;
  mode: StageMode;
  template: string;
  temperature: string;
  maxTokens: string;
  seed: string;
  /** Stop sequences, one per line (they may contain commas or spaces). */
  stop: string;
  rubric: string;
  onUnparseable: 'error' | 'drop';
}

export interface RecipeForm {
  topics: string;
  /** One "topic: description" per line. */
  topicDescriptions: string;
  instructionsPerSource: string;
  stages: Record<StageName, StageForm>;
}

export const judgeStages: readonly StageName[] = ['filterInstruction', 'filterResponse'];

export function formFromConfig(config: RecipeConfig): RecipeForm {
  const stages = Object.fromEntries(
    stageNames.map((stage) => {
      const value = config.stages[stage];
      const form: StageForm = {
        endpointName: value.endpointName,
        model: value.model ?? '',
        mode: value.mode,
        template: value.template,
        temperature: String(value.parameters.temperature),
        maxTokens: String(value.parameters.maxTokens),
        seed: value.parameters.seed === undefined ? '' : String(value.parameters.seed),
        stop: (value.parameters.stop ?? []).join('\n'),
        rubric: value.rubric ?? '',
        onUnparseable: value.passRule?.onUnparseable ?? 'error',
      };
      return [stage, form];
    }),
  ) as Record<StageName, StageForm>;
  return {
    topics: config.topics.join(', '),
    topicDescriptions: Object.entries(config.topicDescriptions)
      .map(([topic, description]) => `${topic}: ${description}`)
      .join('\n'),
    instructionsPerSource: String(config.instructionsPerSource),
    stages,
  };
}

function numberOrText(value: string): number | string {
  const trimmed = value.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

/** The config the form describes, before validation (numbers that do not parse stay text so zod names them). */
export function configInputFromForm(form: RecipeForm): unknown {
  const topics = form.topics
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  const topicDescriptions = Object.fromEntries(
    form.topicDescriptions
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .map((line) => {
        const colon = line.indexOf(':');
        return colon === -1 ? [line, ''] : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      }),
  );
  const stages = Object.fromEntries(
    stageNames.map((stage) => {
      const value = form.stages[stage];
      const stop = value.stop
        .split('\n')
        .map((entry) => entry.replace(/\r$/, ''))
        .filter((entry) => entry !== '');
      return [
        stage,
        {
          endpointName: value.endpointName,
          ...(value.model.trim() ? { model: value.model.trim() } : {}),
          mode: value.mode,
          template: value.template,
          parameters: {
            temperature: numberOrText(value.temperature),
            maxTokens: numberOrText(value.maxTokens),
            ...(value.seed.trim() ? { seed: numberOrText(value.seed) } : {}),
            ...(stop.length > 0 ? { stop } : {}),
          },
          ...(value.rubric.trim() ? { rubric: value.rubric } : {}),
          ...(judgeStages.includes(stage) ? { passRule: { kind: 'judgeVerdict', onUnparseable: value.onUnparseable } } : {}),
        },
      ];
    }),
  );
  return { topics, topicDescriptions, instructionsPerSource: numberOrText(form.instructionsPerSource), stages };
}

export type FormIssues = Record<string, string[]>;

/**
 * Template problems checked on their own: the schema only checks templates once every other field
 * parses, and the template is what the user is editing.
 */
function templateIssues(form: RecipeForm): FormIssues {
  const issues: FormIssues = {};
  for (const stage of stageNames) {
    const { template, rubric } = form.stages[stage];
    const problems = checkTemplate(template, stageTemplateVariables(stage)).map((problem) => problem.message);
    if (problems.length > 0) issues[`stages.${stage}.template`] = problems;
    const rubricProblems = rubric.trim() ? checkTemplate(rubric, rubricTemplateVariables(stage)).map((problem) => problem.message) : [];
    if (rubricProblems.length > 0) issues[`stages.${stage}.rubric`] = rubricProblems;
  }
  return issues;
}

/** Validates the form; issues are keyed by config path ("stages.induce.template", "topics", …). */
export function validateForm(form: RecipeForm): { ok: true; config: RecipeConfig } | { ok: false; issues: FormIssues } {
  const parsed = recipeConfigSchema.safeParse(configInputFromForm(form));
  if (parsed.success) return { ok: true, config: parsed.data };
  const issues: FormIssues = templateIssues(form);
  for (const issue of parsed.error.issues) {
    const list = (issues[issue.path.join('.')] ??= []);
    if (!list.includes(issue.message)) list.push(issue.message);
  }
  return { ok: false, issues };
}

/** Issues for a field and everything below it (e.g. "stages.induce" collects the stage's issues). */
export function issuesUnder(issues: FormIssues, prefix: string): string[] {
  return Object.entries(issues)
    .filter(([path]) => path === prefix || path.startsWith(`${prefix}.`))
    .flatMap(([, messages]) => messages);
}
