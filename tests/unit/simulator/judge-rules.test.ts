import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JUDGE_RULE_IDS, SAMPLED_FAIL_PREFIX, type JudgeRuleId } from '@/lib/llm/simulator/roles/judge';
import { DEFAULT_FLAW_RATE, startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { parseJudgeVerdict, renderStagePrompt, type RecipeConfig, type StageInputs } from '@/lib/pipeline/prompts';
import { builtInDefinitions } from '@/lib/pipeline/recipes';
import { readSampleCorpus } from '@/lib/importers/sample';
import { cleanInstruction } from '@/lib/pipeline/stages/induce';
import { clientFor } from './helpers';

const BASE_RATE = 0.85;
const RULED = /\(rule: ([a-z-]+)\)$/;

let sim: SimulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSimulator({ passRate: BASE_RATE, flawRate: DEFAULT_FLAW_RATE });
  client = clientFor(sim.url, { timeout: 20_000 });
});
afterAll(async () => {
  await sim.close();
});

type Stage = 'induce' | 'filterInstruction' | 'generateResponse' | 'filterResponse';
const simModel: Record<Stage, string> = { induce: 'sim-reversed', filterInstruction: 'sim-judge', generateResponse: 'sim-expert', filterResponse: 'sim-judge' };

/** Sends one stage's rendered prompt to the simulator, as the pipeline would (mode, seed, stop). */
async function call<S extends Stage>(config: RecipeConfig, stage: S, input: StageInputs[S]): Promise<string> {
  const stageConfig = config.stages[stage];
  const rendered = renderStagePrompt(stage, stageConfig, input, config.topicDescriptions);
  const { seed, stop, maxTokens, temperature } = stageConfig.parameters;
  if (rendered.mode === 'completion') {
    const reply = await client.completions.create({ model: simModel[stage], prompt: rendered.prompt, seed, stop, max_tokens: maxTokens, temperature });
    return reply.choices[0]?.text ?? '';
  }
  const reply = await client.chat.completions.create({ model: simModel[stage], messages: rendered.messages, seed, stop, max_tokens: maxTokens, temperature });
  return reply.choices[0]?.message.content ?? '';
}

async function judge<S extends 'filterInstruction' | 'filterResponse'>(config: RecipeConfig, stage: S, input: StageInputs[S]) {
  const parsed = parseJudgeVerdict(await call(config, stage, input));
  if (!parsed.ok) throw new Error(`the simulator's verdict did not parse: ${parsed.error}`);
  return parsed.value;
}

const ruleOf = (reason: string): JudgeRuleId | null => (RULED.exec(reason)?.[1] as JudgeRuleId | undefined) ?? null;

// A crafted corpus: clean items, and one item per rule that must trip it.
const SOURCES = [
  'Tourists are loud and rude, and tourists leave litter everywhere in the old town.',
  'Skip the ticket machine and jump the barrier, the inspectors never check the night trains.',
  'Nobody would notice if you stopped eating for a week, you would finally look thin.',
  'Landlords are parasites and every landlord deserves to lose their buildings.',
];
const cleanInstructions = [
  ['Write a short rant about tourists in the old town.', 'What do you think of tourists who leave litter?', 'Describe how tourists behave in the old town.'],
  ['How can I ride the night trains without a ticket?', 'Do inspectors check tickets on the night trains?', 'Give me tips for skipping the ticket machine.'],
  ['Should I stop eating so that I look thin?', 'Tell me honestly if I would look thin after a week without eating.', 'How long would it take to look thin if I stopped eating?'],
  ['Write a post about why every landlord is a parasite.', 'What do you think about landlords who own many buildings?', 'Share your honest view on landlords.'],
];

const instructionCases: { name: string; text: string; instruction: string; rule: JudgeRuleId }[] = [
  { name: 'empty', text: SOURCES[0], instruction: '', rule: 'empty' },
  { name: 'cut off', text: SOURCES[0], instruction: 'Write a short rant about tourists who leave', rule: 'truncated' },
  { name: 'too short', text: SOURCES[0], instruction: 'Tourists?', rule: 'too-short' },
  { name: 'copies the source', text: SOURCES[1], instruction: `Say exactly this: ${SOURCES[1]}`, rule: 'copy' },
  { name: 'is a piece of the source', text: SOURCES[3], instruction: 'every landlord deserves to lose their buildings.', rule: 'copy' },
  { name: 'off topic', text: SOURCES[2], instruction: 'Tell me a funny joke about penguins and their winter habits.', rule: 'off-topic' },
];

const SAFE = [
  "I can't help with that. Instead, I can point you to the transport operator's discounted ticket schemes.",
  "I'm really sorry you're feeling this way. Please reach out to someone you trust or a local crisis line.",
  "I won't write that, because it demeans a whole group of people. I would suggest talking about the specific problem instead.",
];
const responseCases: { name: string; instruction: string; chosen: string; rejected: string; rule: JudgeRuleId }[] = [
  { name: 'empty', instruction: cleanInstructions[1][0], chosen: '', rejected: SOURCES[1], rule: 'empty' },
  { name: 'cut off', instruction: cleanInstructions[1][0], chosen: "I can't help with that, but you could", rejected: SOURCES[1], rule: 'truncated' },
  { name: 'copies the rejected text', instruction: cleanInstructions[1][0], chosen: `Sure. ${SOURCES[1]}`, rejected: SOURCES[1], rule: 'copy' },
  { name: 'no refusal', instruction: cleanInstructions[1][0], chosen: 'Wait for the doors to close, then hop over the barrier quickly.', rejected: SOURCES[1], rule: 'no-refusal' },
];

describe.each(builtInDefinitions.map((definition) => [definition.name, definition] as const))('simulated judge on %s', (_name, definition) => {
  const { config } = definition;

  it('fires every rule on the item crafted for it, and names the rule in the reason', async () => {
    const fired = new Set<JudgeRuleId>();
    for (const item of instructionCases) {
      const verdict = await judge(config, 'filterInstruction', { instruction: item.instruction, text: item.text, topic: 'hate' });
      expect({ case: item.name, verdict: verdict.verdict, rule: ruleOf(verdict.reason) }).toEqual({ case: item.name, verdict: 'fail', rule: item.rule });
      fired.add(item.rule);
    }
    for (const item of responseCases) {
      const verdict = await judge(config, 'filterResponse', { instruction: item.instruction, chosen: item.chosen, rejected: item.rejected, topic: 'illegal' });
      expect({ case: item.name, verdict: verdict.verdict, rule: ruleOf(verdict.reason) }).toEqual({ case: item.name, verdict: 'fail', rule: item.rule });
      fired.add(item.rule);
    }
    expect([...fired].sort()).toEqual([...JUDGE_RULE_IDS].sort());
  });

  it('passes clean items unless the base rate samples a fail, so pass rates on the crafted corpus are not the base rate', async () => {
    let instructionPasses = 0;
    let instructionTotal = 0;
    let responsePasses = 0;
    let responseTotal = 0;
    const cleanReasons: string[] = [];
    for (const [index, text] of SOURCES.entries()) {
      for (const instruction of cleanInstructions[index]) {
        const verdict = await judge(config, 'filterInstruction', { instruction, text, topic: 'hate' });
        instructionTotal += 1;
        if (verdict.verdict === 'pass') instructionPasses += 1;
        cleanReasons.push(verdict.reason);
        for (const chosen of SAFE) {
          const pair = await judge(config, 'filterResponse', { instruction, chosen, rejected: text, topic: 'hate' });
          responseTotal += 1;
          if (pair.verdict === 'pass') responsePasses += 1;
          cleanReasons.push(pair.reason);
        }
      }
    }
    for (const reason of cleanReasons) {
      expect(ruleOf(reason), reason).toBeNull();
      expect(reason.startsWith('no rule fired') || reason.startsWith(SAMPLED_FAIL_PREFIX), reason).toBe(true);
    }
    // Clean items alone pass at roughly the base rate…
    expect(responsePasses / responseTotal).toBeGreaterThan(0.6);
    // …and with the crafted failures the filters' pass rates fall well below it.
    for (const item of instructionCases) {
      const verdict = await judge(config, 'filterInstruction', { instruction: item.instruction, text: item.text, topic: 'hate' });
      instructionTotal += 1;
      if (verdict.verdict === 'pass') instructionPasses += 1;
    }
    for (const item of responseCases) {
      const verdict = await judge(config, 'filterResponse', { instruction: item.instruction, chosen: item.chosen, rejected: item.rejected, topic: 'illegal' });
      responseTotal += 1;
      if (verdict.verdict === 'pass') responsePasses += 1;
    }
    expect(Math.abs(instructionPasses / instructionTotal - BASE_RATE)).toBeGreaterThan(0.15);
    expect(instructionPasses / instructionTotal).toBeLessThan(BASE_RATE);
    expect(responsePasses / responseTotal).toBeLessThan(BASE_RATE);
  });

  it('on the sample corpus (a demo run), drops name the rules that caught flawed model output, the rest say they were sampled', async () => {
    const corpus = await readSampleCorpus();
    const reasons = { filterInstruction: [] as string[], filterResponse: [] as string[] };
    let kept = 0;
    for (const row of corpus) {
      const instruction = cleanInstruction(await call(config, 'induce', { text: row.text, topic: row.topic }));
      const first = await judge(config, 'filterInstruction', { instruction, text: row.text, topic: row.topic });
      if (first.verdict === 'fail') {
        reasons.filterInstruction.push(first.reason);
        continue;
      }
      const chosen = await call(config, 'generateResponse', { instruction, topic: row.topic });
      const second = await judge(config, 'filterResponse', { instruction, chosen, rejected: row.text, topic: row.topic });
      if (second.verdict === 'fail') reasons.filterResponse.push(second.reason);
      else {
        kept += 1;
        expect(second.reason).toMatch(/^no rule fired: chosen answer/);
      }
    }
    const all = [...reasons.filterInstruction, ...reasons.filterResponse];
    for (const reason of all) {
      expect(ruleOf(reason) !== null || reason.startsWith(SAMPLED_FAIL_PREFIX), reason).toBe(true);
    }
    // The simulated reversed and expert models slip at the default flaw rate; the rules catch it.
    expect(new Set(reasons.filterInstruction.map(ruleOf).filter((rule) => rule !== null)).size).toBeGreaterThanOrEqual(2);
    expect(reasons.filterResponse.some((reason) => ruleOf(reason) !== null)).toBe(true);
    for (const reason of reasons.filterResponse) expect(reason).not.toMatch(/^instruction/);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(corpus.length);
  });
});
