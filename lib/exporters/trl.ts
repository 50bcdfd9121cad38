import { defineJsonlExporter, messageListFeature, stringFeature } from './jsonl';
import { hasText, promptAsMessages, TRL_TEMPLATES } from './prompt';
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

export const trlStandardExporter = defineJsonlExporter({
  label: 'TRL preference (standard)',
  requiredSides: 'both',
  features: [stringFeature('prompt'), stringFeature('chosen'), stringFeature('rejected')],
  toRecord: toTrlStandardRecord,
});

export const trlConversationalExporter = defineJsonlExporter({
  label: 'TRL preference (conversational)',
  requiredSides: 'both',
  features: [messageListFeature('prompt'), messageListFeature('chosen'), messageListFeature('rejected')],
  toRecord: toTrlConversationalRecord,
});
