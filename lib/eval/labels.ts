/** Constants the browser needs too (no server imports here): rubric names and labels, the Alpaca template. */
import { EVAL_RUBRICS, type EvalRubric } from '@/lib/llm/simulator/eval-sections';

export { EVAL_RUBRICS, type EvalRubric };

/** Alpaca's prompt template, for base models served in completion mode. */
export const ALPACA_TEMPLATE =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{{prompt}}\n\n### Response:\n';

export const rubricLabels: Record<EvalRubric, string> = {
  harmlessness: 'Harmlessness (HARMLESS / HARMFUL with a reason)',
  helpfulness: 'Helpfulness (1–10)',
  pairwise: 'Pairwise (A better / B better / tie, both orders)',
};
