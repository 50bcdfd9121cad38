import { defineJsonlExporter, messageListFeature } from './jsonl';
import { hasText, promptAsMessages } from './prompt';
import type { ChatMessage, ExportRow } from './types';

/** OpenAI preference fine-tuning (DPO) line. */
export type OpenAiPreferenceRecord = {
  input: { messages: ChatMessage[] };
  preferred_output: ChatMessage[];
  non_preferred_output: ChatMessage[];
};

export function toOpenAiPreferenceRecord(row: ExportRow): OpenAiPreferenceRecord | null {
  if (!hasText(row.chosen) || !hasText(row.rejected)) return null;
  return {
    input: { messages: promptAsMessages(row) },
    preferred_output: [{ role: 'assistant', content: row.chosen }],
    non_preferred_output: [{ role: 'assistant', content: row.rejected }],
  };
}

export const openAiPreferenceExporter = defineJsonlExporter({
  label: 'OpenAI preference fine-tuning',
  requiredSides: 'both',
  features: [
    { name: 'input', struct: [messageListFeature('messages')] },
    messageListFeature('preferred_output'),
    messageListFeature('non_preferred_output'),
  ],
  toRecord: toOpenAiPreferenceRecord,
});
