import crypto from 'node:crypto';
import type { z } from 'zod';
import { createEndpoint } from '@/lib/llm/endpoints';
import type { endpointInputSchema } from '@/lib/llm/types';

export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** An endpoint in the database pointing at `baseUrl` (a simulator), with a unique name. */
export async function createSimEndpoint(baseUrl: string, overrides: Partial<z.input<typeof endpointInputSchema>> = {}) {
  return createEndpoint(
    {
      name: uniqueName('it-endpoint'),
      baseUrl,
      model: 'sim-expert',
      mode: 'chat',
      limits: { concurrency: 4, rpm: null, tpm: null },
      timeoutMs: 10_000,
      retryBudgetMs: 5_000,
      supportsJsonMode: true,
      ...overrides,
    },
    null,
  );
}

/** Polls `condition` every few ms; returns the time it first held (performance.now()). */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now();
}
