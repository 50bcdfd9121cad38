import { ImportFileError } from '../errors';
import type { OpenedImport } from '../open-import';
import { invalidUtf8Reason, recordTooLongReason, type RecordItem, type ReaderContext } from './context';
import { parseJsonObjectLine } from './jsonl';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;

const BEFORE_ARRAY = 0;
const BEFORE_ELEMENT = 1;
const IN_ELEMENT = 2;
const AFTER_ELEMENT = 3;
const DONE = 4;
type ScannerState = typeof BEFORE_ARRAY | typeof BEFORE_ELEMENT | typeof IN_ELEMENT | typeof AFTER_ELEMENT | typeof DONE;

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isJsonWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === LF;
}

/**
 * Streams the elements of a top-level JSON array without holding the file: scans bytes for the
 * element boundaries (strings, escapes, nesting), then decodes (strict UTF-8) and `JSON.parse`s one
 * element at a time. A broken element is a row error; broken array structure stops the import,
 * because the following element boundaries can no longer be trusted.
 */
export class JsonArrayScanner {
  private readonly maxRecordBytes: number;
  private state: ScannerState = BEFORE_ARRAY;
  private line = 1;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Next quote / backslash in the current chunk at or after where they were last searched. */
  private nextQuote = -1;
  private nextBackslash = -1;
  private elementLine = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private tooLong = false;
  private out: RecordItem[] = [];

  constructor(maxRecordBytes: number) {
    this.maxRecordBytes = maxRecordBytes;
  }

  push(chunk: Buffer): RecordItem[] {
    this.out = [];
    this.nextQuote = -1;
    this.nextBackslash = -1;
    let index = 0;
    let elementStart = this.state === IN_ELEMENT ? 0 : -1;
    while (index < chunk.length) {
      if (this.state === IN_ELEMENT) {
        const end = this.scanElement(chunk, index);
        if (end < 0) break;
        this.capture(chunk, elementStart, end);
        this.completeElement();
        index = end;
        continue;
      }
      const byte = chunk[index];
      if (isJsonWhitespace(byte)) {
        if (byte === LF) this.line++;
        index++;
        continue;
      }
      if (this.state === BEFORE_ARRAY) {
        if (byte !== 0x5b) throw this.structureError('expected the file to start with "["', 'WRONG_FORMAT');
        this.state = BEFORE_ELEMENT;
        index++;
      } else if (this.state === BEFORE_ELEMENT) {
        if (byte === 0x5d) {
          this.state = DONE;
          index++;
          continue;
        }
        this.startElement();
        elementStart = index;
      } else if (this.state === AFTER_ELEMENT) {
        if (byte === 0x2c) this.state = BEFORE_ELEMENT;
        else if (byte === 0x5d) this.state = DONE;
        else throw this.structureError(`expected "," or "]" after an element but found "${String.fromCharCode(byte)}"`);
        index++;
      } else {
        throw this.structureError('unexpected content after the closing "]" of the array');
      }
    }
    if (this.state === IN_ELEMENT) this.capture(chunk, elementStart, chunk.length);
    return this.out;
  }

  finish(): RecordItem[] {
    if (this.state === DONE) return [];
    const where = this.state === IN_ELEMENT ? `inside the element that starts on line ${this.elementLine}` : `on line ${this.line}`;
    throw new ImportFileError(
      'TRUNCATED',
      `The JSON array is not closed: the file ends ${where}. It looks truncated; upload it again.`,
      { line: this.state === IN_ELEMENT ? this.elementLine : this.line },
    );
  }

  private structureError(what: string, code: 'CORRUPT' | 'WRONG_FORMAT' = 'CORRUPT'): ImportFileError {
    return new ImportFileError(code, `Broken JSON array on line ${this.line}: ${what}.`, { line: this.line });
  }

  private startElement(): void {
    this.state = IN_ELEMENT;
    this.elementLine = this.line;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
    this.parts = [];
    this.partsBytes = 0;
    this.tooLong = false;
  }

  /** Index just after the element's last byte, or -1 when the element continues in the next chunk. */
  private scanElement(chunk: Buffer, from: number): number {
    for (let index = from; index < chunk.length; index++) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          continue;
        }
        // Jump to the next quote or backslash: string contents are most of the bytes.
        if (this.nextQuote < index && this.nextQuote !== chunk.length) {
          this.nextQuote = chunk.indexOf(QUOTE, index);
          if (this.nextQuote < 0) this.nextQuote = chunk.length;
        }
        if (this.nextBackslash < index && this.nextBackslash !== chunk.length) {
          this.nextBackslash = chunk.indexOf(BACKSLASH, index);
          if (this.nextBackslash < 0) this.nextBackslash = chunk.length;
        }
        index = Math.min(this.nextQuote, this.nextBackslash);
        if (index >= chunk.length) return -1;
        if (index === this.nextBackslash) {
          this.escaped = true;
          continue;
        }
        this.inString = false;
        if (this.depth === 0) return index + 1;
        continue;
      }
      const byte = chunk[index];
      switch (byte) {
        case QUOTE:
          this.inString = true;
          break;
        case 0x7b:
        case 0x5b:
          this.depth++;
          break;
        case 0x7d:
        case 0x5d:
          if (this.depth === 0) return index;
          this.depth--;
          if (this.depth === 0) return index + 1;
          break;
        case 0x2c:
          if (this.depth === 0) return index;
          break;
        case LF:
          if (this.depth === 0) return index;
          this.line++;
          break;
        case 0x20:
        case 0x09:
        case 0x0d:
          if (this.depth === 0) return index;
          break;
        default:
          break;
      }
    }
    return -1;
  }

  private capture(chunk: Buffer, start: number, end: number): void {
    if (this.tooLong || end <= start) return;
    this.partsBytes += end - start;
    if (this.partsBytes > this.maxRecordBytes) {
      this.tooLong = true;
      this.parts = [];
      return;
    }
    this.parts.push(chunk.subarray(start, end));
  }

  private completeElement(): void {
    this.state = AFTER_ELEMENT;
    const line = this.elementLine;
    if (this.tooLong) {
      this.out.push({ line, reason: recordTooLongReason(this.maxRecordBytes) });
      return;
    }
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.partsBytes);
    this.parts = [];
    let json: string;
    try {
      json = strictDecoder.decode(bytes);
    } catch {
      this.out.push({ line, reason: invalidUtf8Reason });
      return;
    }
    this.out.push(parseJsonObjectLine(json, line));
  }
}

export async function* readJsonArrayRecords(opened: OpenedImport, _context: ReaderContext): AsyncGenerator<RecordItem[]> {
  const scanner = new JsonArrayScanner(opened.limits.maxRecordBytes);
  for await (const chunk of opened.bytes) {
    const items = scanner.push(chunk);
    if (items.length > 0) yield items;
  }
  scanner.finish();
}
