/**
 * The reversed-instruction prompt: shown a response, the model writes the instruction it answers.
 * One definition serves three places that must agree byte for byte — reversed-tuning training
 * data (`reversed-data.ts`, the export module), and the completion-mode induction prompt of the
 * built-in recipe — because a model fine-tuned on one layout induces poorly from another.
 */

export const REVERSED_TASK_LINE = 'Below is a response to an instruction. Write the instruction that the response completes.';
export const REVERSED_RESPONSE_HEADER = '### Response:';
export const REVERSED_INSTRUCTION_HEADER = '### Instruction:';

/**
 * "Below is a response to an instruction. Write the instruction that the response completes.\n\n
 * ### Response:\n{response}\n\n### Instruction:\n" — the response is inserted verbatim.
 */
export function renderReversedPrompt(response: string): string {
  return `${REVERSED_TASK_LINE}\n\n${REVERSED_RESPONSE_HEADER}\n${response}\n\n${REVERSED_INSTRUCTION_HEADER}\n`;
}
