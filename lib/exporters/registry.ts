import { alpacaExporter } from './alpaca';
import { csvExporter } from './csv';
import { hhRlhfExporter } from './hhRlhf';
import { openAiPreferenceExporter } from './openai';
import { parquetExporter } from './parquet';
import { reversedTuningExporter } from './reversedTuning';
import { trlConversationalExporter, trlStandardExporter } from './trl';
import type { Exporter, ExportFormat } from './types';

/** Every export format; adding one is one line here, and the compiler refuses a format nobody handles. */
export const exporters: Record<ExportFormat, Exporter> = {
  'trl-standard': trlStandardExporter,
  'trl-conversational': trlConversationalExporter,
  'openai-preference': openAiPreferenceExporter,
  'hh-rlhf': hhRlhfExporter,
  alpaca: alpacaExporter,
  'reversed-tuning': reversedTuningExporter,
  csv: csvExporter,
  parquet: parquetExporter,
};
