import { defineJsonlExporter, messageListFeature, stringFeature } from './jsonl';
import { bothSidesSql, hasText, promptAsMessages, TRL_TEMPLATES } from './prompt';
import { DEFAULT_FORMAT_OPTIONS, type ChatMessage, type ExportRow, type FormatOptions } from './types';

export type TrlStandardRecord = { prompt: string; chosen: string; rejected: string };
export type TrlConversationalRecord = {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
};

/** The prompt laid out by the chosen template; the completions carry the prefix the template needs. */
export function toTrlStandardRecord(row: ExportRow, options: FormatOptions = DEFAULT_FORMAT_OPTIONS): TrlStandardRecord | null {
  if (!hasText(row.chosen) || !hasText(row.rejected)) return null;
  const template = TRL_TEMPLATES[options.trlPromptTemplate];
  return { prompt: template.prompt(row), chosen: template.completionPrefix + row.chosen, rejected: template.completionPrefix + row.rejected };
}

/** The prompt's own messages (a system message and earlier turns when imported so), then one assistant answer per side. */
export function toTrlConversationalRecord(row: ExportRow): TrlConversationalRecord | null {
  if (!hasText(row.chosen) || !hasText(row.rejected)) return null;
  return {
    prompt: promptAsMessages(row),
    chosen: [{ role: 'assistant', content: row.chosen }],
    rejected: [{ role: 'assistant', content: row.rejected }],
  };
}

/**
 * The TRL standard line built by Postgres: `to_json(text)` escapes exactly as `JSON.stringify`
 * does for any text Postgres can hold (no NUL, no lone surrogates), and the keys are written out
 * in the record's order (json_build_object would add spaces, jsonb would reorder them). The
 * integration test `sql lines` compares both byte for byte over hostile texts.
 */
export function trlStandardSqlLine(options: FormatOptions, literal: (text: string) => string): string | null {
  const template = TRL_TEMPLATES[options.trlPromptTemplate];
  if (!template.sqlPrompt) return null;
  const prefix = template.completionPrefix === '' ? '' : `${literal(template.completionPrefix)} || `;
  return (
    `CASE WHEN ${bothSidesSql(literal)} THEN '{"prompt":' || to_json(${template.sqlPrompt(literal)})::text` +
    ` || ',"chosen":' || to_json(${prefix}p.chosen)::text || ',"rejected":' || to_json(${prefix}p.rejected)::text || '}' END`
  );
}

/** The record as stored bytes, where the template adds nothing to the texts (see `toRecordBytes`). */
function trlStandardRecordBytes(row: ExportRow, options: FormatOptions): Record<string, Uint8Array> | null | undefined {
  const text = row.encoded?.text;
  if (!text || options.trlPromptTemplate !== 'none' || TRL_TEMPLATES.none.completionPrefix !== '') return undefined;
  if (!row.encoded?.bothSides || text.chosen === null || text.rejected === null) return null;
  return { prompt: text.instruction, chosen: text.chosen, rejected: text.rejected };
}

export const trlStandardExporter = defineJsonlExporter({
  label: 'TRL preference (standard)',
  requiredSides: 'both',
  features: [stringFeature('prompt'), stringFeature('chosen'), stringFeature('rejected')],
  toRecord: toTrlStandardRecord,
  toRecordBytes: trlStandardRecordBytes,
  sqlLine: trlStandardSqlLine,
});

export const trlConversationalExporter = defineJsonlExporter({
  label: 'TRL preference (conversational)',
  requiredSides: 'both',
  features: [messageListFeature('prompt'), messageListFeature('chosen'), messageListFeature('rejected')],
  toRecord: toTrlConversationalRecord,
});
