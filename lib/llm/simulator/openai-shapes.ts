import { randomBytes } from 'node:crypto';
import { z } from 'zod';

// Loose objects: clients send many optional fields (logprobs, user, tools…) that the simulator ignores.
const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });
const messageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: z.union([z.string(), z.array(contentPartSchema), z.null()]).optional(),
});
const stopSchema = z.union([z.string(), z.array(z.string()).max(4)]).nullish();
const commonFields = {
  model: z.string({ error: 'model is required and must be a string' }).min(1, 'model must not be empty'),
  max_tokens: z.number().int().positive().nullish(),
  n: z.number().int().min(1).max(8).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  seed: z.number().int().nullish(),
  stop: stopSchema,
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
};

export const chatRequestSchema = z.looseObject({
  ...commonFields,
  messages: z.array(messageSchema, { error: 'messages is required and must be an array' }).min(1, 'messages must not be empty'),
  max_completion_tokens: z.number().int().positive().nullish(),
  response_format: z.looseObject({ type: z.enum(['text', 'json_object', 'json_schema']) }).nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type ChatMessage = ChatRequest['messages'][number];

export const completionRequestSchema = z.looseObject({
  ...commonFields,
  prompt: z.union([z.string(), z.array(z.string()).min(1)], {
    error: 'prompt must be a string or an array of strings (token arrays are not supported by the simulator)',
  }),
});
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

export function messageText(message: ChatMessage): string {
  const { content } = message;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .filter((part) => part.type === 'text' && typeof part.text === 'string')
    .map((part) => part.text)
    .join('\n');
}

export type FinishReason = 'stop' | 'length';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function makeUsage(promptTokens: number, completionTokens: number): Usage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

export function makeId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-sim${randomBytes(9).toString('base64url')}`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export const SYSTEM_FINGERPRINT = 'fp_simulator';

export interface ChoiceText {
  content: string;
  finishReason: FinishReason;
}

export function chatCompletionBody(id: string, model: string, created: number, choices: ChoiceText[], usage: Usage) {
  return {
    id,
    object: 'chat.completion' as const,
    created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: choices.map((choice, index) => ({
      index,
      message: { role: 'assistant' as const, content: choice.content, refusal: null },
      logprobs: null,
      finish_reason: choice.finishReason,
    })),
    usage,
  };
}

export function completionBody(id: string, model: string, created: number, choices: ChoiceText[], usage: Usage) {
  return {
    id,
    object: 'text_completion' as const,
    created,
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: choices.map((choice, index) => ({ text: choice.content, index, logprobs: null, finish_reason: choice.finishReason })),
    usage,
  };
}

/** Streaming chunks in the order OpenAI sends them: role, content pieces, finish, optional usage. */
export function chatStreamChunks(id: string, model: string, created: number, choices: ChoiceText[], usage: Usage | null): unknown[] {
  const base = { id, object: 'chat.completion.chunk' as const, created, model, system_fingerprint: SYSTEM_FINGERPRINT };
  const chunks: unknown[] = [];
  choices.forEach((choice, index) => {
    chunks.push({ ...base, choices: [{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    for (const piece of splitForStreaming(choice.content)) {
      chunks.push({ ...base, choices: [{ index, delta: { content: piece }, logprobs: null, finish_reason: null }] });
    }
    chunks.push({ ...base, choices: [{ index, delta: {}, logprobs: null, finish_reason: choice.finishReason }] });
  });
  if (usage) chunks.push({ ...base, choices: [], usage });
  return chunks;
}

export function completionStreamChunks(id: string, model: string, created: number, choices: ChoiceText[], usage: Usage | null): unknown[] {
  const base = { id, object: 'text_completion' as const, created, model, system_fingerprint: SYSTEM_FINGERPRINT };
  const chunks: unknown[] = [];
  choices.forEach((choice, index) => {
    const pieces = splitForStreaming(choice.content);
    pieces.forEach((piece, i) => {
      const last = i === pieces.length - 1;
      chunks.push({ ...base, choices: [{ text: piece, index, logprobs: null, finish_reason: last ? choice.finishReason : null }] });
    });
  });
  if (usage) chunks.push({ ...base, choices: [], usage });
  return chunks;
}

/** A few word groups per reply: enough to exercise a client's stream handling, cheap to send. */
function splitForStreaming(text: string): string[] {
  const words = text.match(/\S+\s*/g) ?? [''];
  const size = Math.max(1, Math.ceil(words.length / 4));
  const pieces: string[] = [];
  for (let i = 0; i < words.length; i += size) pieces.push(words.slice(i, i + size).join(''));
  const leading = text.match(/^\s*/)?.[0] ?? '';
  if (leading && pieces.length > 0) pieces[0] = leading + pieces[0];
  return pieces;
}

export type OpenAiErrorType = 'invalid_request_error' | 'requests' | 'server_error';

export interface OpenAiError {
  status: number;
  type: OpenAiErrorType;
  code: string | null;
  message: string;
  param?: string | null;
}

export function errorBody(error: OpenAiError) {
  return { error: { message: error.message, type: error.type, param: error.param ?? null, code: error.code } };
}
