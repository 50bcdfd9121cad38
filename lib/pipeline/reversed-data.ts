/**
 * Reversed instruction tuning data (stage 1 of Safer-Instruct): flips an instruction dataset so a
 * model learns P(instruction | response). Each (instruction, response) pair becomes
 * `{ prompt: renderReversedPrompt(response, template), completion: instruction }`, in the
 * authors' template unless another is chosen.
 *
 * ShareGPT conversations have several exchanges; which become records is a choice
 * (`ShareGptTurns`): the first exchange only, every exchange on its own, or every exchange with the
 * earlier turns as context. The authors flipped ShareGPT but do not say how they handled
 * multi-turn conversations; the default, every exchange on its own, is ours.
 *
 * Sources: Alpaca records `{instruction, input, output}` and ShareGPT records
 * `{conversations: [{from, value}, …]}`, in a JSON array or JSONL. Records are read one at a time
 * from a chunk stream, so memory stays flat for large uploads; a malformed record yields a row
 * error with its line number and the rest of the file is still processed.
 *
 * Hostile input is bounded like an import: the file by `maxBytes`, one record by
 * `maxRecordLength` (a longer one is a row error and is skipped without being held in memory),
 * and every character is scanned a bounded number of times however the chunks are cut.
 */
import { formatBytes } from '@/lib/importers/format-bytes';
import { defaultImportLimits } from '@/lib/importers/types';
import { DEFAULT_REVERSED_TEMPLATE, renderReversedPrompt, type ReversedTemplateId } from '@/lib/pipeline/prompts/reversed-template';

export type InstructionDatasetFormat = 'alpaca' | 'sharegpt';
export type InstructionContainer = 'jsonl' | 'json-array';

export const SHAREGPT_TURNS = ['first', 'each', 'context'] as const;
export type ShareGptTurns = (typeof SHAREGPT_TURNS)[number];

export const shareGptTurnsLabels: Record<ShareGptTurns, string> = {
  first: 'first exchange only',
  each: 'every exchange on its own',
  context: 'every exchange, with the earlier turns as context',
};

/** How records are written: the reversed template and, for ShareGPT, which exchanges. */
export interface FlipRecordOptions {
  template: ReversedTemplateId;
  shareGptTurns: ShareGptTurns;
}

export const defaultFlipRecordOptions: FlipRecordOptions = { template: DEFAULT_REVERSED_TEMPLATE, shareGptTurns: 'each' };

export interface ReversedRecord {
  prompt: string;
  completion: string;
}

export interface RowError {
  /** 1-based line where the record starts. */
  line: number;
  /** Path of the offending field inside the record, e.g. `conversations[2].from`. */
  field?: string;
  message: string;
}

export type FlipOutcome = { ok: true; records: ReversedRecord[]; skippedPairs: number } | { ok: false; error: RowError };

/** A structural problem that stops reading the file (e.g. an unterminated JSON array). */
export class ReversedDataError extends Error {
  readonly line: number;
  readonly column: number;

  /** `line` 0: the problem is not at one place in the file (its size, its encoding). */
  constructor(message: string, line: number, column: number) {
    super(line > 0 ? `${message} (line ${line}, column ${column})` : message);
    this.name = 'ReversedDataError';
    this.line = line;
    this.column = column;
  }
}

/** Completion target for an Alpaca record: the instruction, plus the input when there is one. */
export function alpacaCompletion(instruction: string, input: string): string {
  return input.trim() === '' ? instruction : `${instruction}\n\n${input}`;
}

export function flipPair(instruction: string, response: string, template: ReversedTemplateId = DEFAULT_REVERSED_TEMPLATE): ReversedRecord {
  return { prompt: renderReversedPrompt(response, template), completion: instruction };
}

/**
 * Earlier turns of a conversation, put before the reversed prompt when an exchange is flipped with
 * its context. This layout is ours: the authors publish none for multi-turn data.
 */
export function conversationContext(turns: readonly { speaker: 'human' | 'gpt'; text: string }[]): string {
  const lines = turns.map((turn) => `${turn.speaker === 'human' ? 'User' : 'Assistant'}: ${turn.text}`);
  return `Conversation so far:\n${lines.join('\n')}\n\n`;
}

function pickDefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rowError(line: number, message: string, field?: string): FlipOutcome {
  return { ok: false, error: field === undefined ? { line, message } : { line, field, message } };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

export function flipAlpacaRecord(value: unknown, line: number, options: FlipRecordOptions = defaultFlipRecordOptions): FlipOutcome {
  if (!isObject(value)) return rowError(line, 'expected a JSON object with "instruction", "input" and "output"');
  const { instruction, input, output } = value;
  if (!nonEmptyString(instruction)) return rowError(line, '"instruction" must be a non-empty string', 'instruction');
  if (!nonEmptyString(output)) return rowError(line, '"output" must be a non-empty string', 'output');
  if (input !== undefined && input !== null && typeof input !== 'string') return rowError(line, '"input" must be a string when present', 'input');
  return { ok: true, records: [flipPair(alpacaCompletion(instruction, input ?? ''), output, options.template)], skippedPairs: 0 };
}

type ShareGptSpeaker = 'human' | 'gpt' | 'system';

/** Speaker names seen in ShareGPT-style dumps; system turns carry no pair and are skipped. */
const shareGptSpeakers: Record<string, ShareGptSpeaker> = {
  human: 'human',
  user: 'human',
  gpt: 'gpt',
  assistant: 'gpt',
  chatgpt: 'gpt',
  bard: 'gpt',
  bing: 'gpt',
  model: 'gpt',
  system: 'system',
};

/**
 * Flipped records from the exchanges (a human turn immediately followed by a gpt turn) chosen by
 * `options.shareGptTurns`; exchanges with an empty side are skipped and counted ("first" takes the
 * first exchange with both sides written).
 */
export function flipShareGptRecord(value: unknown, line: number, options: FlipRecordOptions = defaultFlipRecordOptions): FlipOutcome {
  if (!isObject(value) || !Array.isArray(value.conversations)) {
    return rowError(line, 'expected a JSON object with a "conversations" array', 'conversations');
  }
  const turns: { speaker: ShareGptSpeaker; text: string }[] = [];
  for (const [index, turn] of value.conversations.entries()) {
    const field = `conversations[${index}]`;
    if (!isObject(turn)) return rowError(line, 'each turn must be an object with "from" and "value"', field);
    if (typeof turn.from !== 'string') return rowError(line, '"from" must be a string', `${field}.from`);
    const speaker = shareGptSpeakers[turn.from.trim().toLowerCase()];
    if (speaker === undefined) {
      return rowError(line, `unknown speaker ${JSON.stringify(turn.from)}; expected human or gpt`, `${field}.from`);
    }
    if (typeof turn.value !== 'string') return rowError(line, '"value" must be a string', `${field}.value`);
    turns.push({ speaker, text: turn.value });
  }
  const records: ReversedRecord[] = [];
  let skippedPairs = 0;
  const dialogue = turns.filter((turn): turn is { speaker: 'human' | 'gpt'; text: string } => turn.speaker !== 'system');
  for (const [index, turn] of turns.entries()) {
    const next = turns[index + 1];
    if (turn.speaker !== 'human' || next?.speaker !== 'gpt') continue;
    if (turn.text.trim() === '' || next.text.trim() === '') {
      skippedPairs += 1;
      continue;
    }
    const record = flipPair(turn.text, next.text, options.template);
    if (options.shareGptTurns === 'context') {
      const earlier = dialogue.slice(0, dialogue.indexOf(turn as (typeof dialogue)[number]));
      if (earlier.length > 0) record.prompt = conversationContext(earlier) + record.prompt;
    }
    records.push(record);
    if (options.shareGptTurns === 'first') break;
  }
  if (records.length === 0) {
    return rowError(line, 'no human turn followed by a gpt turn with non-empty text', 'conversations');
  }
  return { ok: true, records, skippedPairs };
}

export const recordFlippers: Record<InstructionDatasetFormat, (value: unknown, line: number, options: FlipRecordOptions) => FlipOutcome> = {
  alpaca: flipAlpacaRecord,
  sharegpt: flipShareGptRecord,
};

export function detectInstructionFormat(value: unknown): InstructionDatasetFormat | undefined {
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.conversations)) return 'sharegpt';
  if ('instruction' in value && 'output' in value) return 'alpaca';
  return undefined;
}

/** Raw JSON text of one record and the line it starts on, or why the record was skipped unread. */
export type SourceElement = { line: number; text: string } | { line: number; problem: string };

export interface ReversedDataLimits {
  /** Bytes of the whole file (UTF-8). */
  maxBytes: number;
  /** Characters of one record (a JSONL line or a JSON array element). */
  maxRecordLength: number;
}

/** The importers' limits: one number for "too large" everywhere. */
export const defaultReversedDataLimits: ReversedDataLimits = {
  maxBytes: defaultImportLimits.maxBytes,
  maxRecordLength: defaultImportLimits.maxRecordBytes,
};

function recordTooLong(line: number, limits: ReversedDataLimits): SourceElement {
  return { line, problem: `record is longer than the limit of ${limits.maxRecordLength} characters; it was skipped` };
}

/** UTF-8 length of a text chunk without encoding it (string chunks come from tests and the browser). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 units
      i += 1;
    } else if (code >= 0x800) bytes += 2;
    else if (code >= 0x80) bytes += 1;
  }
  return bytes;
}

export type TextChunks = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

async function* decodeChunks(chunks: TextChunks, maxBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let first = true;
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += typeof chunk === 'string' ? utf8Length(chunk) : chunk.byteLength;
    if (bytes > maxBytes) throw new ReversedDataError(`the file is larger than the limit of ${formatBytes(maxBytes)}; split it into smaller files`, 0, 0);
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw new ReversedDataError('the file is not valid UTF-8 text', 0, 0);
    }
    // TextDecoder drops a byte-order mark itself; string chunks may still carry one.
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/**
 * Non-blank lines of a JSONL stream, numbered from 1. Each chunk is searched once: the start of a
 * line that spans chunks is kept as pieces and joined when its newline arrives, so many small
 * chunks cost no more than one big one.
 */
export async function* jsonlElements(chunks: AsyncIterable<string>, limits: ReversedDataLimits = defaultReversedDataLimits): AsyncGenerator<SourceElement> {
  let pieces: string[] = [];
  let pendingLength = 0;
  let tooLong = false;
  let line = 0;
  function* endLine(last: string): Generator<SourceElement> {
    line += 1;
    if (tooLong || pendingLength + last.length > limits.maxRecordLength) {
      yield recordTooLong(line, limits);
    } else {
      const text = (pieces.length === 0 ? last : pieces.join('') + last).replace(/\r$/, '');
      if (text.trim() !== '') yield { line, text };
    }
    pieces = [];
    pendingLength = 0;
    tooLong = false;
  }
  for await (const chunk of chunks) {
    let lineStart = 0;
    for (let newline = chunk.indexOf('\n'); newline !== -1; newline = chunk.indexOf('\n', lineStart)) {
      yield* endLine(chunk.slice(lineStart, newline));
      lineStart = newline + 1;
    }
    if (tooLong || lineStart === chunk.length) continue;
    pendingLength += chunk.length - lineStart;
    if (pendingLength > limits.maxRecordLength) {
      // From here on only the newline is looked for: the over-long line is not kept.
      tooLong = true;
      pieces = [];
    } else pieces.push(chunk.slice(lineStart));
  }
  if (tooLong || pendingLength > 0) yield* endLine('');
}

type ArrayState = 'start' | 'beforeElement' | 'element' | 'done';

/**
 * Top-level elements of a JSON array, without parsing the whole document: tracks nesting and
 * string literals only, and hands each element's text to JSON.parse separately.
 */
export async function* jsonArrayElements(chunks: AsyncIterable<string>, limits: ReversedDataLimits = defaultReversedDataLimits): AsyncGenerator<SourceElement> {
  let state = 'start' as ArrayState;
  let line = 1;
  let column = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let afterComma = false;
  let elementLine = 0;
  /** The current element's text from earlier chunks (dropped once too long), joined once at its end. */
  let elementPieces: string[] = [];
  let elementLength = 0;

  for await (const chunk of chunks) {
    let segmentStart = 0;
    for (let i = 0; i < chunk.length; i += 1) {
      const char = chunk[i];
      if (char === '\n') {
        line += 1;
        column = 0;
      } else column += 1;
      const blank = char === ' ' || char === '\t' || char === '\n' || char === '\r';

      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (char === '\\') escaped = true;
          else if (char === '"') inString = false;
        } else if (char === '"') inString = true;
        else if (char === '{' || char === '[') depth += 1;
        else if ((char === '}' || char === ']') && depth > 0) depth -= 1;
        else if (depth === 0 && (char === ',' || char === ']')) {
          if (elementLength + i - segmentStart > limits.maxRecordLength) yield recordTooLong(elementLine, limits);
          else yield { line: elementLine, text: (elementPieces.join('') + chunk.slice(segmentStart, i)).trim() };
          elementPieces = [];
          elementLength = 0;
          state = char === ',' ? 'beforeElement' : 'done';
          afterComma = char === ',';
        }
        continue;
      }
      if (blank) continue;
      if (state === 'start') {
        if (char !== '[') throw new ReversedDataError('expected a JSON array starting with "["', line, column);
        state = 'beforeElement';
      } else if (state === 'beforeElement') {
        if (char === ']') {
          if (afterComma) throw new ReversedDataError('trailing comma before "]"', line, column);
          state = 'done';
        } else if (char === ',') {
          throw new ReversedDataError('missing array element before ","', line, column);
        } else {
          state = 'element';
          elementLine = line;
          segmentStart = i;
          elementLength = 0;
          depth = char === '{' || char === '[' ? 1 : 0;
          inString = char === '"';
          escaped = false;
        }
      } else if (state === 'done') {
        throw new ReversedDataError('unexpected content after the closing "]"', line, column);
      }
    }
    if (state === 'element') {
      elementLength += chunk.length - segmentStart;
      // An over-long element is still scanned to its end, but no longer kept.
      if (elementLength > limits.maxRecordLength) elementPieces = [];
      else elementPieces.push(chunk.slice(segmentStart));
    }
  }
  if (state !== 'done') throw new ReversedDataError('the JSON array is not closed with "]"', line, column);
}

export const containerReaders: Record<InstructionContainer, (chunks: AsyncIterable<string>, limits: ReversedDataLimits) => AsyncGenerator<SourceElement>> = {
  jsonl: jsonlElements,
  'json-array': jsonArrayElements,
};

/** Looks at the first non-blank character ("[" → JSON array) and replays the consumed text. */
async function detectContainer(chunks: AsyncIterable<string>): Promise<{ container: InstructionContainer; chunks: AsyncIterable<string> }> {
  const iterator = chunks[Symbol.asyncIterator]();
  const consumed: string[] = [];
  let container: InstructionContainer = 'jsonl';
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    consumed.push(next.value);
    const firstChar = next.value.trimStart()[0];
    if (firstChar !== undefined) {
      container = firstChar === '[' ? 'json-array' : 'jsonl';
      break;
    }
  }
  async function* replay(): AsyncGenerator<string> {
    yield* consumed;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { container, chunks: replay() };
}

export type FlipEvent =
  | { kind: 'record'; line: number; record: ReversedRecord }
  | { kind: 'error'; error: RowError }
  | { kind: 'skipped'; line: number; pairs: number };

export interface FlipDatasetOptions extends Partial<ReversedDataLimits> {
  /** Default 'auto': decided by the first record that looks like either format. */
  format?: InstructionDatasetFormat | 'auto';
  /** Default 'auto': a file whose first non-blank character is "[" is a JSON array, otherwise JSONL. */
  container?: InstructionContainer | 'auto';
  /** Default: the authors' template. */
  template?: ReversedTemplateId;
  /** Default 'each'. */
  shareGptTurns?: ShareGptTurns;
}

/**
 * Streams flipped records from an uploaded instruction dataset. Per-record problems come out as
 * `error` events (with line numbers) and reading goes on; structural problems that make the rest
 * unreadable throw `ReversedDataError`.
 */
export async function* flipInstructionDataset(source: TextChunks, options: FlipDatasetOptions = {}): AsyncGenerator<FlipEvent> {
  const limits: ReversedDataLimits = {
    maxBytes: options.maxBytes ?? defaultReversedDataLimits.maxBytes,
    maxRecordLength: options.maxRecordLength ?? defaultReversedDataLimits.maxRecordLength,
  };
  let chunks: AsyncIterable<string> = decodeChunks(source, limits.maxBytes);
  let container = options.container ?? 'auto';
  if (container === 'auto') ({ container, chunks } = await detectContainer(chunks));
  let format = options.format === 'auto' ? undefined : options.format;
  const recordOptions: FlipRecordOptions = { ...defaultFlipRecordOptions, ...pickDefined({ template: options.template, shareGptTurns: options.shareGptTurns }) };

  for await (const element of containerReaders[container](chunks, limits)) {
    if ('problem' in element) {
      yield { kind: 'error', error: { line: element.line, message: element.problem } };
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(element.text);
    } catch (error) {
      yield { kind: 'error', error: { line: element.line, message: `invalid JSON: ${(error as Error).message}` } };
      continue;
    }
    format ??= detectInstructionFormat(value);
    if (format === undefined) {
      yield {
        kind: 'error',
        error: { line: element.line, message: 'not an Alpaca record ({instruction, input, output}) or a ShareGPT record ({conversations: [...]})' },
      };
      continue;
    }
    const outcome = recordFlippers[format](value, element.line, recordOptions);
    if (!outcome.ok) {
      yield { kind: 'error', error: outcome.error };
      continue;
    }
    for (const record of outcome.records) yield { kind: 'record', line: element.line, record };
    if (outcome.skippedPairs > 0) yield { kind: 'skipped', line: element.line, pairs: outcome.skippedPairs };
  }
}
