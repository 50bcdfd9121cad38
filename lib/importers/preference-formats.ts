import { structuredPrompt } from '@/lib/pairs/prompt-messages';

import { isPlainObject, jsonKind } from './formats/context';
import {
  findColumn,
  isFieldProblem,
  mapLabels,
  pickMetadata,
  storedText,
  suggestTopicAndId,
  unstorableValueReason,
  type ColumnProblem,
} from './mapping';
import type { PairMapping, PairRow, PairShape, RawRecord, RowError } from './types';

/** The three texts of a pair as found in a record, before the shared text checks. */
export interface PairSides {
  instruction: unknown;
  chosen: unknown;
  rejected: unknown;
  /** Where each side came from, for error messages. */
  columns: { instruction: string; chosen: string; rejected: string };
  /** Facts worth keeping that the shape itself produces (e.g. a differing HH "rejected" prompt). */
  extraMetadata?: Record<string, unknown>;
  /** The prompt's messages when the record holds it as a conversation (system message, turns). */
  promptMessages?: readonly ChatMessage[] | null;
}

export type ShapeProblem = ColumnProblem;
export type PairShapeReader = (fields: Record<string, unknown>, mapping: PairMapping) => PairSides | ShapeProblem;

// ---- Chat messages (TRL conversational, OpenAI) ----

type ChatMessage = { role: string; content: string };

const roleLabels: Record<string, string> = { system: 'System', developer: 'Developer', user: 'User', assistant: 'Assistant', tool: 'Tool' };

/** Message content: a string, or OpenAI-style parts `[{type:'text', text}]` joined by line breaks. */
function messageContent(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') texts.push(part);
    else if (isPlainObject(part) && typeof part.text === 'string') texts.push(part.text);
    else return null;
  }
  return texts.join('\n');
}

function toChatMessages(value: unknown, column: string): ChatMessage[] | ShapeProblem {
  if (!Array.isArray(value)) return { column, problem: `expected a list of chat messages but found ${jsonKind(value)}` };
  const messages: ChatMessage[] = [];
  for (const [index, message] of value.entries()) {
    const content = isPlainObject(message) ? messageContent(message.content) : null;
    if (!isPlainObject(message) || typeof message.role !== 'string' || content === null) {
      return { column, problem: `message ${index + 1} needs a "role" and a text "content"` };
    }
    messages.push({ role: message.role, content });
  }
  return messages;
}

/**
 * A prompt as one instruction text: a lone user message is kept exactly; a conversation (system
 * prompt, several turns) is rendered readably as "User: …\n\nAssistant: …".
 */
export function renderConversation(messages: readonly ChatMessage[]): string {
  if (messages.length === 1 && messages[0].role === 'user') return messages[0].content;
  return messages.map((message) => `${roleLabels[message.role] ?? message.role}: ${message.content}`).join('\n\n');
}

/** A response side: a string, one message, or a list of (assistant) messages; absent → null. */
function responseText(value: unknown, column: string): unknown {
  if (value === undefined || value === null || typeof value === 'string') return value;
  if (isPlainObject(value)) return value.content === undefined ? { column, problem: 'message has no "content"' } : messageContent(value.content);
  const messages = toChatMessages(value, column);
  if (isFieldProblem(messages)) return messages;
  if (messages.length === 0) return null;
  return messages.length === 1 ? messages[0].content : messages.map((message) => message.content).join('\n\n');
}

/** The prompt's own messages when it is a message list (already validated by `promptText`). */
function promptMessageList(value: unknown, column: string): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  const messages = toChatMessages(value, column);
  return isFieldProblem(messages) ? null : messages;
}

function promptText(value: unknown, column: string): unknown {
  if (value === undefined || value === null || typeof value === 'string') return value;
  const messages = toChatMessages(value, column);
  return isFieldProblem(messages) ? messages : renderConversation(messages);
}

/** TRL "implicit prompt" conversations: the prompt is every message before the final assistant turn(s). */
function splitImplicitConversation(
  value: unknown,
  column: string,
): { prompt: string; promptMessages: ChatMessage[]; response: string | null } | ShapeProblem | null {
  if (value === undefined || value === null) return null;
  const messages = toChatMessages(value, column);
  if (isFieldProblem(messages)) return messages;
  let split = messages.length;
  while (split > 0 && messages[split - 1].role === 'assistant') split--;
  if (split === 0) return { column, problem: 'the conversation has no user turn' };
  const responses = messages.slice(split);
  return {
    prompt: renderConversation(messages.slice(0, split)),
    promptMessages: messages.slice(0, split),
    response: responses.length === 0 ? null : responses.map((message) => message.content).join('\n\n'),
  };
}

// ---- Anthropic HH-RLHF transcripts ----

const hhAssistantMarker = '\n\nAssistant:';
const hhHumanMarker = '\n\nHuman:';

function withoutOneLeadingSpace(text: string): string {
  return text.startsWith(' ') ? text.slice(1) : text;
}

/**
 * Splits "\n\nHuman: …\n\nAssistant: …" at its final assistant turn. The response is kept exactly
 * (only the single space after "Assistant:" is dropped). Null when there is no assistant turn.
 */
export function splitHhTranscript(transcript: string): { prompt: string; response: string } | null {
  const at = transcript.lastIndexOf(hhAssistantMarker);
  if (at < 0) return null;
  return { prompt: transcript.slice(0, at), response: withoutOneLeadingSpace(transcript.slice(at + hhAssistantMarker.length)) };
}

/** A single human turn becomes its text; a multi-turn prompt stays a readable "Human: …\n\nAssistant: …" transcript. */
export function hhPromptToInstruction(prompt: string): string {
  const body = prompt.startsWith('\n\n') ? prompt.slice(2) : prompt;
  const singleTurn = body.startsWith('Human:') && !body.includes(hhHumanMarker) && !body.includes(hhAssistantMarker);
  return singleTurn ? withoutOneLeadingSpace(body.slice('Human:'.length)) : body;
}

const hhTurn = /\n\n(Human|Assistant):/;

/**
 * The turns of an HH-RLHF prompt ("\n\nHuman: …\n\nAssistant: …\n\nHuman: …"); text before the
 * first turn is the system prompt, as in Anthropic's text-completion format.
 */
export function hhPromptMessages(prompt: string): ChatMessage[] {
  const parts = prompt.split(new RegExp(hhTurn.source));
  const messages: ChatMessage[] = [];
  if (parts[0] !== '') messages.push({ role: 'system', content: parts[0] });
  for (let i = 1; i + 1 < parts.length; i += 2) {
    messages.push({ role: parts[i] === 'Human' ? 'user' : 'assistant', content: withoutOneLeadingSpace(parts[i + 1]) });
  }
  return messages;
}

function isHhTranscript(value: unknown): value is string {
  return typeof value === 'string' && value.includes(hhAssistantMarker);
}

function splitHhSide(value: unknown, column: string): { prompt: string; response: string } | ShapeProblem | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return null;
  if (typeof value !== 'string') return { column, problem: `expected an HH-RLHF transcript but found ${jsonKind(value)}` };
  return splitHhTranscript(value) ?? { column, problem: 'no "\\n\\nAssistant:" turn in the transcript' };
}

// ---- The shapes ----

const standardColumns = { instruction: 'prompt', chosen: 'chosen', rejected: 'rejected' };

function readTrl(fields: Record<string, unknown>): PairSides | ShapeProblem {
  if (fields.prompt === undefined && (Array.isArray(fields.chosen) || Array.isArray(fields.rejected))) {
    const chosen = splitImplicitConversation(fields.chosen, 'chosen');
    if (isFieldProblem(chosen)) return chosen;
    const rejected = splitImplicitConversation(fields.rejected, 'rejected');
    if (isFieldProblem(rejected)) return rejected;
    return {
      instruction: chosen?.prompt ?? rejected?.prompt,
      chosen: chosen?.response ?? null,
      rejected: rejected?.response ?? null,
      columns: { instruction: 'chosen', chosen: 'chosen', rejected: 'rejected' },
      promptMessages: chosen?.promptMessages ?? rejected?.promptMessages ?? null,
    };
  }
  const sides = {
    instruction: promptText(fields.prompt, 'prompt'),
    chosen: responseText(fields.chosen, 'chosen'),
    rejected: responseText(fields.rejected, 'rejected'),
  };
  for (const side of Object.values(sides)) if (isFieldProblem(side)) return side as ShapeProblem;
  return { ...sides, columns: standardColumns, promptMessages: promptMessageList(fields.prompt, 'prompt') };
}

export const pairShapes: Record<PairShape, PairShapeReader> = {
  columns: (fields, mapping) => {
    if (mapping.shape !== 'columns') throw new Error('the "columns" shape needs a columns mapping');
    const sides = {
      instruction: promptText(fields[mapping.instructionColumn], mapping.instructionColumn),
      chosen: mapping.chosenColumn === null ? null : responseText(fields[mapping.chosenColumn], mapping.chosenColumn),
      rejected: mapping.rejectedColumn === null ? null : responseText(fields[mapping.rejectedColumn], mapping.rejectedColumn),
    };
    for (const side of Object.values(sides)) if (isFieldProblem(side)) return side as ShapeProblem;
    return {
      ...sides,
      columns: {
        instruction: mapping.instructionColumn,
        chosen: mapping.chosenColumn ?? 'chosen',
        rejected: mapping.rejectedColumn ?? 'rejected',
      },
    };
  },
  trl: readTrl,
  'trl-conversational': readTrl,
  openai: (fields) => {
    const input = fields.input;
    if (!isPlainObject(input) || input.messages === undefined) {
      return { column: 'input.messages', problem: 'missing required column' };
    }
    const sides = {
      instruction: promptText(input.messages, 'input.messages'),
      chosen: responseText(fields.preferred_output, 'preferred_output'),
      rejected: responseText(fields.non_preferred_output, 'non_preferred_output'),
    };
    for (const side of Object.values(sides)) if (isFieldProblem(side)) return side as ShapeProblem;
    return {
      ...sides,
      columns: { instruction: 'input.messages', chosen: 'preferred_output', rejected: 'non_preferred_output' },
      promptMessages: promptMessageList(input.messages, 'input.messages'),
    };
  },
  'hh-rlhf': (fields) => {
    const chosen = splitHhSide(fields.chosen, 'chosen');
    if (isFieldProblem(chosen)) return chosen;
    const rejected = splitHhSide(fields.rejected, 'rejected');
    if (isFieldProblem(rejected)) return rejected;
    const promptSource = chosen ?? rejected;
    if (promptSource === null) return { column: 'chosen', problem: 'both transcripts (chosen and rejected) are empty' };
    const instruction = hhPromptToInstruction(promptSource.prompt);
    const rejectedInstruction = rejected === null ? null : hhPromptToInstruction(rejected.prompt);
    return {
      instruction,
      chosen: chosen?.response ?? null,
      rejected: rejected?.response ?? null,
      columns: { instruction: chosen === null ? 'rejected' : 'chosen', chosen: 'chosen', rejected: 'rejected' },
      // The two transcripts should share their prompt; when not, keep the other one rather than lose it.
      extraMetadata: rejectedInstruction !== null && rejectedInstruction !== instruction ? { rejected_prompt: rejectedInstruction } : undefined,
      promptMessages: hhPromptMessages(promptSource.prompt),
    };
  },
};

/** The shape of a preference record, guessed from its keys and values; null when none fits. */
export function detectPairShape(fields: Record<string, unknown>): PairShape | null {
  if (isPlainObject(fields.input) && Array.isArray(fields.input.messages) && ('preferred_output' in fields || 'non_preferred_output' in fields)) {
    return 'openai';
  }
  if (Array.isArray(fields.prompt)) return 'trl-conversational';
  if (fields.prompt === undefined && (Array.isArray(fields.chosen) || Array.isArray(fields.rejected))) return 'trl-conversational';
  if (typeof fields.prompt === 'string' && ('chosen' in fields || 'rejected' in fields)) return 'trl';
  if (!('instruction' in fields) && (isHhTranscript(fields.chosen) || isHhTranscript(fields.rejected))) return 'hh-rlhf';
  const keys = Object.keys(fields);
  if (findColumn(keys, instructionColumnNames) !== null && findColumn(keys, [...chosenColumnNames, ...rejectedColumnNames]) !== null) {
    return 'columns';
  }
  return null;
}

const instructionColumnNames = ['instruction', 'prompt', 'question', 'query', 'input'];
const chosenColumnNames = ['chosen', 'preferred', 'chosen_response', 'response_chosen', 'accepted'];
const rejectedColumnNames = ['rejected', 'non_preferred', 'dispreferred', 'rejected_response', 'response_rejected'];

/** Columns each nested shape reads by itself (so they are not offered as metadata). */
const shapeOwnColumns: Record<Exclude<PairShape, 'columns'>, readonly string[]> = {
  trl: ['prompt', 'chosen', 'rejected'],
  'trl-conversational': ['prompt', 'chosen', 'rejected'],
  openai: ['input', 'preferred_output', 'non_preferred_output'],
  'hh-rlhf': ['chosen', 'rejected'],
};

export function suggestPairMapping(columns: readonly string[], firstFields: Record<string, unknown> | null): PairMapping | null {
  const detected = firstFields === null ? null : detectPairShape(firstFields);
  const instructionColumn = findColumn(columns, instructionColumnNames);
  const shape = detected ?? (instructionColumn !== null ? 'columns' : null);
  if (shape === null) return null;
  if (shape === 'columns') {
    if (instructionColumn === null) return null;
    const chosenColumn = findColumn(columns, chosenColumnNames);
    const rejectedColumn = findColumn(columns, rejectedColumnNames);
    const own = new Set([instructionColumn, chosenColumn, rejectedColumn].filter((c): c is string => c !== null));
    const { topic, idColumn } = suggestTopicAndId(columns, own);
    const used = new Set([...own, idColumn, topic.kind === 'column' ? topic.column : null]);
    return { shape, instructionColumn, chosenColumn, rejectedColumn, topic, idColumn, metadataColumns: columns.filter((c) => !used.has(c)) };
  }
  const own = new Set(shapeOwnColumns[shape]);
  const { topic, idColumn } = suggestTopicAndId(columns, own);
  const used = new Set([...own, idColumn, topic.kind === 'column' ? topic.column : null]);
  return { shape, topic, idColumn, metadataColumns: columns.filter((c) => !used.has(c)) };
}

export function mapPairRecord(record: RawRecord, mapping: PairMapping, maxTextLength: number): PairRow | RowError {
  const { fields, line } = record;
  const sides = pairShapes[mapping.shape](fields, mapping);
  if (isFieldProblem(sides)) return { line, column: sides.column, reason: sides.problem };

  const instruction = storedText(sides.instruction, true, maxTextLength);
  if (instruction === null || isFieldProblem(instruction)) {
    return { line, column: sides.columns.instruction, reason: instruction === null ? 'empty text' : instruction.problem };
  }
  const chosen = storedText(sides.chosen, false, maxTextLength);
  if (isFieldProblem(chosen)) return { line, column: sides.columns.chosen, reason: chosen.problem };
  const rejected = storedText(sides.rejected, false, maxTextLength);
  if (isFieldProblem(rejected)) return { line, column: sides.columns.rejected, reason: rejected.problem };

  const labels = mapLabels(fields, mapping);
  if (isFieldProblem<ShapeProblem>(labels)) return { line, column: labels.column, reason: labels.problem };
  const metadata = pickMetadata(fields, mapping.metadataColumns);
  if (isFieldProblem<ShapeProblem>(metadata)) return { line, column: metadata.column, reason: metadata.problem };
  const extraProblem = sides.extraMetadata ? unstorableValueReason(sides.extraMetadata) : null;
  if (extraProblem !== null) return { line, column: sides.columns.rejected, reason: extraProblem };
  const messages = sides.promptMessages ? structuredPrompt(sides.promptMessages) : null;
  return {
    instruction,
    promptMessages: messages === null ? null : { instruction, messages },
    chosen,
    rejected,
    topic: labels.topic,
    externalId: labels.externalId,
    metadata: sides.extraMetadata ? { ...metadata, ...sides.extraMetadata } : metadata,
    line,
  };
}
