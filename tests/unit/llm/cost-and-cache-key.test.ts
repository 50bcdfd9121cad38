import { describe, expect, it } from 'vitest';
import { cacheKeyFor, canonicalJson } from '@/lib/llm/cache-key';
import { computeCostUsd, sumCostsUsd } from '@/lib/llm/cost';
import type { LlmRequest } from '@/lib/llm/types';
import { testEndpointConfig } from './test-server';

describe('computeCostUsd', () => {
  it('prices tokens per million', () => {
    expect(computeCostUsd(1_000_000, 0, { priceInputPerMTok: 2.5, priceOutputPerMTok: 10 })).toBe(2.5);
    expect(computeCostUsd(0, 1_000_000, { priceInputPerMTok: 2.5, priceOutputPerMTok: 10 })).toBe(10);
    expect(computeCostUsd(1234, 567, { priceInputPerMTok: 0.15, priceOutputPerMTok: 0.6 })).toBe(0.0005253);
    expect(computeCostUsd(0, 0, { priceInputPerMTok: 5, priceOutputPerMTok: 15 })).toBe(0);
    expect(computeCostUsd(100, 100, { priceInputPerMTok: 0, priceOutputPerMTok: 0 })).toBe(0);
  });

  it('rounds to a nano-dollar so that float noise does not show', () => {
    // Plain float arithmetic gives 3.0000000000000004e-7 and 0.000018449999999999998 here.
    expect(computeCostUsd(3, 0, { priceInputPerMTok: 0.1, priceOutputPerMTok: 0 })).toBe(3e-7);
    expect(computeCostUsd(123, 0, { priceInputPerMTok: 0.15, priceOutputPerMTok: 0 })).toBe(0.00001845);
    expect(computeCostUsd(0, 10, { priceInputPerMTok: 0, priceOutputPerMTok: 0.07 })).toBe(7e-7);
    expect(computeCostUsd(7, 0, { priceInputPerMTok: 1 / 3, priceOutputPerMTok: 0 })).toBe(0.000002333);
    expect(computeCostUsd(1, 1, { priceInputPerMTok: 0.0001, priceOutputPerMTok: 0.0001 })).toBe(0);
  });

  it('sums many small costs exactly', () => {
    const costs = Array.from({ length: 10_000 }, () => computeCostUsd(10, 0, { priceInputPerMTok: 10, priceOutputPerMTok: 0 }));
    expect(sumCostsUsd(costs)).toBe(1);
    expect(costs.reduce((a, b) => a + b, 0)).not.toBe(1); // the reason sumCostsUsd exists
  });
});

describe('cacheKeyFor', () => {
  const endpoint = testEndpointConfig('http://127.0.0.1:9/v1');
  const base: LlmRequest = { endpoint, messages: [{ role: 'user', content: 'hi' }], params: { seed: 1 } };

  it('is a sha256 hex digest independent of key order and of undefined members', () => {
    const key = cacheKeyFor(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const reordered: LlmRequest = {
      params: { seed: 1, temperature: undefined },
      messages: [{ content: 'hi', role: 'user' }],
      endpoint: { ...endpoint, defaultParams: { maxTokens: 64, temperature: 0 } },
    };
    expect(cacheKeyFor(reordered)).toBe(key);
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('changes with everything that changes the answer', () => {
    const key = cacheKeyFor(base);
    const variants: LlmRequest[] = [
      { ...base, params: { seed: 2 } },
      { ...base, params: { seed: 1, temperature: 0.5 } },
      { ...base, json: true },
      { ...base, messages: [{ role: 'user', content: 'hi!' }] },
      { ...base, messages: [{ role: 'system', content: 'hi' }] },
      { ...base, endpoint: { ...endpoint, model: 'other' } },
      { ...base, endpoint: { ...endpoint, baseUrl: 'http://127.0.0.1:10/v1' } },
      { ...base, endpoint: { ...endpoint, defaultParams: { ...endpoint.defaultParams, maxTokens: 65 } } },
    ];
    const keys = new Set(variants.map(cacheKeyFor));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(key)).toBe(false);
  });

  it('ignores the API key, the run and the purpose', () => {
    const key = cacheKeyFor(base);
    expect(cacheKeyFor({ ...base, endpoint: { ...endpoint, apiKey: 'sk-another-key-999999' } })).toBe(key);
    expect(cacheKeyFor({ ...base, runId: 'r', purpose: 'judge', bypassCache: true })).toBe(key);
    expect(cacheKeyFor({ ...base, endpoint: { ...endpoint, baseUrl: endpoint.baseUrl + '/' } })).toBe(key);
  });

  it('treats a bare prompt to a chat endpoint like one user message', () => {
    expect(cacheKeyFor({ endpoint, prompt: 'hi', params: { seed: 1 } })).toBe(cacheKeyFor(base));
  });
});
