import { jsonKind } from './formats/context';
import type { RawRecord, RowError, SourceMapping, SourceRow, TopicMapping } from './types';

/** Why one field cannot be used; the caller turns it into a RowError with line and column. */
export type FieldProblem = { problem: string };
export type ColumnProblem = FieldProblem & { column: string };

export function isFieldProblem<P extends FieldProblem = FieldProblem>(value: unknown): value is P {
  return typeof value === 'object' && value !== null && 'problem' in value;
}

function isBlank(text: string): boolean {
  // Fast exit on the first visible character; only blank-looking texts pay for trim().
  const first = text.charCodeAt(0);
  if (first > 0x20 && first !== 0xa0 && first !== 0x1680 && first < 0x2000) return false;
  return text.trim().length === 0;
}

function codePointLength(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index++;
    }
    count++;
  }
  return count;
}

const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A text we will store (source text, instruction, chosen, rejected), returned exactly as given.
 * Absent/null/blank gives null when optional, a problem when required. Texts Postgres cannot hold
 * (NUL, unpaired surrogates) are problems rather than silently altered.
 */
export function storedText(value: unknown, required: boolean, maxTextLength: number): string | null | FieldProblem {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value === undefined) return required ? { problem: 'missing required column' } : null;
  else if (value === null) return required ? { problem: 'empty text' } : null;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else return { problem: `expected text but found ${jsonKind(value)}` };

  if (text.length === 0 || isBlank(text)) return required ? { problem: 'empty text' } : null;
  if (text.length > maxTextLength) {
    const length = codePointLength(text);
    if (length > maxTextLength) return { problem: `text is ${length} characters long; the limit is ${maxTextLength}` };
  }
  if (text.includes('\u0000')) return { problem: 'text contains a NUL character (U+0000), which cannot be stored' };
  if (!isWellFormed(text)) return { problem: 'text contains an unpaired UTF-16 surrogate (broken \\u escape)' };
  return text;
}

/** Topic and id values are labels: trimmed, numbers accepted, blank → null. */
export function labelValue(value: unknown): string | null {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? null : trimmed;
  }
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return String(value);
  return null;
}

export function topicOf(fields: Record<string, unknown>, topic: TopicMapping): string | null {
  if (topic.kind === 'none') return null;
  if (topic.kind === 'fixed') return topic.value;
  return labelValue(fields[topic.column]);
}

/** Why Postgres cannot store this string (text or jsonb), or null when it can. */
function unstorableStringReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored';
  if (!isWellFormed(text)) return 'contains an unpaired UTF-16 surrogate (broken \\u escape), which cannot be stored';
  return null;
}

/** Checks keys too: jsonb rejects a NUL or a lone surrogate anywhere, and one bad value must not fail a whole batch. */
export function unstorableValueReason(value: unknown): string | null {
  if (typeof value === 'string') return unstorableStringReason(value);
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (const item of value) {
      const reason = unstorableValueReason(item);
      if (reason !== null) return reason;
    }
    return null;
  }
  for (const [key, item] of Object.entries(value)) {
    const reason = unstorableStringReason(key) ?? unstorableValueReason(item);
    if (reason !== null) return reason;
  }
  return null;
}

/** The chosen metadata columns, values as read; absent columns are left out (not invented as null). */
export function pickMetadata(
  fields: Record<string, unknown>,
  columns: readonly string[],
): Record<string, unknown> | ColumnProblem {
  const metadata: Record<string, unknown> = {};
  for (const column of columns) {
    if (!(column in fields)) continue;
    const value = fields[column];
    const reason = unstorableStringReason(column) ?? unstorableValueReason(value);
    if (reason !== null) return { column, problem: reason };
    metadata[column] = value;
  }
  return metadata;
}

/** Topics are grouped and indexed, so they stay short; ids are labels, not texts. */
export const maxTopicLength = 200;
export const maxExternalIdLength = 1000;

/** Topic and id of a record, checked so that a bad label is a row error rather than a failed batch. */
export function mapLabels(
  fields: Record<string, unknown>,
  mapping: { topic: TopicMapping; idColumn: string | null },
): { topic: string | null; externalId: string | null } | ColumnProblem {
  const topic = topicOf(fields, mapping.topic);
  if (topic !== null && mapping.topic.kind === 'column') {
    const reason = unstorableStringReason(topic) ?? (topic.length > maxTopicLength ? `topic is longer than ${maxTopicLength} characters` : null);
    if (reason !== null) return { column: mapping.topic.column, problem: reason };
  }
  const externalId = mapping.idColumn === null ? null : labelValue(fields[mapping.idColumn]);
  if (externalId !== null && mapping.idColumn !== null) {
    const reason =
      unstorableStringReason(externalId) ?? (externalId.length > maxExternalIdLength ? `id is longer than ${maxExternalIdLength} characters` : null);
    if (reason !== null) return { column: mapping.idColumn, problem: reason };
  }
  return { topic, externalId };
}

/** Every column a mapping reads, for the up-front check on formats with fixed columns. */
export function columnsUsedBy(mapping: {
  topic: TopicMapping;
  idColumn: string | null;
  metadataColumns: readonly string[];
}): string[] {
  const columns = [...mapping.metadataColumns];
  if (mapping.topic.kind === 'column') columns.push(mapping.topic.column);
  if (mapping.idColumn !== null) columns.push(mapping.idColumn);
  return columns;
}

export function mapSourceRecord(record: RawRecord, mapping: SourceMapping, maxTextLength: number): SourceRow | RowError {
  const { fields, line } = record;
  const text = storedText(fields[mapping.textColumn], true, maxTextLength);
  if (text === null || isFieldProblem(text)) {
    return { line, column: mapping.textColumn, reason: text === null ? 'empty text' : text.problem };
  }
  const labels = mapLabels(fields, mapping);
  if (isFieldProblem<ColumnProblem>(labels)) return { line, column: labels.column, reason: labels.problem };
  const metadata = pickMetadata(fields, mapping.metadataColumns);
  if (isFieldProblem<ColumnProblem>(metadata)) return { line, column: metadata.column, reason: metadata.problem };
  return { text, topic: labels.topic, externalId: labels.externalId, metadata, line };
}

// ---- Suggestions for the mapping screen ----

const textColumnNames = ['text', 'content', 'body', 'comment', 'comment_text', 'message', 'response', 'rejected', 'sentence', 'document', 'post', 'tweet'];
const topicColumnNames = ['topic', 'label', 'category', 'class', 'type'];
const idColumnNames = ['id', '_id', 'uuid', 'external_id', 'externalid', 'row_id', 'idx', 'key'];

/** The first column whose name (case-insensitively) is in `names`, in the order of `names`. */
export function findColumn(columns: readonly string[], names: readonly string[], exclude: ReadonlySet<string> = new Set()): string | null {
  const byLowerName = new Map(columns.filter((column) => !exclude.has(column)).map((column) => [column.toLowerCase(), column]));
  for (const name of names) {
    const column = byLowerName.get(name);
    if (column !== undefined) return column;
  }
  return null;
}

function longestTextColumn(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>, exclude: ReadonlySet<string>): string | null {
  let best: { column: string; length: number } | null = null;
  for (const column of columns) {
    if (exclude.has(column)) continue;
    let total = 0;
    for (const row of rows) {
      const value = row[column];
      if (typeof value === 'string') total += value.length;
    }
    if (total > 0 && (!best || total > best.length)) best = { column, length: total };
  }
  return best?.column ?? null;
}

export function suggestTopicAndId(columns: readonly string[], used: ReadonlySet<string>): Pick<SourceMapping, 'topic' | 'idColumn'> {
  const topicColumn = findColumn(columns, topicColumnNames, used);
  const idColumn = findColumn(columns, idColumnNames, used);
  return {
    topic: topicColumn === null ? { kind: 'none' } : { kind: 'column', column: topicColumn },
    idColumn,
  };
}

export function suggestSourceMapping(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): SourceMapping | null {
  const idLike = new Set([findColumn(columns, idColumnNames), findColumn(columns, topicColumnNames)].filter((c): c is string => c !== null));
  const textColumn = findColumn(columns, textColumnNames) ?? longestTextColumn(columns, rows, idLike) ?? columns[0] ?? null;
  if (textColumn === null) return null;
  const { topic, idColumn } = suggestTopicAndId(columns, new Set([textColumn]));
  const used = new Set([textColumn, idColumn, topic.kind === 'column' ? topic.column : null]);
  return { textColumn, topic, idColumn, metadataColumns: columns.filter((column) => !used.has(column)) };
}
