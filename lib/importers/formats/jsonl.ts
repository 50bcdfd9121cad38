import type { OpenedImport } from '../open-import';
import { isPlainObject, jsonKind, type RecordItem, type ReaderContext } from './context';
import { isBlankLine, readLineRecords } from './line-records';

const maxReasonLength = 200;

export function parseJsonObjectLine(json: string, line: number): RecordItem {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { line, reason: `invalid JSON: ${(error as Error).message}`.slice(0, maxReasonLength) };
  }
  if (!isPlainObject(value)) return { line, reason: `expected a JSON object but found ${jsonKind(value)}` };
  return { line, fields: value };
}

/** One JSON object per line; blank lines are skipped (a trailing newline is not a record). */
export function readJsonlRecords(opened: OpenedImport, _context: ReaderContext): AsyncIterable<RecordItem[]> {
  return readLineRecords(opened, (text, start, end, line) => {
    // JSONL lines almost always start with "{": skip the blank-line scan for them.
    if (text.charCodeAt(start) !== 0x7b && isBlankLine(text, start, end)) return null;
    return parseJsonObjectLine(text.slice(start, end), line);
  });
}
