import { createHash } from 'node:crypto';
import { chatMessagesOf } from '@/lib/llm/providers';
import type { GenerationParams, LlmRequest } from '@/lib/llm/types';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON with object keys sorted and undefined members dropped, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(toCanonical(value));
}

function toCanonical(value: unknown): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot build a cache key from the non-finite number ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : toCanonical(item)));
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = toCanonical(member);
    }
    return out;
  }
  throw new Error(`Cannot build a cache key from a value of type ${typeof value}`);
}

/** Endpoint defaults overridden by the request's own parameters. */
export function effectiveParams(request: Pick<LlmRequest, 'endpoint' | 'params'>): GenerationParams {
  return { ...request.endpoint.defaultParams, ...stripUndefined(request.params ?? {}) };
}

function stripUndefined(params: GenerationParams): GenerationParams {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as GenerationParams;
}

/** Whether JSON mode is actually sent to the server; only chat endpoints that declare support get it. */
export function usesJsonMode(request: Pick<LlmRequest, 'endpoint' | 'json'>): boolean {
  return request.json === true && request.endpoint.supportsJsonMode && request.endpoint.mode === 'chat';
}

/**
 * sha256 of everything that determines the response: where it is sent, the input and the
 * effective parameters. The API key is left out on purpose: rotating a key keeps the cache.
 */
export function cacheKeyFor(request: LlmRequest): string {
  const { endpoint } = request;
  const material = {
    v: 1,
    baseUrl: endpoint.baseUrl.replace(/\/+$/, ''),
    model: endpoint.model,
    mode: endpoint.mode,
    input: endpoint.mode === 'chat' ? chatMessagesOf(request) : (request.prompt ?? ''),
    params: effectiveParams(request),
    json: request.json === true,
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}
