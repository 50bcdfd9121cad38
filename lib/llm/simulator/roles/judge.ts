import { pick, rngFromText, unitFromText } from '../random';
import { countWords, extractKeywords, normalizeForCompare, parseLabelledSections } from '../text';
import { judgeSectionNames, parseSections } from '../sections';
import type { RoleImpl, RoleRequest } from './types';

/*
 * Judge rules (also in ../README.md). The judge reads the item from the last user message (chat)
 * or the prompt (completion), preferably through the section contract of ../sections.ts
 * (`<instruction>`, `<source_text>`, `<chosen>`, `<rejected>` tag lines) that every built-in judge
 * prompt follows. Prompts without sections fall back to labelled headers (`### Instruction`,
 * `Instruction:`, `Chosen response:`, `**Rejected:**`, XML-ish inline tags; `Response:` is the
 * source text) so hand-written prompts keep working.
 *
 * Mode: response filtering when a chosen section is present, otherwise instruction filtering
 * (without an instruction section the whole text is the instruction).
 *
 * Fail on the first rule that applies (ids in JUDGE_RULES, named in every reason):
 *  instruction filtering: empty, truncated, too-short, copy (the instruction repeats the source
 *  text, or is a piece of it), off-topic (no key word of the source text);
 *  response filtering: empty, truncated, copy (the chosen answer repeats the rejected text),
 *  no-refusal (no refusal or redirection cue).
 * `truncated` is checked only on text that came from a marked section, where the end of the text
 * is known. Otherwise pass with probability `passRate` (default 0.85), decided by a hash of the
 * whole prompt and the request seed, so the same item always gets the same verdict; such a fail
 * says it was sampled, not ruled.
 */

const MIN_INSTRUCTION_WORDS = 4;
const MIN_VERBATIM_CHARS = 16;
const MIN_RESPONSE_KEYWORDS = 3;

export const JUDGE_RULE_IDS = ['empty', 'truncated', 'too-short', 'copy', 'off-topic', 'no-refusal'] as const;
export type JudgeRuleId = (typeof JUDGE_RULE_IDS)[number];

export const JUDGE_RULES: Record<JudgeRuleId, string> = {
  empty: 'the instruction or chosen answer is empty',
  truncated: 'the text stops without closing punctuation (cut off)',
  'too-short': `the instruction has fewer than ${MIN_INSTRUCTION_WORDS} words`,
  copy: 'the instruction repeats the source text (or is a piece of it), or the chosen answer repeats the rejected text',
  'off-topic': 'the instruction shares no key word with the source text',
  'no-refusal': 'the chosen answer has no refusal or redirection cue',
};

/** Reason of a sampled (not ruled) fail; starts with this so dashboards can tell the two apart. */
export const SAMPLED_FAIL_PREFIX = 'sampled fail';

/** Phrases that mark a refusal or a redirection; a safe chosen answer has at least one. */
export const REFUSAL_CUES =
  /\b(i can(?:'|’)?t|i cannot|i can not|i won(?:'|’)?t|i will not|i(?:'|’)m not (?:able|comfortable)|i am not (?:able|comfortable)|unable to|sorry|instead|i would suggest|i(?:'|’)d suggest|i recommend|reach out|crisis|988|hotline|helpline|professional|legal aid|consent|respectful)\b/i;

export interface JudgeVerdict {
  verdict: 'pass' | 'fail';
  reason: string;
}

const PASS_REASONS = {
  instruction: ['no rule fired: instruction is clear and matches the text', 'no rule fired: plausible, specific user request'],
  response: ['no rule fired: chosen answer is safe and better than the rejected one', 'no rule fired: chosen answer refuses and redirects helpfully'],
};

type RuleFailure = { rule: JudgeRuleId; detail: string };

const failure = (rule: JudgeRuleId, detail: string): RuleFailure => ({ rule, detail });

// Closing punctuation, optionally followed by closing quotes or brackets.
const CLOSED_END = /[.!?…:;)\]"'”’]\s*$/;

function checkEnd(text: string, what: string, marked: boolean): RuleFailure | null {
  if (!marked || CLOSED_END.test(text.trim())) return null;
  return failure('truncated', `${what} stops mid-sentence`);
}

function checkInstruction(instruction: string, marked: boolean): RuleFailure | null {
  if (instruction.trim() === '') return failure('empty', 'instruction is empty');
  const truncated = checkEnd(instruction, 'instruction', marked);
  if (truncated) return truncated;
  const words = countWords(instruction);
  if (words < MIN_INSTRUCTION_WORDS) return failure('too-short', `instruction is too short (${words} words, need at least ${MIN_INSTRUCTION_WORDS})`);
  return null;
}

function checkInstructionAgainstSource(instruction: string, source: string): RuleFailure | null {
  const normalizedInstruction = normalizeForCompare(instruction);
  const normalizedSource = normalizeForCompare(source);
  if (normalizedSource.length >= MIN_VERBATIM_CHARS && normalizedInstruction.includes(normalizedSource)) {
    return failure('copy', 'instruction repeats the source text verbatim');
  }
  if (normalizedInstruction.length >= MIN_VERBATIM_CHARS && normalizedSource.includes(normalizedInstruction)) {
    return failure('copy', 'instruction is a verbatim piece of the source text, not a request');
  }
  const keywords = extractKeywords(source, 5);
  if (keywords.length < MIN_RESPONSE_KEYWORDS) return null;
  const lower = instruction.toLowerCase();
  return keywords.some((k) => lower.includes(k)) ? null : failure('off-topic', 'instruction does not match the text (no shared key words)');
}

function checkChosen(chosen: string, rejected: string, marked: boolean): RuleFailure | null {
  if (chosen.trim() === '') return failure('empty', 'chosen answer is empty');
  const truncated = checkEnd(chosen, 'chosen answer', marked);
  if (truncated) return truncated;
  const normalizedRejected = normalizeForCompare(rejected);
  if (normalizedRejected.length >= MIN_VERBATIM_CHARS && normalizeForCompare(chosen).includes(normalizedRejected)) {
    return failure('copy', 'chosen answer repeats the rejected text');
  }
  if (!REFUSAL_CUES.test(chosen)) return failure('no-refusal', 'chosen answer has no refusal or redirection');
  return null;
}

interface JudgeInput {
  instruction?: string;
  source?: string;
  chosen?: string;
  rejected?: string;
  /** True when the fields come from marked sections, whose ends are exact. */
  marked: boolean;
}

/** The item to judge: marked sections when the prompt has any, otherwise labelled headers. */
export function readJudgeInput(text: string): JudgeInput {
  const parsed = parseSections(text);
  if (parsed.all.length > 0) {
    const { last } = parsed;
    return {
      instruction: last[judgeSectionNames.instruction],
      source: last[judgeSectionNames.sourceText],
      chosen: last[judgeSectionNames.chosen] ?? last[judgeSectionNames.response],
      rejected: last[judgeSectionNames.rejected],
      marked: true,
    };
  }
  const labelled = parseLabelledSections(text);
  const responseFiltering = labelled.chosen !== undefined && labelled.rejected !== undefined;
  return {
    instruction: labelled.instruction,
    source: responseFiltering ? undefined : labelled.response,
    chosen: responseFiltering ? labelled.chosen : undefined,
    rejected: responseFiltering ? labelled.rejected : undefined,
    marked: false,
  };
}

function withRule(result: RuleFailure): JudgeVerdict {
  return { verdict: 'fail', reason: `${result.detail} (rule: ${result.rule})` };
}

export function judgeItem({ text, fullPrompt, seed, passRate }: Pick<RoleRequest, 'text' | 'fullPrompt' | 'seed' | 'passRate'>): JudgeVerdict {
  const input = readJudgeInput(text);
  const isResponseFiltering = input.chosen !== undefined;
  const instruction = input.instruction ?? (isResponseFiltering ? undefined : text);
  const instructionMarked = input.marked && input.instruction !== undefined;

  const ruleFailure =
    (instruction !== undefined ? checkInstruction(instruction, instructionMarked) : null) ??
    (!isResponseFiltering && instruction !== undefined && input.source !== undefined ? checkInstructionAgainstSource(instruction, input.source) : null) ??
    (isResponseFiltering ? checkChosen(input.chosen ?? '', input.rejected ?? '', input.marked) : null);
  if (ruleFailure) return withRule(ruleFailure);

  const key = `${fullPrompt}\u0000${seed ?? ''}`;
  const reasonRng = rngFromText(`reason\u0000${key}`);
  if (unitFromText(key) < passRate) {
    return { verdict: 'pass', reason: pick(reasonRng, PASS_REASONS[isResponseFiltering ? 'response' : 'instruction']) };
  }
  return { verdict: 'fail', reason: `${SAMPLED_FAIL_PREFIX}: no rule fired; failed at the simulated base rate of ${Math.round((1 - passRate) * 100)}%` };
}

/** Filters instructions and responses; always answers with a JSON object as text. */
export const judgeRole: RoleImpl = {
  description: 'Filter: answers {"verdict":"pass"|"fail","reason":"…"} from documented rules and a seeded pass rate.',
  jsonKey: null,
  generate(request) {
    return JSON.stringify(judgeItem(request));
  },
};
