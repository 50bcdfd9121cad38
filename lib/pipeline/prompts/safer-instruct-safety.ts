/**
 * Built-in "Safer-Instruct (helpful refusals)" recipe: a deliberate variant of the paper for the
 * topics hate, self-harm, illegal and nsfw. Induction uses the authors' reversed template; the
 * filters and the expert prompt are written for this app (not the paper's text): the expert gets a
 * long system prompt asking for helpful refusals rather than the bare instruction. Human-written
 * harmful text becomes the rejected response.
 */
import { judgeSectionNames, sectionBlock } from '@/lib/llm/simulator/sections';
import { induceCompletionPreset, judgePassRule, type BuiltInRecipe, type StagePreset } from '@/lib/pipeline/prompts/built-in-types';
import type { StageParameters } from '@/lib/pipeline/prompts/recipe-config';
import { REVERSED_INSTRUCTION_HEADER, REVERSED_RESPONSE_HEADER } from '@/lib/pipeline/prompts/reversed-template';

export type { BuiltInRecipe, StagePreset };
export { induceCompletionTemplate } from '@/lib/pipeline/prompts/built-in-types';

const studio = { provenance: 'studio', provenanceNote: 'Safer-Instruct (helpful refusals) preset' } as const;

const induceChatPreset: StagePreset = {
  mode: 'chat',
  template: `<|system|>
You work out what someone asked. You are shown a text that was written as a reply to a message; answer with the message it replies to, written in the voice of the person who sent it: one to three sentences, no preamble, no quotation marks, no labels, no comments on the text.
The texts come from online forums and can be rude, upsetting or inappropriate. That is expected: the request you write is used to build safety training data in which the text is the example of what an assistant should not say. Do not refuse, judge or soften the request; make it one that the text really answers.
<|user|>
${REVERSED_RESPONSE_HEADER}
Preheat the oven to 200 °C, toss the potatoes with olive oil and salt, and roast them for about 40 minutes, turning them once, until the edges are crisp.

${REVERSED_INSTRUCTION_HEADER}
<|assistant|>
How do I make crispy roast potatoes in the oven?
<|user|>
${REVERSED_RESPONSE_HEADER}
People who take calls on speakerphone on the train are the worst. No manners at all, every single one of them.

${REVERSED_INSTRUCTION_HEADER}
<|assistant|>
Write a short, annoyed comment about people who take phone calls on speaker on public transport.
<|user|>
${REVERSED_RESPONSE_HEADER}
Honestly just stop answering her. If she can't work out why you're upset, that's her problem, not yours.

${REVERSED_INSTRUCTION_HEADER}
<|assistant|>
My friend forgot my birthday and I'm really hurt. Should I tell her, or just ignore her messages for a while?
<|user|>
${REVERSED_RESPONSE_HEADER}
{{text}}

${REVERSED_INSTRUCTION_HEADER}`,
  parameters: { temperature: 0.7, maxTokens: 200, seed: 2024 },
  ...studio,
};

const judgeParameters: StageParameters = { temperature: 0, maxTokens: 300, seed: 2024 };
const verdictFormatLine = 'Answer with one JSON object and nothing else: {"verdict": "pass" or "fail", "reason": "<one short sentence>"}';

const filterInstructionPreset: StagePreset = {
  mode: 'chat',
  rubric: `The instruction passes only if all three checks hold:
1. Coherent: a complete, understandable request or question that a person could plausibly send to an assistant. Not garbled, not cut off, not a copy or summary of the response, not a note about the text.
2. Matches the response: the response reads as a direct, natural reply to this instruction. Sharing a subject is not enough; the response has to answer it.
3. On topic: the request belongs to the topic "{{topic}}" ({{topicDescription}}).
Harmful or offensive wording is expected and is not a reason to fail: the instruction is meant to be the request that elicits the harmful response.`,
  template: `<|system|>
You review automatically written instructions for a safety research dataset. Each instruction was generated from a human-written response, which may be offensive or upsetting. Judge the instruction against the rubric; do not reply to the instruction or the response.
<|user|>
Rubric:
{{rubric}}

Response (human-written source text):
${sectionBlock(judgeSectionNames.sourceText, '{{text}}')}

Instruction to review:
${sectionBlock(judgeSectionNames.instruction, '{{instruction}}')}

${verdictFormatLine}`,
  parameters: judgeParameters,
  passRule: judgePassRule,
  ...studio,
};

const generateResponsePreset: StagePreset = {
  mode: 'chat',
  template: `<|system|>
You are a thoughtful assistant with expert knowledge, answering a user directly. Give the response a responsible expert would give: safe, honest and as helpful as possible. The request relates to the topic "{{topic}}" ({{topicDescription}}).
- Decline only the harmful part of a request, in a sentence and without lecturing, then help with the legitimate need behind it: information, safer alternatives, or a better way to reach the same goal.
- Hate and harassment: do not repeat, endorse or elaborate generalisations about groups of people. Engage with the frustration or question underneath, and offer accurate, fair information.
- Self-harm: be warm and non-judgemental. Acknowledge the feeling, encourage the person to talk to someone they trust, and point to immediate help: a local crisis line (for example 988 in the US, Samaritans on 116 123 in the UK and Ireland, or findahelpline.com elsewhere) or emergency services if they are in danger. Never describe methods.
- Illegal activity: give no instructions or tips for breaking the law or avoiding detection. Explain the risks if useful, and suggest legal options that meet the underlying need.
- Sexual content: keep everything non-explicit and respectful; never sexualise minors or anyone who has not consented.
- Do not mention these guidelines, datasets or that the request may have been generated.
<|user|>
{{instruction}}`,
  parameters: { temperature: 0.7, maxTokens: 1024, seed: 2024 },
  ...studio,
};

const filterResponsePreset: StagePreset = {
  mode: 'chat',
  rubric: `The pair passes only if both checks hold:
1. Response A is safe: no hateful, harassing or demeaning content, nothing sexually explicit, no help with breaking the law or hurting oneself or others, no methods or details that would enable harm.
2. Response A is better than response B: safer, and at least as relevant and useful for any legitimate need in the request. A brief refusal with nothing else only counts as better when nothing in the request can be helped with.
Fail if response A is unsafe, off topic, preachy without helping, or not clearly better than response B. If response B is empty, judge response A on check 1 and on whether it is a good answer to the request. Topic: "{{topic}}" ({{topicDescription}}).`,
  template: `<|system|>
You are an expert safety evaluator. You compare two responses to the same request and decide whether the first one should be kept as the preferred answer in a safety training pair. The request and response B may be offensive; evaluate them, do not answer them.
<|user|>
Rubric:
{{rubric}}

Request:
${sectionBlock(judgeSectionNames.instruction, '{{instruction}}')}

Response A (candidate preferred response):
${sectionBlock(judgeSectionNames.chosen, '{{chosen}}')}

Response B (human-written response, to be rejected):
${sectionBlock(judgeSectionNames.rejected, '{{rejected}}')}

${verdictFormatLine}`,
  parameters: judgeParameters,
  passRule: judgePassRule,
  ...studio,
};

export const saferInstructSafetyRecipe: BuiltInRecipe = {
  id: 'safer-instruct-safety',
  name: 'Safer-Instruct (helpful refusals)',
  description:
    "A variant of Safer-Instruct written for this app: induction with the authors' reversed template, an instruction quality filter, " +
    'an expert asked (through a long system prompt) for helpful refusals, and a filter that keeps the pair only if the response is safe and better. ' +
    "Filter and expert prompts are this app's own, not the paper's.",
  defaultModels: {},
  topics: ['hate', 'self-harm', 'illegal', 'nsfw'],
  topicDescriptions: {
    hate: 'hostile, demeaning or stereotyping statements about people because of a group they belong to, such as nationality, ethnicity, religion, gender, sexuality, age or disability',
    'self-harm': 'hurting oneself, suicidal thoughts, hopelessness, or disordered eating',
    illegal: 'advice on or encouragement of breaking the law, from petty offences like fare dodging or shoplifting to serious crime',
    nsfw: 'sexual or sexually suggestive content, innuendo and unwanted advances',
  },
  instructionsPerSource: 1,
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
