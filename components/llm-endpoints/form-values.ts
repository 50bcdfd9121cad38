import type { z } from 'zod';
import type { EndpointView } from '@/lib/llm/endpoint-view';
import type { endpointInputSchema } from '@/lib/llm/types';

export type KeyMode = 'none' | 'env' | 'stored';
export type EndpointPayload = z.input<typeof endpointInputSchema>;

/** Text of a form field, trimmed; '' when absent. */
function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

/** An empty field is "not set"; anything else is sent as a number (NaN when it is not one, which the server names). */
function optionalNumber(form: FormData, name: string): number | undefined {
  const value = text(form, name);
  return value === '' ? undefined : Number(value);
}

function nullableNumber(form: FormData, name: string): number | null {
  return optionalNumber(form, name) ?? null;
}

/**
 * The server action's input from the provider form. The key value is only sent when the admin
 * typed one; with "stored" and an empty field, the server keeps the key it has.
 */
export function endpointPayloadFromForm(form: FormData, keyMode: KeyMode): EndpointPayload {
  const stop = text(form, 'stop')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
  return {
    name: text(form, 'name'),
    baseUrl: text(form, 'baseUrl'),
    model: text(form, 'model'),
    mode: text(form, 'mode') === 'completion' ? 'completion' : 'chat',
    apiKeyEnv: keyMode === 'env' ? text(form, 'apiKeyEnv') : undefined,
    apiKey: keyMode === 'stored' && text(form, 'apiKey') !== '' ? text(form, 'apiKey') : undefined,
    defaultParams: {
      temperature: optionalNumber(form, 'temperature'),
      maxTokens: optionalNumber(form, 'maxTokens'),
      topP: optionalNumber(form, 'topP'),
      seed: optionalNumber(form, 'seed'),
      stop: stop.length > 0 ? stop : undefined,
    },
    limits: {
      concurrency: optionalNumber(form, 'concurrency'),
      rpm: nullableNumber(form, 'rpm'),
      tpm: nullableNumber(form, 'tpm'),
    },
    priceInputPerMTok: optionalNumber(form, 'priceInputPerMTok'),
    priceOutputPerMTok: optionalNumber(form, 'priceOutputPerMTok'),
    timeoutMs: optionalNumber(form, 'timeoutMs'),
    retryBudgetMs: optionalNumber(form, 'retryBudgetMs'),
    supportsJsonMode: form.get('supportsJsonMode') === 'on',
  };
}

/** Initial field values when editing (strings for inputs); the key itself is never among them. */
export function formDefaults(endpoint: EndpointView | null): Record<string, string> {
  const show = (value: number | null | undefined) => (value === null || value === undefined ? '' : String(value));
  return {
    name: endpoint?.name ?? '',
    baseUrl: endpoint?.baseUrl ?? '',
    model: endpoint?.model ?? '',
    mode: endpoint?.mode ?? 'chat',
    apiKeyEnv: endpoint?.apiKeyEnv ?? '',
    temperature: show(endpoint?.defaultParams.temperature),
    maxTokens: show(endpoint?.defaultParams.maxTokens),
    topP: show(endpoint?.defaultParams.topP),
    seed: show(endpoint?.defaultParams.seed),
    stop: endpoint?.defaultParams.stop?.join('\n') ?? '',
    concurrency: show(endpoint?.limits.concurrency ?? 4),
    rpm: show(endpoint?.limits.rpm),
    tpm: show(endpoint?.limits.tpm),
    priceInputPerMTok: show(endpoint?.priceInputPerMTok ?? 0),
    priceOutputPerMTok: show(endpoint?.priceOutputPerMTok ?? 0),
    timeoutMs: show(endpoint?.timeoutMs ?? 60_000),
    retryBudgetMs: show(endpoint?.retryBudgetMs ?? 180_000),
  };
}
