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

/** Every character of BLANK_CLASS, spelled out (the class's one range included). */
const BLANK_CHARACTERS = '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';

/**
 * `hasText(column)` in SQL; `quote` makes a literal or a parameter. A text whose first character is
 * not blank has text, and that is decided from one character; only the others go through the
 * regular expression, which costs a pass over the whole text (Postgres widens every character
 * first): on 1.4 kB pairs it made a line-building COPY 50% slower.
 */
export function hasTextSql(column: string, quote: (text: string) => string): string {
  return `(${column} IS NOT NULL AND (strpos(${quote(BLANK_CHARACTERS)}, left(${column}, 1)) = 0 OR ${column} !~ ${quote(BLANK_TEXT_SQL_PATTERN)}))`;
}

/** Both sides have text, in SQL: `hasText(chosen) && hasText(rejected)`. */
export function bothSidesSql(quote: (text: string) => string): string {
  return `(${hasTextSql('p.chosen', quote)} AND ${hasTextSql('p.rejected', quote)})`;
}

/** A side worth exporting: null, empty and whitespace-only texts are all missing. */
export function hasText(text: string | null): text is string {
  return text !== null && !BLANK_TEXT.test(text);
}

/** Both sides have text; a row read through COPY already knows (without decoding its texts). */
export function hasBothSides(row: ExportRow): boolean {
  return row.encoded ? row.encoded.bothSides : hasText(row.chosen) && hasText(row.rejected);
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

type TrlTemplate = {
  label: string;
  prompt: (row: ExportRow) => string;
  /** The same prompt as an SQL expression over `p`, where it needs nothing but the instruction. */
  sqlPrompt?: (literal: (text: string) => string) => string;
  completionPrefix: string;
};

const ALPACA_BEFORE = `${ALPACA_PREAMBLE}\n\n### Instruction:\n`;
const ALPACA_AFTER = '\n\n### Response:\n';

/** Text prompt and completion prefix of each TRL standard template (see TrlPromptTemplate). */
export const TRL_TEMPLATES: Record<TrlPromptTemplate, TrlTemplate> = {
  none: { label: 'none (the bare instruction)', prompt: (row) => row.instruction, sqlPrompt: () => 'p.instruction', completionPrefix: '' },
  alpaca: {
    label: 'Alpaca ("### Instruction:" … "### Response:")',
    prompt: (row) => `${ALPACA_BEFORE}${row.instruction}${ALPACA_AFTER}`,
    sqlPrompt: (literal) => `(${literal(ALPACA_BEFORE)} || p.instruction || ${literal(ALPACA_AFTER)})`,
    completionPrefix: '',
  },
  hh: {
    label: 'HH ("\\n\\nHuman: …\\n\\nAssistant:", completions start with a space)',
    prompt: (row) => `${renderHhPrompt(row)}\n\nAssistant:`,
    completionPrefix: ' ',
  },
};
