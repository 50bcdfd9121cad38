import { createLineTransform } from './lineTransform';
import type { CardFeature, Exporter, ExportRow, RequiredSides } from './types';

export const JSONL_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8';

export type JsonlExporterSpec<TRecord> = {
  label: string;
  requiredSides: RequiredSides;
  features: readonly CardFeature[];
  /** null when the row lacks a side the format needs. */
  toRecord: (row: ExportRow) => TRecord | null;
};

/** One JSON object per line; each record is stringified exactly once. */
export function defineJsonlExporter<TRecord>(spec: JsonlExporterSpec<TRecord>): Exporter {
  const { toRecord } = spec;
  return {
    extension: 'jsonl',
    contentType: JSONL_CONTENT_TYPE,
    label: spec.label,
    requiredSides: spec.requiredSides,
    needsBothSides: spec.requiredSides === 'both',
    features: spec.features,
    create: () =>
      createLineTransform((row) => {
        const record = toRecord(row);
        return record === null ? null : JSON.stringify(record) + '\n';
      }),
  };
}

export const stringFeature = (name: string): CardFeature => ({ name, dtype: 'string' });

/** `[{content, role}]` — the features of a chat message list as `datasets` infers them (keys sorted). */
export const messageListFeature = (name: string): CardFeature => ({
  name,
  list: [stringFeature('content'), stringFeature('role')],
});
