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
      /** Its answer to the repair request. */
      repairRaw: string;
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

/** A follow-up request that shows the model its invalid output and the validation error. */
function repairRequest(request: LlmRequest, raw: string, error: string): LlmRequest {
  if (request.endpoint.mode === 'chat') {
    return {
      ...request,
      messages: [...chatMessagesOf(request), { role: 'assistant', content: raw }, { role: 'user', content: repairInstruction(error) }],
      prompt: undefined,
      purpose: request.purpose ? `${request.purpose}:repair` : 'json-repair',
    };
  }
  return {
    ...request,
    prompt: `${request.prompt ?? ''}${raw}\n\n${repairInstruction(error)}\n`,
    purpose: request.purpose ? `${request.purpose}:repair` : 'json-repair',
  };
}

/**
 * Calls a model for structured output (judges, filters): JSON mode where the endpoint supports it,
 * zod validation, and one repair round with the error shown to the model. Transport failures
 * throw LlmError; an answer that stays invalid returns `ok: false` with the raw text kept.
 */
export async function callLlmJson<T>(request: LlmRequest, schema: z.ZodType<T>, deps: LlmDeps): Promise<JsonCallOutcome<T>> {
  const first = await callLlm({ ...request, json: true }, deps);
  const parsed = parseJsonReply(first.text, schema);
  if (parsed.ok) return { ok: true, value: parsed.value, text: first.text, repaired: false, calls: [first] };

  const second = await callLlm({ ...repairRequest(request, first.text, parsed.error), json: true }, deps);
  const repaired = parseJsonReply(second.text, schema);
  if (repaired.ok) return { ok: true, value: repaired.value, text: second.text, repaired: true, calls: [first, second] };
  return { ok: false, kind: 'unparseable', raw: first.text, repairRaw: second.text, error: repaired.error, calls: [first, second] };
}
