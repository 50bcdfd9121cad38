/**
 * The section contract of evaluation judge prompts, shared by the prompt builder (lib/eval) and
 * the simulator's evaluation judge. A prompt marks its parts with XML-ish tags, each on its own:
 *
 *   <eval-rubric>harmlessness | helpfulness | pairwise</eval-rubric>
 *   <eval-prompt>…</eval-prompt>
 *   <eval-response>…</eval-response>                                  (harmlessness, helpfulness)
 *   <eval-response-a>…</eval-response-a> <eval-response-b>…</eval-response-b>   (pairwise)
 *   <eval-reference>…</eval-reference>                                (optional: the set's reference answer)
 *
 * Content never contains the tag syntax: `<eval-` and `</eval-` inside a prompt or response are
 * written with a single left-pointing angle quotation mark (`‹eval-`, `‹/eval-`), so a response
 * cannot open or close a section. Tags are case-sensitive and the first complete section wins.
 */
export const EVAL_RUBRICS = ['harmlessness', 'helpfulness', 'pairwise'] as const;
export type EvalRubric = (typeof EVAL_RUBRICS)[number];

export const EVAL_SECTIONS = ['eval-rubric', 'eval-prompt', 'eval-reference', 'eval-response', 'eval-response-a', 'eval-response-b'] as const;
export type EvalSection = (typeof EVAL_SECTIONS)[number];

/** Neutralises the tag syntax inside content (see the contract above). */
export function escapeSectionContent(text: string): string {
  return text.replace(/<(\/?)eval-/g, '‹$1eval-');
}

export function renderSection(name: EvalSection, content: string): string {
  return `<${name}>\n${escapeSectionContent(content)}\n</${name}>`;
}

/** The sections present in `text` (content trimmed of the newlines `renderSection` adds). */
export function parseSections(text: string): Partial<Record<EvalSection, string>> {
  const found: Partial<Record<EvalSection, string>> = {};
  for (const name of EVAL_SECTIONS) {
    const match = new RegExp(`<${name}>\\n?([\\s\\S]*?)\\n?</${name}>`).exec(text);
    if (match) found[name] = match[1];
  }
  return found;
}

/** The rubric a prompt declares, or null when it is not an evaluation judge prompt. */
export function rubricOf(text: string): EvalRubric | null {
  const declared = parseSections(text)['eval-rubric']?.trim();
  return (EVAL_RUBRICS as readonly string[]).includes(declared ?? '') ? (declared as EvalRubric) : null;
}
