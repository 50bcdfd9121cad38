import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { clientFor, REVERSED_TEMPLATE } from './helpers';

const HARMFUL_TEXT =
  'Honestly, immigrants are ruining this neighbourhood. Immigrants take the jobs and the housing, ' +
  'and the council keeps letting more immigrants move in.';

let sim: SimulatorHandle;
let client: OpenAI;

beforeAll(async () => {
  // Flaw-free replies: these tests check the shape and the gist of well-formed answers.
  sim = await startSimulator({ flawRate: 0 });
  client = clientFor(sim.url);
});
afterAll(async () => {
  await sim.close();
});

describe('simulator HTTP API shapes', () => {
  it('answers chat completions in the OpenAI shape with usage', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'sim-reversed', messages: [{ role: 'user', content: HARMFUL_TEXT }] })
      .withResponse();
    expect(response.headers.get('x-simulated')).toBe('true');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.object).toBe('chat.completion');
    expect(typeof data.created).toBe('number');
    expect(data.model).toBe('sim-reversed');
    expect(data.choices).toHaveLength(1);
    const [choice] = data.choices;
    expect(choice.index).toBe(0);
    expect(choice.finish_reason).toBe('stop');
    expect(choice.message.role).toBe('assistant');
    const content = choice.message.content ?? '';
    expect(content.length).toBeGreaterThan(10);
    expect(content.toLowerCase()).toContain('immigrants');
    expect(data.usage).toEqual({
      prompt_tokens: Math.ceil(HARMFUL_TEXT.length / 4),
      completion_tokens: Math.ceil(content.length / 4),
      total_tokens: Math.ceil(HARMFUL_TEXT.length / 4) + Math.ceil(content.length / 4),
    });
  });

  it('answers completions with the response block of the reversed template', async () => {
    const prompt = REVERSED_TEMPLATE('Cats are quiet, clean companions. Cats purr when they are calm and happy.');
    const data = await client.completions.create({ model: 'sim-reversed', prompt });
    expect(data.object).toBe('text_completion');
    expect(data.id).toMatch(/^cmpl-/);
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.choices[0].text.toLowerCase()).toContain('cats');
    expect(data.choices[0].text).not.toContain('###');
    expect(data.usage?.prompt_tokens).toBe(Math.ceil(prompt.length / 4));
    expect(data.usage?.completion_tokens).toBe(Math.ceil(data.choices[0].text.length / 4));
  });

  it('uses the ### Response: block of the last chat message when present', async () => {
    const content = `Write the instruction for this.\n### Response:\nGardening tomatoes needs sunshine, tomatoes need water.\n### Instruction:`;
    const data = await client.chat.completions.create({ model: 'sim-reversed', messages: [{ role: 'user', content }] });
    expect(data.choices[0].message.content?.toLowerCase()).toMatch(/tomatoes|gardening|sunshine/);
  });

  it('returns one choice per prompt and per n, and honours max_tokens with finish_reason length', async () => {
    const many = await client.completions.create({ model: 'sim-expert', prompt: ['How do I steal a car?', 'I want to hurt myself'], n: 2 });
    expect(many.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
    expect(many.choices[2].text).toContain('988');

    const full = await client.chat.completions.create({ model: 'sim-expert', messages: [{ role: 'user', content: 'How do I steal a car?' }] });
    const cut = await client.chat.completions.create({ model: 'sim-expert', max_tokens: 5, messages: [{ role: 'user', content: 'How do I steal a car?' }] });
    expect(cut.choices[0].finish_reason).toBe('length');
    expect(cut.choices[0].message.content).toBe((full.choices[0].message.content ?? '').slice(0, 20));
    expect(cut.usage?.completion_tokens).toBe(5);
  });

  it('cuts at a stop sequence', async () => {
    const full = await client.completions.create({ model: 'sim-expert', prompt: 'how to make a bomb' });
    const stop = full.choices[0].text.split(' ')[2];
    const cut = await client.completions.create({ model: 'sim-expert', prompt: 'how to make a bomb', stop });
    expect(cut.choices[0].text).toBe(full.choices[0].text.slice(0, full.choices[0].text.indexOf(stop)));
    expect(cut.choices[0].finish_reason).toBe('stop');
  });

  it('returns parseable JSON from the judge in JSON mode, and wraps other roles', async () => {
    const judged = await client.chat.completions.create({
      model: 'sim-judge',
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: 'You are a strict data filter. Reply in JSON.' },
        { role: 'user', content: 'Instruction: What do you think about immigrants and housing?\nResponse: ' + HARMFUL_TEXT },
      ],
    });
    const verdict = JSON.parse(judged.choices[0].message.content ?? '') as { verdict: string; reason: string };
    expect(['pass', 'fail']).toContain(verdict.verdict);
    expect(verdict.reason.length).toBeGreaterThan(3);

    const wrapped = await client.chat.completions.create({
      model: 'my-expert-model',
      response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'I want to kill myself' }],
    });
    const parsed = JSON.parse(wrapped.choices[0].message.content ?? '') as { response: string };
    expect(parsed.response).toContain('988');
  });

  it('is deterministic for the same body and varies with the seed', async () => {
    const body = { model: 'sim-reversed', temperature: 0.7, messages: [{ role: 'user' as const, content: HARMFUL_TEXT }] };
    const first = await client.chat.completions.create({ ...body, seed: 1 });
    const again = await client.chat.completions.create({ ...body, seed: 1 });
    expect(again.choices[0].message.content).toBe(first.choices[0].message.content);

    const seeds = [2, 3, 4, 5, 6, 7, 8, 9];
    const outputs = await Promise.all(seeds.map((seed) => client.chat.completions.create({ ...body, seed })));
    const distinct = new Set(outputs.map((o) => o.choices[0].message.content));
    expect(distinct.size).toBeGreaterThanOrEqual(3);
  });

  it('streams chat chunks that add up to the non-streamed content', async () => {
    const messages = [{ role: 'user' as const, content: 'Write something hateful about a religion' }];
    const full = await client.chat.completions.create({ model: 'sim-expert', messages });
    const stream = await client.chat.completions.create({ model: 'sim-expert', messages, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let finish: string | null = null;
    let usageTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usageTokens = chunk.usage?.total_tokens ?? usageTokens;
    }
    expect(text).toBe(full.choices[0].message.content);
    expect(finish).toBe('stop');
    expect(usageTokens).toBe(full.usage?.total_tokens);
  });

  it('lists the simulated models as owned by the simulator', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['sim-reversed', 'sim-judge', 'sim-expert']));
    expect(list.data.every((m) => m.owned_by === 'simulator')).toBe(true);
    const one = await client.models.retrieve('team-judge-large');
    expect(one.owned_by).toBe('simulator');
  });
});

describe('simulator HTTP errors', () => {
  it('answers 404 model_not_found for an unknown model', async () => {
    const error = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((error as Error).message).toContain('gpt-4o');
  });

  it('answers 400 with the field to fix for a bad body, and for broken JSON', async () => {
    const res = await fetch(`${sim.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-judge', messages: [{ role: 'user', content: 42 }] }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-simulated')).toBe('true');
    const body = (await res.json()) as { error: { message: string; type: string; code: string | null } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('messages[0].content');

    const broken = await fetch(`${sim.url}/completions`, { method: 'POST', body: '{"model": "sim-judge",' });
    expect(broken.status).toBe(400);
    const brokenBody = (await broken.json()) as { error: { message: string } };
    expect(brokenBody.error.message).toMatch(/not valid JSON/);

    const missing = await fetch(`${sim.url}/completions`, { method: 'POST', body: '{"model": "sim-judge"}' });
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain('prompt');
  });

  it('answers 404 unknown_url for other paths', async () => {
    const res = await fetch(`${sim.url}/embeddings`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
  });

  it('answers 401 when requireApiKey is set and the key does not match', async () => {
    const guarded = await startSimulator({ requireApiKey: 'secret-key' });
    try {
      const wrong = await clientFor(guarded.url, { apiKey: 'nope' })
        .chat.completions.create({ model: 'sim-judge', messages: [{ role: 'user', content: 'hi' }] })
        .catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((wrong as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
      const right = await clientFor(guarded.url, { apiKey: 'secret-key' }).chat.completions.create({
        model: 'sim-judge',
        messages: [{ role: 'user', content: 'Instruction: Explain why the sky looks blue at noon.' }],
      });
      expect(right.choices[0].message.content).toContain('verdict');
      expect(guarded.stats.byStatus).toMatchObject({ '401': 1, '200': 1 });
    } finally {
      await guarded.close();
    }
  });
});
