export * from './types';
export { ImportFileError, importFileErrorCodes, isRowError, describeRowError, type ImportFileErrorCode } from './errors';
export { openImportStream, formatLabels, resolveImportLimits, type OpenedImport } from './open-import';
export { detectDelimiter, formatFromFileName } from './detect';
export { recordReaders } from './record-readers';
export type { RecordItem, RecordReader, ReaderContext } from './formats/context';
export { readRecords, readSourceRows, readPairRows, batch, type ImportRun, type SourceRowResult, type PairRowResult } from './read-rows';
export { previewFile, type ImportPreview, type PreviewOptions } from './preview';
export { mapSourceRecord, storedText, suggestSourceMapping } from './mapping';
export {
  pairShapes,
  detectPairShape,
  mapPairRecord,
  splitHhTranscript,
  hhPromptToInstruction,
  hhPromptMessages,
  renderConversation,
  suggestPairMapping,
} from './preference-formats';
export { normaliseForDedup } from './dedup';
