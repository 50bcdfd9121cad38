import { z } from 'zod';
import { apiKeyEnvProblem } from '@/lib/llm/api-key-env';

export type EndpointMode = 'chat' | 'completion';

export type GenerationParams = {
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  seed?: number;
  /** Stop sequences; completion templates such as the reversed-instruction one need `###`. */
  stop?: string[];
};

export type EndpointLimits = {
  concurrency: number;
  rpm: number | null;
  tpm: number | null;
};

export type EndpointConfig = {
  id: string;
  name: string;
  baseUrl: string;
  model: string;
  mode: EndpointMode;
  /** Already resolved from the environment or the stored value; never logged. */
  apiKey: string | null;
  defaultParams: GenerationParams;
  limits: EndpointLimits;
  timeoutMs: number;
  /** How long transient failures are retried (lib/llm/retry.ts); 0 = never. */
  retryBudgetMs: number;
  priceInputPerMTok: number;
  priceOutputPerMTok: number;
  supportsJsonMode: boolean;
  simulated: boolean;
};

export type ChatRole = 'system' | 'user' | 'assistant';
export type ChatMessage = { role: ChatRole; content: string };

export type LlmRequest = {
  endpoint: EndpointConfig;
  /** Chat mode input. */
  messages?: ChatMessage[];
  /** Completion mode input. */
  prompt?: string;
  params?: GenerationParams;
  json?: boolean;
  bypassCache?: boolean;
  runId?: string;
  purpose?: string;
  /** Cancels queueing, the HTTP attempt and any backoff sleep (e.g. when a run is stopped). */
  signal?: AbortSignal;
};

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'unknown';

export type LlmResult = {
  text: string;
  finishReason: FinishReason;
  tokensIn: number;
  tokensOut: number;
  /** True when the server sent no usage and the counts are a chars/4 estimate. */
  tokensEstimated: boolean;
  /** Money spent by this call: 0 on a cache hit. */
  costUsd: number;
  latencyMs: number;
  attempts: number;
  cacheHit: boolean;
  simulated: boolean;
  raw?: unknown;
};

export const LLM_ERROR_KINDS = [
  'auth',
  'not_found',
  'bad_request',
  'rate_limited',
  'server',
  'timeout',
  'connection',
  'dns',
  'refused',
  'unparseable',
  'budget',
  'cancelled',
] as const;
export type LlmErrorKind = (typeof LLM_ERROR_KINDS)[number];

const baseUrlSchema = z
  .string({ error: 'Base URL is required, e.g. http://localhost:8000/v1' })
  .trim()
  .min(1, 'Base URL is required, e.g. http://localhost:8000/v1')
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: `Base URL "${value}" is not a valid URL, e.g. http://localhost:8000/v1` });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: `Base URL must start with http:// or https:// (got ${url.protocol}//)` });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'Base URL must not contain credentials; put the key in the API key field' });
    }
  })
  .transform((value) => value.replace(/\/+$/, ''));

const optionalNumber = (schema: z.ZodNumber) => schema.optional();

export const generationParamsSchema = z.object({
  temperature: optionalNumber(z.number({ error: 'Temperature must be a number' }).min(0, 'Temperature must be ≥ 0').max(2, 'Temperature must be ≤ 2')),
  maxTokens: optionalNumber(
    z.number({ error: 'Max tokens must be a number' }).int('Max tokens must be a whole number').min(1, 'Max tokens must be ≥ 1').max(1_000_000, 'Max tokens must be ≤ 1,000,000'),
  ),
  topP: optionalNumber(z.number({ error: 'Top-p must be a number' }).gt(0, 'Top-p must be > 0').max(1, 'Top-p must be ≤ 1')),
  seed: optionalNumber(z.number({ error: 'Seed must be a number' }).int('Seed must be a whole number')),
  stop: z.array(z.string().min(1, 'A stop sequence cannot be empty')).max(4, 'At most 4 stop sequences').optional(),
});

export const endpointLimitsSchema = z.object({
  concurrency: z.number({ error: 'Concurrency must be a number' }).int('Concurrency must be a whole number').min(1, 'Concurrency must be ≥ 1').max(1024, 'Concurrency must be ≤ 1024').default(4),
  rpm: z.number({ error: 'Requests per minute must be a number' }).int('Requests per minute must be a whole number').min(1, 'Requests per minute must be ≥ 1 (leave empty for no limit)').nullable().default(null),
  tpm: z.number({ error: 'Tokens per minute must be a number' }).int('Tokens per minute must be a whole number').min(1, 'Tokens per minute must be ≥ 1 (leave empty for no limit)').nullable().default(null),
});

const priceSchema = (label: string) =>
  z.number({ error: `${label} must be a number` }).min(0, `${label} must be ≥ 0`).max(10_000, `${label} must be ≤ 10,000 USD per million tokens`).default(0);

/** The part of an endpoint a user edits in Settings. The API key is given either as the name of an environment variable or as a value. */
export const endpointInputSchema = z
  .object({
    name: z.string({ error: 'Name is required' }).trim().min(1, 'Name is required').max(100, 'Name must be at most 100 characters'),
    baseUrl: baseUrlSchema,
    model: z.string({ error: 'Model is required' }).trim().min(1, 'Model is required, e.g. gpt-4o-mini or llama3.1:8b'),
    mode: z.enum(['chat', 'completion'], { error: 'Mode must be "chat" or "completion"' }).default('chat'),
    apiKeyEnv: z
      .string()
      .trim()
      .superRefine((name, ctx) => {
        const problem = apiKeyEnvProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    apiKey: z.string().trim().min(1, 'API key cannot be empty; leave it out for servers without a key').optional(),
    defaultParams: generationParamsSchema.default({}),
    limits: endpointLimitsSchema.default({ concurrency: 4, rpm: null, tpm: null }),
    priceInputPerMTok: priceSchema('Input price'),
    priceOutputPerMTok: priceSchema('Output price'),
    timeoutMs: z.number({ error: 'Timeout must be a number' }).int('Timeout must be whole milliseconds').min(1000, 'Timeout must be at least 1000 ms').max(3_600_000, 'Timeout must be at most 1 hour').default(60_000),
    retryBudgetMs: z
      .number({ error: 'Retry budget must be a number' })
      .int('Retry budget must be whole milliseconds')
      .min(0, 'Retry budget must be ≥ 0 (0 = never retry)')
      .max(3_600_000, 'Retry budget must be at most 1 hour')
      .default(180_000),
    supportsJsonMode: z.boolean().default(false),
  })
  .superRefine((value, ctx) => {
    if (value.apiKeyEnv !== undefined && value.apiKey !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiKey'], message: 'Give either an API key variable or an API key value, not both' });
    }
  });

export type EndpointInput = z.output<typeof endpointInputSchema>;
