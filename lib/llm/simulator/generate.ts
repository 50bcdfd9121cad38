import { ROLE_IMPLS, type SimRole } from './roles';
import type { ContentFault, FaultPlan } from './faults';
import { rngFromText } from './random';
import { estimateTokens, truncateToTokens } from './text';
import type { ChoiceText } from './openai-shapes';

/** What both endpoints reduce a request to, once validated. */
export interface GenerationInput {
  model: string;
  role: SimRole;
  /** One entry per prompt (completions accept several); chat has one. */
  prompts: Array<{ text: string; fullPrompt: string }>;
  promptTokens: number;
  n: number;
  maxTokens: number | null;
  stop: string[];
  seed: number | null;
  jsonMode: boolean;
  /** Everything that must give the same output when repeated: input, model, seed, temperature. */
  requestKey: string;
}

export interface GenerationResult {
  choices: ChoiceText[];
  completionTokens: number;
  contentFault: ContentFault | null;
}

/**
 * Kinds of broken JSON a real model produces. `proseWrapped` can be recovered by a lenient parser
 * that extracts the outer braces; the others cannot be parsed as JSON at all.
 */
const MALFORMED_JSON_VARIANTS: ReadonlyArray<(json: string) => string> = [
  (json) => json.replace(/\}\s*$/, ''),
  (json) => json.replace(/"/g, "'"),
  (json) => json.replace(/\}\s*$/, ',}'),
  (json) => `Sure! Here is my assessment:\n${json}\nLet me know if you need anything else.`,
];

function breakJson(json: string, variant: number): string {
  return MALFORMED_JSON_VARIANTS[variant % MALFORMED_JSON_VARIANTS.length](json);
}

/** Keeps 30–70% of the text, always strictly less than all of it. */
function cutShort(text: string, variant: number): string {
  const share = 0.3 + (variant % 41) / 100;
  return text.slice(0, Math.min(text.length - 1, Math.floor(text.length * share)));
}

function cutAtStop(text: string, stop: string[]): string {
  let end = text.length;
  for (const sequence of stop) {
    const at = sequence ? text.indexOf(sequence) : -1;
    if (at !== -1 && at < end) end = at;
  }
  return text.slice(0, end);
}

export function generateChoices(input: GenerationInput, plan: FaultPlan, passRate: number, flawRate = 0): GenerationResult {
  const role = ROLE_IMPLS[input.role];
  const repliesAreJson = input.jsonMode || role.jsonKey === null;
  const choices: ChoiceText[] = [];
  let appliedFault: ContentFault | null = null;

  input.prompts.forEach((prompt, promptIndex) => {
    for (let c = 0; c < input.n; c += 1) {
      const rng = rngFromText(`${input.requestKey}\u0000${promptIndex}\u0000${c}`);
      const raw = role.generate({ text: prompt.text, fullPrompt: prompt.fullPrompt, seed: input.seed, rng, passRate, flawRate, model: input.model });
      let content = input.jsonMode && role.jsonKey !== null ? JSON.stringify({ [role.jsonKey]: raw }) : raw;
      let finishReason: ChoiceText['finishReason'] = 'stop';
      content = cutAtStop(content, input.stop);
      if (input.maxTokens !== null && estimateTokens(content) > input.maxTokens) {
        content = truncateToTokens(content, input.maxTokens);
        finishReason = 'length';
      }
      if (plan.contentFault === 'truncated') {
        content = cutShort(content, plan.variant);
        finishReason = 'length';
        appliedFault = 'truncated';
      } else if (plan.contentFault === 'malformedJson' && repliesAreJson) {
        content = breakJson(content, plan.variant);
        appliedFault = 'malformedJson';
      }
      choices.push({ content, finishReason });
    }
  });

  const completionTokens = choices.reduce((sum, choice) => sum + estimateTokens(choice.content), 0);
  return { choices, completionTokens, contentFault: appliedFault };
}
