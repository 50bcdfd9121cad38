import { decodeLineBlocks } from '../lines';
import type { OpenedImport } from '../open-import';
import { invalidUtf8Reason, recordTooLongReason, type RecordItem } from './context';

/**
 * Parses one line `text.slice(start, end)` (without its "\n"; a trailing "\r" is still there).
 * Returns null to skip the line (blank lines are not records).
 */
export type LineParser = (text: string, start: number, end: number, line: number) => RecordItem | null;

/** Shared loop of the one-record-per-line formats (JSONL, plain text). */
export async function* readLineRecords(opened: OpenedImport, parseLine: LineParser): AsyncGenerator<RecordItem[]> {
  const maxRecordBytes = opened.limits.maxRecordBytes;
  let line = 1;
  for await (const block of decodeLineBlocks(opened.bytes, maxRecordBytes)) {
    if (block.kind === 'overlong') {
      yield [{ line, reason: recordTooLongReason(maxRecordBytes) }];
      line++;
      continue;
    }
    const { text, badLines } = block;
    const items: RecordItem[] = [];
    let nextBad = badLines === null ? -1 : badLines[0];
    let badIndex = 0;
    let start = 0;
    for (let lineInBlock = 0; start < text.length; lineInBlock++, line++) {
      const newline = text.indexOf('\n', start);
      const end = newline < 0 ? text.length : newline;
      if (lineInBlock === nextBad) {
        items.push({ line, reason: invalidUtf8Reason });
        badIndex++;
        nextBad = badLines !== null && badIndex < badLines.length ? badLines[badIndex] : -1;
      } else if (end - start > maxRecordBytes) {
        items.push({ line, reason: recordTooLongReason(maxRecordBytes) });
      } else {
        const item = parseLine(text, start, end, line);
        if (item !== null) items.push(item);
      }
      start = end + 1;
    }
    if (items.length > 0) yield items;
  }
}

/** True when the line holds only whitespace (cheap exit on the first visible character). */
export function isBlankLine(text: string, start: number, end: number): boolean {
  for (let index = start; index < end; index++) {
    const code = text.charCodeAt(index);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0d) return false;
  }
  return true;
}
