import { describe, expect, it } from 'vitest';
import { endpointPayloadFromForm, formDefaults } from '@/components/llm-endpoints/form-values';
import type { EndpointView } from '@/lib/llm/endpoint-view';
import { endpointInputSchema } from '@/lib/llm/types';

function form(fields: Record<string, string>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.set(name, value);
  return data;
}

const base = { name: ' Local vLLM ', baseUrl: 'http://localhost:8000/v1/', model: 'reversed-7b', mode: 'completion' };

describe('provider form → action input', () => {
  it('turns filled fields into a valid endpoint and empty ones into "not set"', () => {
    const payload = endpointPayloadFromForm(
      form({ ...base, apiKey: 'sk-abc-123456789', apiKeyEnv: 'IGNORED', temperature: '0.7', maxTokens: '', stop: '###\n\nEND\n', concurrency: '8', rpm: '', tpm: '90000', priceInputPerMTok: '0.5', supportsJsonMode: 'on' }),
      'stored',
    );
    expect(payload).toMatchObject({ apiKey: 'sk-abc-123456789', apiKeyEnv: undefined, limits: { concurrency: 8, rpm: null, tpm: 90000 }, supportsJsonMode: true });
    const parsed = endpointInputSchema.parse(payload);
    expect(parsed).toMatchObject({
      name: 'Local vLLM',
      baseUrl: 'http://localhost:8000/v1',
      mode: 'completion',
      defaultParams: { temperature: 0.7, stop: ['###', 'END'] },
      priceInputPerMTok: 0.5,
      priceOutputPerMTok: 0,
    });
    expect(parsed.defaultParams.maxTokens).toBeUndefined();
  });

  it('sends the variable name only in env mode, and no key when the stored-key field is left empty', () => {
    expect(endpointPayloadFromForm(form({ ...base, apiKeyEnv: 'OPENAI_API_KEY', apiKey: 'x' }), 'env')).toMatchObject({ apiKeyEnv: 'OPENAI_API_KEY', apiKey: undefined });
    expect(endpointPayloadFromForm(form({ ...base, apiKey: '  ' }), 'stored')).toMatchObject({ apiKey: undefined, apiKeyEnv: undefined });
    expect(endpointPayloadFromForm(form({ ...base, apiKey: 'sk-x' }), 'none')).toMatchObject({ apiKey: undefined, apiKeyEnv: undefined });
  });

  it('lets the schema name a field that is not a number', () => {
    const result = endpointInputSchema.safeParse(endpointPayloadFromForm(form({ ...base, temperature: 'warm', concurrency: '0' }), 'none'));
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/^defaultParams\.temperature: /), 'limits.concurrency: Concurrency must be ≥ 1']));
  });

  it('prefills an edit form from the view, never with a key', () => {
    const view: EndpointView = {
      id: 'e1', name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', model: 'gpt-4o-mini', mode: 'chat', apiKeySource: 'stored', apiKeyEnv: null, apiKeyMasked: '…7890',
      defaultParams: { temperature: 0, stop: ['a', 'b'] }, limits: { concurrency: 3, rpm: 500, tpm: null }, priceInputPerMTok: 0.15, priceOutputPerMTok: 0.6,
      timeoutMs: 30000, retryBudgetMs: 180000, supportsJsonMode: true, simulated: false, createdAt: '', updatedAt: '',
    };
    const defaults = formDefaults(view);
    expect(defaults).toMatchObject({ temperature: '0', stop: 'a\nb', concurrency: '3', rpm: '500', tpm: '', priceInputPerMTok: '0.15', timeoutMs: '30000' });
    expect(Object.keys(defaults)).not.toContain('apiKey');
  });
});
