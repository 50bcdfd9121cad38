import type { EndpointMode, GenerationParams } from '@/lib/llm/types';

// Shared with client components: no database or Node imports here.

export type ApiKeySource = 'none' | 'env' | 'stored';

/** What may leave the server about an endpoint (pages, audit log). Never holds the key. */
export type EndpointView = {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  mode: EndpointMode;
  apiKeySource: ApiKeySource;
  /** The variable name when the key comes from the environment. */
  apiKeyEnv: string | null;
  /** e.g. `…7890`, or `…` when the stored key is too short to show any of it. */
  apiKeyMasked: string | null;
  defaultParams: GenerationParams;
  limits: { concurrency: number; rpm: number | null; tpm: number | null };
  priceInputPerMTok: number;
  priceOutputPerMTok: number;
  timeoutMs: number;
  retryBudgetMs: number;
  supportsJsonMode: boolean;
  simulated: boolean;
  createdAt: string;
  updatedAt: string;
};
