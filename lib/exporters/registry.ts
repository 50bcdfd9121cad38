import { alpacaExporter } from './alpaca';
import { csvExporter } from './csv';
import { hhRlhfExporter } from './hhRlhf';
import { openAiPreferenceExporter } from './openai';
import { parquetExporter } from './parquet';
import { reversedTuningExporter } from './reversedTuning';
import { trlConversationalExporter, trlStandardExporter } from './trl';
import { lineSqlFor } from './sql-lines';
import type { Exporter, ExportFormat, FormatOptions } from './types';

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

/** The lines Postgres can build for these formats (see `Exporter.sqlLine`): what `SelectionReader.rows({ lines })` should select. */
export function sqlLinesFor(formats: readonly ExportFormat[], options: FormatOptions): string[] {
  return formats.map((format) => lineSqlFor(exporters[format], options)).filter((sql): sql is string => sql !== null);
}
