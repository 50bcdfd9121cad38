import { defineJsonlExporter, messageListFeature, stringFeature } from './jsonl';
import type { ChatMessage, ExportRow } from './types';

export type TrlStandardRecord = { prompt: string; chosen: string; rejected: string };
export type TrlConversationalRecord = {
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
};

export function toTrlStandardRecord(row: ExportRow): TrlStandardRecord | null {
  if (row.chosen === null || row.rejected === null) return null;
  return { prompt: row.instruction, chosen: row.chosen, rejected: row.rejected };
}

export function toTrlConversationalRecord(row: ExportRow): TrlConversationalRecord | null {
  if (row.chosen === null || row.rejected === null) return null;
  return {
    prompt: [{ role: 'user', content: row.instruction }],
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
