import type { OpenedImport } from '../open-import';
import type { RecordItem, ReaderContext } from './context';
import { readLineRecords } from './line-records';

export const textColumn = 'text';

/**
 * One item per line, kept exactly (only the line break, "\n" or "\r\n", is removed). Empty lines
 * are skipped; whitespace-only lines are records and the mapping reports them as empty text.
 */
export function readTextRecords(opened: OpenedImport, context: ReaderContext): AsyncIterable<RecordItem[]> {
  context.onColumns([textColumn]);
  return readLineRecords(opened, (text, start, end, line) => {
    const contentEnd = end > start && text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    if (contentEnd === start) return null;
    return { line, fields: { [textColumn]: text.slice(start, contentEnd) } };
  });
}
