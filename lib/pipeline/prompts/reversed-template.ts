/**
 * The reversed-instruction prompt: shown a response, the model writes the instruction it answers.
 * A model fine-tuned on one layout induces poorly from another, so the flipper (stage-1 training
 * data, `reversed-data.ts`) and the completion-mode induction prompts of the built-in recipes take
 * their layout from this one table.
 *
 * `authors` is the template the Safer-Instruct authors publish in their repository's README
 * (uscnlp-lime/safer-instruct, section "Reversed Instruction Tuning"): they trained with the
 * Stanford Alpaca code changing only this template, and "use the same prompt for inference". The
 * README's code block does not show whether a newline follows the last header; Stanford Alpaca's
 * own templates (`PROMPT_DICT` in its train.py) end right after their last header (`### Response:`
 * with nothing after it), so ours ends right after `### Instruction:` too.
 *
 * `studio-v1` is the layout this app used before (its own wording, `### Response:` with a capital
 * R and a trailing newline); it stays selectable for models already trained on it.
 */

export const REVERSED_TEMPLATE_IDS = ['authors', 'studio-v1'] as const;
export type ReversedTemplateId = (typeof REVERSED_TEMPLATE_IDS)[number];
export const DEFAULT_REVERSED_TEMPLATE: ReversedTemplateId = 'authors';

export interface ReversedTemplate {
  label: string;
  /** Where the wording comes from, shown next to the choice and in notes on the output. */
  source: string;
  render(response: string): string;
}

/** Headers of the studio-v1 layout, also used by the few-shot chat induction prompt. */
export const REVERSED_RESPONSE_HEADER = '### Response:';
export const REVERSED_INSTRUCTION_HEADER = '### Instruction:';

export const reversedTemplates: Record<ReversedTemplateId, ReversedTemplate> = {
  authors: {
    label: "Authors' template (Safer-Instruct README)",
    source: 'verbatim from the README of uscnlp-lime/safer-instruct; no newline after the last header, as in Stanford Alpaca',
    render: (response) =>
      `Below is a response to a certain instruction. Write the instruction that the response is trying to complete.\n\n### response:\n${response}\n\n### Instruction:`,
  },
  'studio-v1': {
    label: 'Studio v1 (earlier default of this app)',
    source: "this app's own wording, used before the authors' template became the default",
    render: (response) =>
      `Below is a response to an instruction. Write the instruction that the response completes.\n\n${REVERSED_RESPONSE_HEADER}\n${response}\n\n${REVERSED_INSTRUCTION_HEADER}\n`,
  },
};

/** The response in the chosen reversed template (the authors' by default), inserted verbatim. */
export function renderReversedPrompt(response: string, templateId: ReversedTemplateId = DEFAULT_REVERSED_TEMPLATE): string {
  return reversedTemplates[templateId].render(response);
}
