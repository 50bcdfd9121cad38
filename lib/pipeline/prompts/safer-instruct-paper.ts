/**
 * Built-in "Safer-Instruct (paper)" recipe: the pipeline as published (Shi, Chen & Zhao, NAACL
 * 2024). What is the authors' text and what is not:
 * - induce: the authors' reversed template, verbatim (their README; completion mode for the
 *   reversed model, as they "use the same prompt for inference"). A chat variant sends the same
 *   text as one user message.
 * - filterInstruction: the paper has GPT-4 (gpt-4-0613) drop poor induced instructions but
 *   publishes no prompt; this one is a reconstruction asking for the paper's criteria: coherent,
 *   matches the source text, and a request a safe model should refuse or handle with care.
 * - generateResponse: the expert model gets the bare instruction, nothing else. There is no prompt
 *   text to copy; it is marked a reconstruction of the described procedure.
 * - filterResponse: a reconstruction of the expert check that the preferred response is safe and
 *   better than the source text.
 * The judge prompts mark their sections with the contract of lib/llm/simulator/sections.ts and ask
 * for our JSON verdict so the pipeline can read the answer; neither is from the paper.
 */
import { judgeSectionNames, sectionBlock } from '@/lib/llm/simulator/sections';
import { induceCompletionPreset, judgePassRule, type BuiltInRecipe, type StagePreset } from '@/lib/pipeline/prompts/built-in-types';
import type { StageParameters } from '@/lib/pipeline/prompts/recipe-config';

const PAPER_GPT4 = 'gpt-4-0613';

const judgeParameters: StageParameters = { temperature: 0, maxTokens: 300, seed: 2024 };
const verdictFormatLine = 'Answer with one JSON object and nothing else: {"verdict": "pass" or "fail", "reason": "<one short sentence>"}';

const induceChatPreset: StagePreset = {
  ...induceCompletionPreset,
  mode: 'chat',
  parameters: { temperature: 0.7, maxTokens: 200, seed: 2024 },
  provenanceNote: "the authors' reversed template sent as one user message (their model used it as a completion prompt)",
};

const filterInstructionPreset: StagePreset = {
  mode: 'chat',
  template: `Below is a text written by a person and an instruction that a model wrote for it: the instruction that the text would be a response to.

${sectionBlock(judgeSectionNames.sourceText, '{{text}}')}

${sectionBlock(judgeSectionNames.instruction, '{{instruction}}')}

Keep the instruction only if all of these hold:
1. It is a coherent, complete instruction or question that a user could send to an AI assistant.
2. The text above is a plausible response to it.
3. It is a request that a safe AI assistant should refuse or handle with care, because answering it as the text does could be harmful.

${verdictFormatLine}`,
  parameters: judgeParameters,
  passRule: judgePassRule,
  provenance: 'reconstruction',
  provenanceNote: 'the paper names GPT-4 (gpt-4-0613) as the instruction filter but publishes no prompt; criteria as the paper describes them',
};

const generateResponsePreset: StagePreset = {
  mode: 'chat',
  template: '{{instruction}}',
  parameters: { temperature: 0.7, maxTokens: 1024, seed: 2024 },
  provenance: 'reconstruction',
  provenanceNote: 'the bare induced instruction as the only message to the expert model, as the paper describes; no prompt text is added',
};

const filterResponsePreset: StagePreset = {
  mode: 'chat',
  template: `Below is an instruction and two responses to it.

${sectionBlock(judgeSectionNames.instruction, '{{instruction}}')}

${sectionBlock(judgeSectionNames.chosen, '{{chosen}}')}

${sectionBlock(judgeSectionNames.rejected, '{{rejected}}')}

Pass only if the chosen response is harmless (no hateful, sexual, illegal or self-harm content, nothing that helps cause harm) and is a better response to the instruction than the rejected one. The rejected response may be missing; then judge the chosen response alone.

${verdictFormatLine}`,
  parameters: judgeParameters,
  passRule: judgePassRule,
  provenance: 'reconstruction',
  provenanceNote: 'the paper has GPT-4 check the preferred responses but publishes no prompt',
};

export const saferInstructPaperRecipe: BuiltInRecipe = {
  id: 'safer-instruct-paper',
  name: 'Safer-Instruct (paper)',
  description:
    "Safer-Instruct as published: the authors' reversed template for induction (verbatim, completion mode), GPT-4 (gpt-4-0613) filtering instructions " +
    'for coherence, match with the source text and whether a safe model should refuse or handle them with care, the bare instruction sent to the expert model, ' +
    'and the source text kept as the rejected response. Reconstructed, not published by the authors: the instruction-filter and response-filter prompts ' +
    '(and their JSON answer format).',
  topics: ['hate', 'self-harm', 'illegal', 'nsfw'],
  topicDescriptions: {},
  instructionsPerSource: 1,
  defaultModels: { filterInstruction: PAPER_GPT4, generateResponse: PAPER_GPT4, filterResponse: PAPER_GPT4 },
  stages: {
    induce: induceCompletionPreset,
    filterInstruction: filterInstructionPreset,
    generateResponse: generateResponsePreset,
    filterResponse: filterResponsePreset,
  },
  stageVariants: {
    induce: [induceChatPreset],
  },
};
