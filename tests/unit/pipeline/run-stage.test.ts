import { afterEach, describe, expect, it } from 'vitest';
import { recipeConfigFromBuiltIn, saferInstructSafetyRecipe } from '@/lib/pipeline/prompts';
import { recipeConfigSchema, type RecipeConfig } from '@/lib/pipeline/prompts/recipe-config';
import { cleanInstruction, EndpointUnavailableError, runStage, type ItemFacts, type PipelineModels } from '@/lib/pipeline/stages';
import { endpointForStage } from '@/lib/pipeline/models';
import type { EndpointConfig } from '@/lib/llm/types';
import { chatReply, completionReply, errorReply, startTestServer, testDeps, testEndpointConfig, type Reply, type ReceivedRequest, type TestServer } from '../llm/test-server';

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const config: RecipeConfig = recipeConfigFromBuiltIn(saferInstructSafetyRecipe, {
  induce: { endpointName: 'reversed' },
  filterInstruction: { endpointName: 'judge' },
  generateResponse: { endpointName: 'expert' },
  filterResponse: { endpointName: 'judge' },
});

const item: ItemFacts = { text: 'Tourists are all loud.', topic: 'hate', variant: 0, instruction: 'Write a rant about tourists.', chosen: 'I would rather not generalise.' };

async function modelsAnswering(replyFor: (request: ReceivedRequest, index: number) => Reply): Promise<PipelineModels> {
  server = await startTestServer(replyFor);
  const baseUrl = server.baseUrl;
  const endpoints: Record<string, EndpointConfig> = {
    reversed: testEndpointConfig(baseUrl, { id: 'ep-reversed', name: 'reversed', mode: 'completion', retryBudgetMs: 0 }),
    judge: testEndpointConfig(baseUrl, { id: 'ep-judge', name: 'judge', retryBudgetMs: 0 }),
    expert: testEndpointConfig(baseUrl, { id: 'ep-expert', name: 'expert', retryBudgetMs: 0 }),
  };
  return {
    deps: testDeps().deps,
    endpointFor: async (stage) => {
      const endpoint = endpoints[stage.endpointName];
      if (!endpoint) throw new EndpointUnavailableError(`No endpoint named "${stage.endpointName}"`);
      return endpointForStage(endpoint, stage);
    },
  };
}

describe('runStage', () => {
  it('induces with the reversed completion prompt and cleans the instruction', async () => {
    const models = await modelsAnswering(() => completionReply(' "How do I deal with loud tourists?"\n### Response:\nmore'));
    const outcome = await runStage('induce', { config, models }, item);
    expect(outcome).toMatchObject({ ok: true, output: 'How do I deal with loud tourists?', verdict: null, model: 'test-model', cacheHit: false });
    expect(outcome.rawOutput).toContain('### Response:');
    expect(outcome.prompt).toBe(`Below is a response to a certain instruction. Write the instruction that the response is trying to complete.\n\n### response:\n${item.text}\n\n### Instruction:`);
    expect(server?.requests[0].path).toBe('/v1/completions');
    expect(server?.requests[0].body).toMatchObject({ prompt: outcome.prompt, stop: ['###'], seed: 2024 });
    expect(outcome.tokensIn).toBe(7);
    expect(outcome.costUsd).toBeGreaterThan(0);
    expect(outcome.finishedAt.getTime()).toBeGreaterThanOrEqual(outcome.startedAt.getTime());
  });

  it('uses another seed for a further instruction from the same text', async () => {
    const models = await modelsAnswering(() => completionReply('Q?'));
    await runStage('induce', { config, models }, { ...item, variant: 2 });
    expect(server?.requests[0].body.seed).toBe(2026);
  });

  it('turns a judge reply into a verdict and reason, stores the prompt as role-marked text', async () => {
    const models = await modelsAnswering(() => chatReply('```json\n{"Verdict": "PASS", "reason": "matches the text"}\n```'));
    const outcome = await runStage('filterInstruction', { config, models }, item);
    expect(outcome).toMatchObject({ ok: true, verdict: 'PASS', reason: 'matches the text', output: null });
    expect(outcome.prompt.startsWith('<|system|>\n')).toBe(true);
    expect(outcome.prompt).toContain('<|user|>\nRubric:');
    expect(outcome.prompt).toContain(item.instruction ?? '');
  });

  it('fails the item on an unparseable verdict, or drops it when the pass rule says so', async () => {
    const models = await modelsAnswering(() => chatReply('I think it is fine.'));
    const failed = await runStage('filterResponse', { config, models }, item);
    expect(failed).toMatchObject({ ok: false, verdict: 'UNPARSEABLE' });
    expect(failed.error).toMatch(/^unparseable: /);
    expect(failed.error).toMatch(/after 3 repair requests/);
    expect(failed.rawOutput).toContain('--- reply to repair round 3 ---');
    expect(server?.requests).toHaveLength(4);

    const dropping = recipeConfigSchema.parse({ ...config, stages: { ...config.stages, filterResponse: { ...config.stages.filterResponse, passRule: { kind: 'judgeVerdict', onUnparseable: 'drop' } } } });
    const dropped = await runStage('filterResponse', { config: dropping, models, bypassCache: true }, item);
    expect(dropped).toMatchObject({ ok: true, verdict: 'UNPARSEABLE' });
    expect(dropped.reason).toMatch(/treated as fail/);
  });

  it('records a model error as a failed outcome with its kind', async () => {
    const models = await modelsAnswering(() => errorReply(404, 'The model does not exist', undefined, 'model_not_found'));
    const outcome = await runStage('generateResponse', { config, models }, item);
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^not_found: /);
  });

  it('skips the judge without a call when there is nothing to judge', async () => {
    const models = await modelsAnswering(() => chatReply('{"verdict":"pass","reason":""}'));
    const outcome = await runStage('filterInstruction', { config, models }, { ...item, instruction: '   ' });
    expect(outcome).toMatchObject({ ok: true, verdict: 'FAIL', reason: 'the induced instruction is empty', model: null });
    expect(server?.requests).toHaveLength(0);
  });

  it('fails the item, without a call, when the endpoint is missing or the wrong kind', async () => {
    const models = await modelsAnswering(() => chatReply('x'));
    const missing = recipeConfigSchema.parse({ ...config, stages: { ...config.stages, generateResponse: { ...config.stages.generateResponse, endpointName: 'gone' } } });
    expect((await runStage('generateResponse', { config: missing, models }, item)).error).toMatch(/^endpoint: No endpoint named "gone"/);
    const chatOnCompletion = recipeConfigSchema.parse({ ...config, stages: { ...config.stages, filterInstruction: { ...config.stages.filterInstruction, endpointName: 'reversed' } } });
    expect((await runStage('filterInstruction', { config: chatOnCompletion, models }, item)).error).toMatch(/^endpoint: .*completion endpoint/);
    expect(server?.requests).toHaveLength(0);
  });

  it('applies a stage model override', async () => {
    const models = await modelsAnswering(() => chatReply('A safe answer.'));
    const override = recipeConfigSchema.parse({ ...config, stages: { ...config.stages, generateResponse: { ...config.stages.generateResponse, model: 'bigger-model' } } });
    const outcome = await runStage('generateResponse', { config: override, models }, item);
    expect(outcome).toMatchObject({ ok: true, output: 'A safe answer.', model: 'bigger-model' });
    expect(server?.requests[0].body.model).toBe('bigger-model');
  });
});

describe('cleanInstruction', () => {
  it.each([
    ['  Plain question?  ', 'Plain question?'],
    ['### Instruction: Tell me a joke.', 'Tell me a joke.'],
    ['Instruction: "Quoted"', 'Quoted'],
    ['Write a poem.\n\n### Response:\nRoses are red', 'Write a poem.'],
    ['"Say "hi" to them"', '"Say "hi" to them"'],
  ])('%j → %j', (raw, cleaned) => {
    expect(cleanInstruction(raw)).toBe(cleaned);
  });
});
