import { z } from 'zod';
import { callLlm, type LlmDeps } from '@/lib/llm/call';
import { chatMessagesOf } from '@/lib/llm/providers';
import type { LlmRequest, LlmResult } from '@/lib/llm/types';

export type JsonCallOutcome<T> =
  | { ok: true; value: T; text: string; repaired: boolean; calls: LlmResult[] }
  | {
      ok: false;
      kind: 'unparseable';
      /** The model's first answer, kept for review. */
      raw: string;
      /** Its answer to the last repair round. */
      repairRaw: string;
      /** Every answer, first one first (one per round). */
      replies: string[];
      error: string;
      calls: LlmResult[];
    };

type ParsedReply<T> = { ok: true; value: T } | { ok: false; error: string };

const THINK_BLOCK = /<think>[\s\S]*?<\/think>/gi;
const FENCED_BLOCK = /```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)```/;

/** Candidate JSON texts in a reply, most likely first: the whole reply, a fenced block, the outermost braces. */
function jsonCandidates(text: string): string[] {
  // Reasoning models served through OpenAI-compatible APIs often prepend their thinking.
  const visible = text.replace(THINK_BLOCK, '').trim();
  const candidates = [visible];
  const fenced = FENCED_BLOCK.exec(visible);
  if (fenced) candidates.push(fenced[1].trim());
  const start = visible.search(/[[{]/);
  const end = Math.max(visible.lastIndexOf('}'), visible.lastIndexOf(']'));
  if (start !== -1 && end > start) candidates.push(visible.slice(start, end + 1));
  return candidates;
}

/** Parses a model reply as JSON (tolerating code fences, think blocks and surrounding prose) and validates it. */
export function parseJsonReply<T>(text: string, schema: z.ZodType<T>): ParsedReply<T> {
  let syntaxError: string | null = null;
  let shapeError: string | null = null;
  for (const candidate of jsonCandidates(text)) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch (err) {
      syntaxError ??= err instanceof Error ? err.message : String(err);
      continue;
    }
    const checked = schema.safeParse(value);
    if (checked.success) return { ok: true, value: checked.data };
    shapeError ??= `The JSON does not match the expected shape:\n${z.prettifyError(checked.error)}`;
  }
  if (shapeError) return { ok: false, error: shapeError };
  return { ok: false, error: text.trim() === '' ? 'The reply is empty.' : `The reply is not valid JSON (${syntaxError ?? 'no JSON found'}).` };
}

function repairInstruction(error: string): string {
  return `Your previous reply could not be used. ${error}\nReply again with only the corrected JSON: no explanation, no code fences.`;
}

function withPurpose(request: LlmRequest, suffix: string): string {
  return request.purpose ? `${request.purpose}:${suffix}` : `json-${suffix}`;
}

/** Round 1: show the model its invalid output and the validation error. */
function repairRequest(request: LlmRequest, raw: string, error: string): LlmRequest {
  if (request.endpoint.mode === 'chat') {
    return {
      ...request,
      messages: [...chatMessagesOf(request), { role: 'assistant', content: raw }, { role: 'user', content: repairInstruction(error) }],
      prompt: undefined,
      purpose: withPurpose(request, 'repair'),
    };
  }
  return { ...request, prompt: `${request.prompt ?? ''}${raw}\n\n${repairInstruction(error)}\n`, purpose: withPurpose(request, 'repair') };
}

/**
 * Round 2: the original question again at temperature 0, not from the cache. A broken reply is
 * often a one-off (cut short, a stray quote); a fresh greedy answer to the plain question is
 * usually well-formed, and the earlier broken output is not there to be imitated.
 */
function reaskRequest(request: LlmRequest): LlmRequest {
  return { ...request, params: { ...request.params, temperature: 0 }, bypassCache: true, purpose: withPurpose(request, 'reask') };
}

function expectedShape(schema: z.ZodType): string {
  try {
    return `\nIt must match this JSON Schema: ${JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }))}`;
  } catch {
    return '';
  }
}

/** Round 3: the original question with a strict format instruction (and the expected shape) added, at temperature 0. */
function strictRequest(request: LlmRequest, schema: z.ZodType): LlmRequest {
  const instruction =
    'Answer with exactly one complete JSON object and nothing else: no prose before or after it, no code fences, no reasoning. ' +
    `Use double quotes and no trailing commas.${expectedShape(schema)}`;
  const base = { ...request, params: { ...request.params, temperature: 0 }, bypassCache: true, purpose: withPurpose(request, 'strict') };
  if (request.endpoint.mode === 'chat') {
    const messages = chatMessagesOf(request);
    const last = messages[messages.length - 1];
    const rest = messages.slice(0, -1);
    const closing = last?.role === 'user' ? [...rest, { ...last, content: `${last.content}\n\n${instruction}` }] : [...messages, { role: 'user' as const, content: instruction }];
    return { ...base, messages: closing, prompt: undefined };
  }
  return { ...base, prompt: `${instruction}\n\n${request.prompt ?? ''}` };
}

type RepairRound = (request: LlmRequest, last: { raw: string; error: string }, schema: z.ZodType) => LlmRequest;

/** What is asked after an unusable reply, in order; the call fails as unparseable after the last one. */
export const JSON_REPAIR_ROUNDS: readonly RepairRound[] = [
  (request, last) => repairRequest(request, last.raw, last.error),
  (request) => reaskRequest(request),
  (request, _last, schema) => strictRequest(request, schema),
];

/**
 * Calls a model for structured output (judges, filters): JSON mode where the endpoint supports it,
 * zod validation, and up to three repair rounds (JSON_REPAIR_ROUNDS: show the error, re-ask at
 * temperature 0, re-ask with a strict format instruction), each one a call of its own in the call
 * log (purpose `…:repair`, `…:reask`, `…:strict`). Transport failures throw LlmError; an answer
 * that stays invalid after every round returns `ok: false` with every raw text kept.
 */
export async function callLlmJson<T>(request: LlmRequest, schema: z.ZodType<T>, deps: LlmDeps): Promise<JsonCallOutcome<T>> {
  const calls: LlmResult[] = [];
  const replies: string[] = [];
  let next: LlmRequest = request;
  for (let round = 0; ; round += 1) {
    const result = await callLlm({ ...next, json: true }, deps);
    calls.push(result);
    replies.push(result.text);
    const parsed = parseJsonReply(result.text, schema);
    if (parsed.ok) return { ok: true, value: parsed.value, text: result.text, repaired: round > 0, calls };
    if (round >= JSON_REPAIR_ROUNDS.length) {
      return { ok: false, kind: 'unparseable', raw: replies[0], repairRaw: result.text, replies, error: parsed.error, calls };
    }
    next = JSON_REPAIR_ROUNDS[round](request, { raw: result.text, error: parsed.error }, schema);
  }
}
