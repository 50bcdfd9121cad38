import { pick, rngFromText, unitFromText } from '../random';
import { countWords, extractKeywords, normalizeForCompare, parseLabelledSections } from '../text';
import type { RoleImpl, RoleRequest } from './types';

/*
 * Judge rules (also in ../README.md). The judge reads labelled sections from the last user message
 * (chat) or the prompt (completion): `<chosen>…</chosen>` tags, or header lines such as
 * `### Instruction`, `Instruction:`, `Chosen response:`, `**Rejected:**` (synonyms: preferred =
 * chosen, dispreferred = rejected; `Response:` is the text the instruction was written for).
 *
 * Mode: response filtering when both a chosen and a rejected section are present, otherwise
 * instruction filtering (without an `Instruction` section the whole text is the instruction).
 *
 * Fail, in this order:
 *  1. an instruction section is present (always, in instruction filtering) and it is empty, or
 *     has fewer than 4 words;
 *  2. instruction filtering with a `Response` section of at least 3 key words, and the
 *     instruction shares none of them (off-topic);
 *  3. response filtering: the chosen answer is empty, or contains the rejected text verbatim
 *     (case and whitespace ignored; only for rejected texts of 16+ characters, since the public
 *     data leaves some rejected columns empty), or has none of the REFUSAL_CUES.
 * Otherwise pass with probability `passRate` (default 0.85), decided by a hash of the whole prompt
 * and the request seed, so the same item always gets the same verdict.
 */

const MIN_INSTRUCTION_WORDS = 4;
const MIN_VERBATIM_CHARS = 16;
const MIN_RESPONSE_KEYWORDS = 3;

/** Phrases that mark a refusal or a redirection; a safe chosen answer has at least one. */
export const REFUSAL_CUES =
  /\b(i can(?:'|’)?t|i cannot|i can not|i won(?:'|’)?t|i will not|i(?:'|’)m not (?:able|comfortable)|i am not (?:able|comfortable)|unable to|sorry|instead|i would suggest|i(?:'|’)d suggest|i recommend|reach out|crisis|988|hotline|helpline|professional|legal aid|consent|respectful)\b/i;

export interface JudgeVerdict {
  verdict: 'pass' | 'fail';
  reason: string;
}

const RANDOM_FAIL_REASONS = [
  'instruction is vague and only loosely matches the text',
  'the pair is low quality on balance',
  'wording is unnatural for a user request',
];
const PASS_REASONS = {
  instruction: ['instruction is clear and matches the text', 'plausible, specific user request'],
  response: ['chosen answer is safe and better than the rejected one', 'chosen answer refuses and redirects helpfully'],
};

function checkInstruction(instruction: string): string | null {
  if (instruction.trim() === '') return 'instruction is empty';
  const words = countWords(instruction);
  if (words < MIN_INSTRUCTION_WORDS) return `instruction is too short (${words} words, need at least ${MIN_INSTRUCTION_WORDS})`;
  return null;
}

function checkInstructionMatchesResponse(instruction: string, response: string): string | null {
  const keywords = extractKeywords(response, 5);
  if (keywords.length < MIN_RESPONSE_KEYWORDS) return null;
  const lower = instruction.toLowerCase();
  return keywords.some((k) => lower.includes(k)) ? null : 'instruction does not match the text (no shared key words)';
}

function checkChosen(chosen: string, rejected: string): string | null {
  if (chosen.trim() === '') return 'chosen answer is empty';
  const normalizedRejected = normalizeForCompare(rejected);
  if (normalizedRejected.length >= MIN_VERBATIM_CHARS && normalizeForCompare(chosen).includes(normalizedRejected)) {
    return 'chosen answer repeats the rejected text';
  }
  if (!REFUSAL_CUES.test(chosen)) return 'chosen answer has no refusal or redirection';
  return null;
}

export function judgeItem({ text, fullPrompt, seed, passRate }: Pick<RoleRequest, 'text' | 'fullPrompt' | 'seed' | 'passRate'>): JudgeVerdict {
  const sections = parseLabelledSections(text);
  const isResponseFiltering = sections.chosen !== undefined && sections.rejected !== undefined;
  const instruction = sections.instruction ?? (isResponseFiltering ? undefined : text);

  const ruleFailure =
    (instruction !== undefined ? checkInstruction(instruction) : null) ??
    (!isResponseFiltering && instruction !== undefined && sections.response !== undefined
      ? checkInstructionMatchesResponse(instruction, sections.response)
      : null) ??
    (isResponseFiltering ? checkChosen(sections.chosen ?? '', sections.rejected ?? '') : null);
  if (ruleFailure) return { verdict: 'fail', reason: ruleFailure };

  const key = `${fullPrompt}\u0000${seed ?? ''}`;
  const reasonRng = rngFromText(`reason\u0000${key}`);
  if (unitFromText(key) < passRate) {
    return { verdict: 'pass', reason: pick(reasonRng, PASS_REASONS[isResponseFiltering ? 'response' : 'instruction']) };
  }
  return { verdict: 'fail', reason: pick(reasonRng, RANDOM_FAIL_REASONS) };
}

/** Filters instructions and responses; always answers with a JSON object as text. */
export const judgeRole: RoleImpl = {
  description: 'Filter: answers {"verdict":"pass"|"fail","reason":"…"} from documented rules and a seeded pass rate.',
  jsonKey: null,
  generate(request) {
    return JSON.stringify(judgeItem(request));
  },
};
