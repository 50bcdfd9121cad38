export * from './types';
export { exporters } from './registry';
export { TABLE_COLUMNS } from './columns';
export { encodeCsvField, encodeCsvRecord, CSV_HEADER } from './csv';
export { DEFAULT_PARQUET_CODEC, DEFAULT_PARQUET_ROW_GROUP_SIZE } from './parquet';
export { toTrlStandardRecord, toTrlConversationalRecord } from './trl';
export { toOpenAiPreferenceRecord } from './openai';
export { toHhRlhfRecord, renderHhRlhfTranscript } from './hhRlhf';
export { toAlpacaRecord } from './alpaca';
export { toReversedTuningRecord, renderReversedPrompt } from './reversedTuning';
export * from './selection';
export { renderDatasetCard, sizeCategory, type CardAudit, type CardInput } from './card';
export { buildManifest, serializeManifest, type JsonValue, type Manifest, type ManifestInput } from './manifest';
export { writeBundle, type BundleEntry, type BundleResult } from './bundle';
export { HashingPassThrough } from './hashing';
export {
  runExport,
  dataFileName,
  type ExportRecipe,
  type ExportedFile,
  type RunExportOptions,
  type RunExportResult,
  type SplitPlan,
} from './runExport';
