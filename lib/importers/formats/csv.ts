import { ImportFileError } from '../errors';
import { absoluteBadLines, decodeLineBlocks } from '../lines';
import type { OpenedImport } from '../open-import';
import { invalidUtf8Reason, recordTooLongReason, type RecordItem, type ReaderContext } from './context';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Header names as given; empty ones get a position name and repeats a suffix, so every column is addressable. */
export function uniqueColumnNames(header: string[]): string[] {
  const seen = new Set<string>();
  return header.map((raw, index) => {
    const base = raw === '' ? `column_${index + 1}` : raw;
    let name = base;
    for (let copy = 2; seen.has(name); copy++) name = `${base}_${copy}`;
    seen.add(name);
    return name;
  });
}

/**
 * Incremental RFC 4180 parser over text blocks that end at line breaks (see `decodeLineBlocks`),
 * so only a quoted field can continue into the next block. Quoted fields may hold delimiters,
 * doubled quotes and CRLF/LF line breaks; each record reports the physical line where it starts.
 * Blank lines between records are skipped. Field text is kept exactly (no trimming).
 */
export class CsvRecordParser {
  private readonly delimiter: string;
  private readonly maxRecordChars: number;
  private readonly onHeader: (columns: string[]) => void;

  private line = 1;
  private header: string[] | null = null;
  private fields: string[] = [];
  private expectingField = false;
  private quoted = false;
  private quotedValue = '';
  /** Text of a quoted field that is followed by stray characters before the next delimiter. */
  private strayPrefix: string | null = null;
  private recordStartLine = 1;
  private recordChars = 0;
  private tooLong = false;
  private problem: string | null = null;
  private badLines: number[] = [];
  private out: RecordItem[] = [];

  constructor(delimiter: string, maxRecordChars: number, onHeader: (columns: string[]) => void) {
    this.delimiter = delimiter;
    this.maxRecordChars = maxRecordChars;
    this.onHeader = onHeader;
  }

  pushBlock(text: string, badLines: number[] | null): RecordItem[] {
    this.out = [];
    for (const bad of absoluteBadLines(badLines, this.line)) this.badLines.push(bad);
    this.parse(text);
    return this.out;
  }

  /** The line decoder dropped one overlong physical line: the record it belongs to is lost. */
  pushOverlongLine(): RecordItem[] {
    this.out = [];
    const line = this.atRecordStart() ? this.line : this.recordStartLine;
    this.out.push({ line, reason: recordTooLongReason(this.maxRecordChars) });
    this.resetRecord();
    this.line++;
    return this.out;
  }

  finish(): RecordItem[] {
    this.out = [];
    if (this.quoted) {
      this.out.push({ line: this.recordStartLine, reason: 'a quoted field is never closed (missing ")' });
      this.resetRecord();
    } else if (!this.atRecordStart()) {
      if (this.expectingField) this.pushField('');
      this.endRecord();
    }
    return this.out;
  }

  private atRecordStart(): boolean {
    return this.fields.length === 0 && !this.expectingField && !this.quoted && this.strayPrefix === null;
  }

  private parse(text: string): void {
    const length = text.length;
    const delimiter = this.delimiter;
    const delimiterCode = delimiter.charCodeAt(0);
    // Next delimiter / line break at or after the position where they were last searched.
    let nextDelimiter = -1;
    let nextNewline = -1;
    let index = 0;
    while (index < length) {
      if (this.quoted) {
        const quote = text.indexOf('"', index);
        const end = quote < 0 ? length : quote;
        this.appendQuoted(text, index, end);
        if (quote < 0) return;
        if (text.charCodeAt(quote + 1) === QUOTE) {
          this.appendQuoted(text, quote, quote + 1);
          index = quote + 2;
          continue;
        }
        this.quoted = false;
        index = quote + 1;
        if (index >= length) {
          this.pushField(this.quotedValue);
          return;
        }
        const next = text.charCodeAt(index);
        if (next === delimiterCode) {
          this.pushField(this.quotedValue);
          this.expectingField = true;
          index++;
          continue;
        }
        if (next === LF || (next === CR && text.charCodeAt(index + 1) === LF)) {
          this.pushField(this.quotedValue);
          this.endRecord();
          this.line++;
          index += next === LF ? 1 : 2;
          continue;
        }
        // Spreadsheets keep such text; we keep it too but report the record, since the quoting is broken.
        this.problem ??= 'unexpected text after a closing quote (quotes inside a quoted field must be doubled: "")';
        this.strayPrefix = this.quotedValue;
        this.quotedValue = '';
      } else if (this.strayPrefix === null) {
        const code = text.charCodeAt(index);
        if (this.atRecordStart()) {
          if (code === LF || (code === CR && text.charCodeAt(index + 1) === LF)) {
            index += code === LF ? 1 : 2;
            this.line++;
            continue;
          }
          this.recordStartLine = this.line;
        }
        if (code === QUOTE) {
          this.quoted = true;
          this.quotedValue = '';
          this.expectingField = false;
          index++;
          continue;
        }
      }

      if (nextNewline < index && nextNewline !== length) {
        nextNewline = text.indexOf('\n', index);
        if (nextNewline < 0) nextNewline = length;
      }
      if (nextDelimiter < index && nextDelimiter !== length) {
        nextDelimiter = text.indexOf(delimiter, index);
        if (nextDelimiter < 0) nextDelimiter = length;
      }
      const prefix = this.strayPrefix ?? '';
      this.strayPrefix = null;
      if (nextDelimiter < nextNewline) {
        this.pushField(prefix + text.slice(index, nextDelimiter));
        this.expectingField = true;
        index = nextDelimiter + 1;
        continue;
      }
      if (nextNewline === length) {
        // Only the last block of a file can end without a line break: the record ends in `finish`.
        this.pushField(prefix + text.slice(index, length));
        return;
      }
      const valueEnd = nextNewline > index && text.charCodeAt(nextNewline - 1) === CR ? nextNewline - 1 : nextNewline;
      this.pushField(prefix + text.slice(index, valueEnd));
      this.endRecord();
      this.line++;
      index = nextNewline + 1;
    }
  }

  private appendQuoted(text: string, start: number, end: number): void {
    for (let newline = text.indexOf('\n', start); newline >= 0 && newline < end; newline = text.indexOf('\n', newline + 1)) {
      this.line++;
    }
    if (this.tooLong) return;
    this.recordChars += end - start;
    if (this.recordChars > this.maxRecordChars) {
      this.tooLong = true;
      this.quotedValue = '';
      return;
    }
    this.quotedValue += text.slice(start, end);
  }

  private pushField(value: string): void {
    this.expectingField = false;
    if (this.tooLong) return;
    this.recordChars += value.length;
    if (this.recordChars > this.maxRecordChars) {
      this.tooLong = true;
      this.fields = [];
      return;
    }
    this.fields.push(value);
  }

  private resetRecord(): void {
    this.fields = [];
    this.expectingField = false;
    this.quoted = false;
    this.quotedValue = '';
    this.strayPrefix = null;
    this.recordChars = 0;
    this.tooLong = false;
    this.problem = null;
  }

  private recordHasBadUtf8(startLine: number, endLine: number): boolean {
    let drop = 0;
    while (drop < this.badLines.length && this.badLines[drop] < startLine) drop++;
    if (drop > 0) this.badLines.splice(0, drop);
    return this.badLines.length > 0 && this.badLines[0] <= endLine;
  }

  private endRecord(): void {
    const line = this.recordStartLine;
    const values = this.fields;
    const tooLong = this.tooLong;
    const problem = this.problem;
    const badUtf8 = this.recordHasBadUtf8(line, this.line);
    this.resetRecord();

    if (this.header === null) {
      if (badUtf8) {
        throw new ImportFileError('UNSUPPORTED', 'The header line is not valid UTF-8; re-save the file as UTF-8.', { line });
      }
      this.header = uniqueColumnNames(values);
      this.onHeader(this.header);
      return;
    }
    if (badUtf8) this.out.push({ line, reason: invalidUtf8Reason });
    else if (tooLong) this.out.push({ line, reason: recordTooLongReason(this.maxRecordChars) });
    else if (problem !== null) this.out.push({ line, reason: problem });
    else if (values.length !== this.header.length) {
      this.out.push({
        line,
        reason: `expected ${this.header.length} fields (as in the header) but found ${values.length}`,
      });
    } else {
      const fields: Record<string, unknown> = {};
      for (let column = 0; column < values.length; column++) fields[this.header[column]] = values[column];
      this.out.push({ line, fields });
    }
  }
}

export async function* readDelimitedRecords(opened: OpenedImport, context: ReaderContext): AsyncGenerator<RecordItem[]> {
  const parser = new CsvRecordParser(opened.delimiter ?? ',', opened.limits.maxRecordBytes, (columns) =>
    context.onColumns(columns),
  );
  for await (const block of decodeLineBlocks(opened.bytes, opened.limits.maxRecordBytes)) {
    const items = block.kind === 'overlong' ? parser.pushOverlongLine() : parser.pushBlock(block.text, block.badLines);
    if (items.length > 0) yield items;
  }
  const rest = parser.finish();
  if (rest.length > 0) yield rest;
}
