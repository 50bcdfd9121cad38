import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { callLlmJson, parseJsonReply } from '@/lib/llm/json';
import { chatReply, completionReply, startTestServer, testDeps, testEndpointConfig, type TestServer } from './test-server';

const verdictSchema = z.object({ verdict: z.enum(['keep', 'drop']), reason: z.string().min(1) });
const judge = [{ role: 'user' as const, content: 'Judge this pair. Answer as JSON.' }];

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('parseJsonReply', () => {
  it.each([
    ['plain', '{"verdict":"keep","reason":"safe"}'],
    ['json fence', '```json\n{"verdict":"keep","reason":"safe"}\n```'],
    ['bare fence with prose', 'Here you go:\n```\n{"verdict": "keep", "reason": "safe"}\n```\nHope it helps.'],
    ['think block', '<think>The user wants {json}.</think>\n{"verdict":"keep","reason":"safe"}'],
    ['prose around braces', 'Verdict follows: {"verdict":"keep","reason":"safe"} — done'],
  ])('accepts %s', (_label, text) => {
    expect(parseJsonReply(text, verdictSchema)).toEqual({ ok: true, value: { verdict: 'keep', reason: 'safe' } });
  });

  it('explains syntax and shape problems', () => {
    const syntax = parseJsonReply('{"verdict": keep}', verdictSchema);
    expect(syntax.ok).toBe(false);
    if (!syntax.ok) expect(syntax.error).toMatch(/not valid JSON/);
    const shape = parseJsonReply('{"verdict":"maybe","reason":""}', verdictSchema);
    expect(shape.ok).toBe(false);
    if (!shape.ok) {
      expect(shape.error).toMatch(/does not match the expected shape/);
      expect(shape.error).toContain('verdict');
      expect(shape.error).toContain('reason');
    }
    const empty = parseJsonReply('   ', verdictSchema);
    expect(empty).toEqual({ ok: false, error: 'The reply is empty.' });
  });
});

describe('callLlmJson', () => {
  it('returns the validated value from a fenced reply in one call, in JSON mode', async () => {
    server = await startTestServer(() => chatReply('```json\n{"verdict":"drop","reason":"harmful"}\n```'));
    const { deps } = testDeps();
    const outcome = await callLlmJson({ endpoint: testEndpointConfig(server.baseUrl), messages: judge }, verdictSchema, deps);
    expect(outcome).toMatchObject({ ok: true, value: { verdict: 'drop', reason: 'harmful' }, repaired: false });
    expect(outcome.calls).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0].body.response_format).toEqual({ type: 'json_object' });
  });

  it('repairs once, showing the model its output and the validation error', async () => {
    server = await startTestServer((_request, index) =>
      chatReply(index === 0 ? 'Sure! {"verdict": "maybe", "reason": "unsure"}' : '{"verdict":"keep","reason":"fixed"}'),
    );
    const { deps, recorder } = testDeps();
    const outcome = await callLlmJson({ endpoint: testEndpointConfig(server.baseUrl), messages: judge, purpose: 'judge' }, verdictSchema, deps);
    expect(outcome).toMatchObject({ ok: true, value: { verdict: 'keep', reason: 'fixed' }, repaired: true });
    expect(server.requests).toHaveLength(2);
    const messages = server.requests[1].body.messages as { role: string; content: string }[];
    expect(messages.slice(0, 2)).toEqual([judge[0], { role: 'assistant', content: 'Sure! {"verdict": "maybe", "reason": "unsure"}' }]);
    expect(messages[2].role).toBe('user');
    expect(messages[2].content).toContain('verdict');
    expect(messages[2].content).toMatch(/only the corrected JSON/);
    expect(recorder.calls.map((call) => call.purpose)).toEqual(['judge', 'judge:repair']);
  });

  it('gives up after three repair rounds and keeps every raw text', async () => {
    server = await startTestServer((_request, index) => chatReply(index === 0 ? 'I cannot judge this.' : `Still no JSON, sorry (${index}).`));
    const { deps, recorder } = testDeps();
    const outcome = await callLlmJson({ endpoint: testEndpointConfig(server.baseUrl), messages: judge, purpose: 'judge' }, verdictSchema, deps);
    expect(outcome).toMatchObject({
      ok: false,
      kind: 'unparseable',
      raw: 'I cannot judge this.',
      repairRaw: 'Still no JSON, sorry (3).',
      replies: ['I cannot judge this.', 'Still no JSON, sorry (1).', 'Still no JSON, sorry (2).', 'Still no JSON, sorry (3).'],
    });
    if (!outcome.ok) expect(outcome.error).toMatch(/not valid JSON/);
    expect(server.requests).toHaveLength(4);
    expect(outcome.calls).toHaveLength(4);
    expect(recorder.calls.map((call) => call.purpose)).toEqual(['judge', 'judge:repair', 'judge:reask', 'judge:strict']);
  });

  it('re-asks at temperature 0 past the cache, then with a strict format instruction and the expected shape', async () => {
    const replies = ['{"verdict": "keep"', 'no', '{"verdict": "keep", "reason": "ok",}', '{"verdict":"keep","reason":"strict"}'];
    server = await startTestServer((_request, index) => chatReply(replies[index] ?? '{"verdict":"keep","reason":"fresh"}'));
    const { deps } = testDeps();
    const request = { endpoint: testEndpointConfig(server.baseUrl), messages: judge, params: { temperature: 0.7 } };
    const outcome = await callLlmJson(request, verdictSchema, deps);
    expect(outcome).toMatchObject({ ok: true, value: { verdict: 'keep', reason: 'strict' }, repaired: true });
    expect(outcome.calls).toHaveLength(4);
    const [first, , reask, strict] = server.requests.map((sent) => sent.body);
    expect(first.temperature).toBe(0.7);
    expect(reask).toMatchObject({ messages: judge, temperature: 0 });
    expect(strict.temperature).toBe(0);
    const strictMessages = strict.messages as { role: string; content: string }[];
    expect(strictMessages).toHaveLength(1);
    expect(strictMessages[0].content.startsWith(judge[0].content)).toBe(true);
    expect(strictMessages[0].content).toMatch(/exactly one complete JSON object/);
    expect(strictMessages[0].content).toContain('"verdict"');

    // Asked again, the unusable first reply comes from the cache, but the re-asks do not.
    const again = await callLlmJson(request, verdictSchema, deps);
    expect(again).toMatchObject({ ok: true, value: { reason: 'fresh' } });
    expect(again.calls.map((call) => call.cacheHit)).toEqual([true, true, false]);
  });

  it('repairs on a completion endpoint by appending the output and the error to the prompt', async () => {
    server = await startTestServer((_request, index) => completionReply(index === 0 ? '{"verdict": "keep"' : '{"verdict":"keep","reason":"ok"}'));
    const { deps } = testDeps();
    const endpoint = testEndpointConfig(server.baseUrl, { mode: 'completion' });
    const outcome = await callLlmJson({ endpoint, prompt: 'Judge:\n' }, verdictSchema, deps);
    expect(outcome.ok).toBe(true);
    expect(server.requests[0].body.response_format).toBeUndefined();
    const repairPrompt = server.requests[1].body.prompt as string;
    expect(repairPrompt.startsWith('Judge:\n{"verdict": "keep"')).toBe(true);
    expect(repairPrompt).toMatch(/not valid JSON/);
  });
});
