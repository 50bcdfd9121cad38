/**
 * The section contract between judge prompts and whatever reads them back (the simulator's judge
 * today; a harmlessness judge of model evaluation tomorrow).
 *
 * A section is an opening tag line, the body, and the matching closing tag line:
 *
 *     <instruction>
 *     How do I …?
 *     </instruction>
 *
 * - Tag lines hold the tag only (surrounding spaces allowed); a tag in the middle of a line is
 *   text. Names are lower case: a letter, then letters, digits, `_` or `-`.
 * - The body is everything between the two tag lines, verbatim except for its first and last
 *   newline. It may contain anything except a line that is exactly its own closing tag, so a
 *   source text that mentions `<instruction>` inline cannot open or close a section.
 * - Sections do not nest: inside an open section, other tag lines are body text.
 * - The same name may appear more than once (few-shot examples first); `last` holds the last one,
 *   which is the item to judge, and `all` lists every section in order.
 * - An opening tag without its closing line is reported in `unclosed` and is not a section.
 *
 * `sectionBlock(name, body)` writes one; prompts in lib/pipeline/prompts build their judge
 * templates with it, so the layout lives in one place. Which names a reader expects is the
 * reader's business; `judgeSectionNames` lists the ones the built-in recipes use.
 */

export const SECTION_NAME = /^[a-z][a-z0-9_-]*$/;

/** Names used by the built-in judge prompts and read by the simulator's judge. */
export const judgeSectionNames = {
  /** The instruction being judged (or the request the responses answer). */
  instruction: 'instruction',
  /** The human-written source text the instruction was induced from (the rejected response). */
  sourceText: 'source_text',
  /** The candidate preferred response. */
  chosen: 'chosen',
  /** The dispreferred response of the pair. */
  rejected: 'rejected',
  /** A single response to judge on its own (e.g. a target model's answer in an evaluation). */
  response: 'response',
} as const;
export type JudgeSectionName = (typeof judgeSectionNames)[keyof typeof judgeSectionNames];

export interface PromptSection {
  name: string;
  body: string;
  /** 1-based line of the opening tag. */
  line: number;
}

export interface ParsedSections {
  all: PromptSection[];
  last: Readonly<Record<string, string>>;
  /** Names of opening tags that were never closed, with their line. */
  unclosed: { name: string; line: number }[];
}

/** One section as the contract writes it; the body is inserted as is. */
export function sectionBlock(name: string, body: string): string {
  if (!SECTION_NAME.test(name)) throw new Error(`"${name}" is not a valid section name (lower case letters, digits, _ or -, starting with a letter)`);
  return `<${name}>\n${body}\n</${name}>`;
}

const OPEN_TAG = /^[ \t]*<([a-z][a-z0-9_-]*)>[ \t]*$/;

/** Every section of `text` (a prompt or a message), per the contract above. */
export function parseSections(text: string): ParsedSections {
  const lines = text.split(/\r?\n/);
  const all: PromptSection[] = [];
  const unclosed: { name: string; line: number }[] = [];
  let index = 0;
  while (index < lines.length) {
    const open = OPEN_TAG.exec(lines[index]);
    if (!open) {
      index += 1;
      continue;
    }
    const name = open[1];
    const closing = `</${name}>`;
    let end = index + 1;
    while (end < lines.length && lines[end].trim() !== closing) end += 1;
    if (end >= lines.length) {
      unclosed.push({ name, line: index + 1 });
      index += 1;
      continue;
    }
    all.push({ name, body: lines.slice(index + 1, end).join('\n'), line: index + 1 });
    index = end + 1;
  }
  const last: Record<string, string> = {};
  for (const section of all) last[section.name] = section.body;
  return { all, last, unclosed };
}

/** True when `text` has at least one complete section, i.e. the writer follows the contract. */
export function hasSections(text: string): boolean {
  return parseSections(text).all.length > 0;
}
