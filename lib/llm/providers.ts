import OpenAI, { BadRequestError } from 'openai';
import { UnparseableResponseError } from '@/lib/llm/errors';
import type { ChatMessage, EndpointMode, FinishReason, GenerationParams, LlmRequest } from '@/lib/llm/types';

export type SendOptions = { timeoutMs: number; signal?: AbortSignal; json: boolean };

export type ProviderReply = {
  text: string;
  finishReason: FinishReason;
  tokensIn: number | null;
  tokensOut: number | null;
  raw: unknown;
};

type ModeAdapter = {
  /** The text sent to the model, for token estimates. */
  inputText(request: LlmRequest): string;
  send(client: OpenAI, request: LlmRequest, params: GenerationParams, options: SendOptions): Promise<ProviderReply>;
};

/** Chat endpoints accept a bare prompt as one user message. */
export function chatMessagesOf(request: Pick<LlmRequest, 'messages' | 'prompt'>): ChatMessage[] {
  if (request.messages && request.messages.length > 0) return request.messages;
  return request.prompt !== undefined ? [{ role: 'user', content: request.prompt }] : [];
}

/** Why the request cannot be sent at all, or null; checked before any network use. */
export function inputProblemOf(request: Pick<LlmRequest, 'endpoint' | 'messages' | 'prompt'>): string | null {
  const { endpoint } = request;
  if (endpoint.mode === 'completion') {
    return request.prompt === undefined
      ? `Endpoint "${endpoint.name}" is a completion endpoint and needs a prompt, not chat messages; use a prompt template or a chat endpoint`
      : null;
  }
  return chatMessagesOf(request).length === 0 ? `Endpoint "${endpoint.name}" is a chat endpoint and needs messages or a prompt` : null;
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  eos: 'stop',
  length: 'length',
  content_filter: 'content_filter',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
};

function finishReasonOf(value: unknown): FinishReason {
  return typeof value === 'string' ? (FINISH_REASONS[value] ?? 'unknown') : 'unknown';
}

type UsageLike = { prompt_tokens?: unknown; completion_tokens?: unknown } | null | undefined;

function tokenCount(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function firstChoice(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null) {
    const preview = typeof raw === 'string' ? `: ${raw.slice(0, 120)}` : '';
    throw new UnparseableResponseError(`expected a JSON object with "choices"${preview}`);
  }
  const choices = (raw as { choices?: unknown }).choices;
  if (!Array.isArray(choices) || choices.length === 0 || typeof choices[0] !== 'object' || choices[0] === null) {
    throw new UnparseableResponseError('the response has no "choices"');
  }
  return choices[0] as Record<string, unknown>;
}

function usageOf(raw: unknown): { tokensIn: number | null; tokensOut: number | null } {
  const usage = (raw as { usage?: UsageLike }).usage;
  return { tokensIn: tokenCount(usage?.prompt_tokens), tokensOut: tokenCount(usage?.completion_tokens) };
}

// OpenAI reasoning models refuse `max_tokens`; remember which models need the newer name.
const usesMaxCompletionTokens = new Set<string>();
const MAX_TOKENS_UNSUPPORTED = /max_completion_tokens/;

function chatBody(request: LlmRequest, params: GenerationParams, json: boolean, maxTokensField: 'max_tokens' | 'max_completion_tokens'): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  return {
    model: request.endpoint.model,
    messages: chatMessagesOf(request),
    temperature: params.temperature,
    top_p: params.topP,
    seed: params.seed,
    stop: params.stop,
    [maxTokensField]: params.maxTokens,
    ...(json ? { response_format: { type: 'json_object' as const } } : {}),
  };
}

async function sendChat(client: OpenAI, request: LlmRequest, params: GenerationParams, options: SendOptions): Promise<ProviderReply> {
  const modelKey = `${request.endpoint.baseUrl}\u0000${request.endpoint.model}`;
  const requestOptions = { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 };
  let raw: unknown;
  try {
    const field = usesMaxCompletionTokens.has(modelKey) ? 'max_completion_tokens' : 'max_tokens';
    raw = await client.chat.completions.create(chatBody(request, params, options.json, field), requestOptions);
  } catch (err) {
    if (!(err instanceof BadRequestError) || params.maxTokens === undefined || !MAX_TOKENS_UNSUPPORTED.test(err.message) || usesMaxCompletionTokens.has(modelKey)) throw err;
    usesMaxCompletionTokens.add(modelKey);
    raw = await client.chat.completions.create(chatBody(request, params, options.json, 'max_completion_tokens'), requestOptions);
  }
  const choice = firstChoice(raw);
  const message = choice.message as { content?: unknown } | undefined;
  if (typeof message !== 'object' || message === null) throw new UnparseableResponseError('the first choice has no "message"');
  const content = message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') {
    throw new UnparseableResponseError('the message content is not text');
  }
  return { text: content ?? '', finishReason: finishReasonOf(choice.finish_reason), ...usageOf(raw), raw };
}

async function sendCompletion(client: OpenAI, request: LlmRequest, params: GenerationParams, options: SendOptions): Promise<ProviderReply> {
  const raw: unknown = await client.completions.create(
    {
      model: request.endpoint.model,
      prompt: request.prompt ?? '',
      temperature: params.temperature,
      top_p: params.topP,
      seed: params.seed,
      stop: params.stop,
      max_tokens: params.maxTokens,
    },
    { timeout: options.timeoutMs, signal: options.signal, maxRetries: 0 },
  );
  const choice = firstChoice(raw);
  if (typeof choice.text !== 'string') throw new UnparseableResponseError('the first choice has no "text"');
  return { text: choice.text, finishReason: finishReasonOf(choice.finish_reason), ...usageOf(raw), raw };
}

export const MODE_ADAPTERS: Record<EndpointMode, ModeAdapter> = {
  chat: {
    inputText: (request) => chatMessagesOf(request).map((message) => message.content).join('\n'),
    send: sendChat,
  },
  completion: {
    inputText: (request) => request.prompt ?? '',
    send: sendCompletion,
  },
};

/** Rough token count (≈ 4 characters per token) for rate-limit charges and servers that report no usage. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
