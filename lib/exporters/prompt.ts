/**
 * What every format needs to know about a row's prompt and sides: which sides are present (a
 * blank text is as missing as null) and the prompt as chat messages or as an HH-RLHF transcript.
 */
import type { ChatMessage, ExportRow, TrlPromptTemplate } from './types';

/**
 * A text of nothing but the characters `String.prototype.trim` removes (ECMAScript WhiteSpace and
 * LineTerminator). Written out so that Postgres (`BLANK_TEXT_SQL_PATTERN`) counts blank sides
 * exactly as the exporters skip them.
 */
const BLANK_CLASS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const BLANK_TEXT = new RegExp(`^[${BLANK_CLASS}]*$`);
/** The same class as a Postgres ARE pattern (pass it as a parameter: `col !~ $n`). */
export const BLANK_TEXT_SQL_PATTERN = `^[${BLANK_CLASS}]*$`;

/** A side worth exporting: null, empty and whitespace-only texts are all missing. */
export function hasText(text: string | null): text is string {
  return text !== null && !BLANK_TEXT.test(text);
}

/** The prompt as chat messages: the imported conversation (system message and turns), else one user message. */
export function promptAsMessages(row: ExportRow): ChatMessage[] {
  return row.promptMessages ? [...row.promptMessages] : [{ role: 'user', content: row.instruction }];
}

const HH_SPEAKER = { user: 'Human', assistant: 'Assistant' } as const;

/**
 * The prompt in Anthropic's transcript form, "\n\nHuman: …\n\nAssistant: …\n\nHuman: …"; a system
 * message goes before the first turn, where Anthropic's text-completion format put it.
 */
export function renderHhPrompt(row: ExportRow): string {
  if (!row.promptMessages) return `\n\nHuman: ${row.instruction}`;
  let transcript = '';
  for (const message of row.promptMessages) {
    transcript += message.role === 'system' ? message.content : `\n\n${HH_SPEAKER[message.role]}: ${message.content}`;
  }
  return transcript;
}

const ALPACA_PREAMBLE =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.';

/** Text prompt and completion prefix of each TRL standard template (see TrlPromptTemplate). */
export const TRL_TEMPLATES: Record<TrlPromptTemplate, { label: string; prompt: (row: ExportRow) => string; completionPrefix: string }> = {
  none: { label: 'none (the bare instruction)', prompt: (row) => row.instruction, completionPrefix: '' },
  alpaca: {
    label: 'Alpaca ("### Instruction:" … "### Response:")',
    prompt: (row) => `${ALPACA_PREAMBLE}\n\n### Instruction:\n${row.instruction}\n\n### Response:\n`,
    completionPrefix: '',
  },
  hh: {
    label: 'HH ("\\n\\nHuman: …\\n\\nAssistant:", completions start with a space)',
    prompt: (row) => `${renderHhPrompt(row)}\n\nAssistant:`,
    completionPrefix: ' ',
  },
};
