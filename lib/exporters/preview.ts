import { pool } from '@/lib/db/pools';
import { SelectionReader, withSnapshot, type SelectionPlan, type TopicCount } from './query';
import { exporters } from './registry';
import { BACKGROUND_EXPORT_ROWS, type ExportSelection } from './request';
import { EXPORT_FORMATS, type ExportFormat, type RequiredSides } from './types';

/** Up to this many matching rows the preview reads instructions to give exact post-dedup numbers. */
export const PREVIEW_EXACT_MAX_ROWS = 200_000;

export type ExportPreview = {
  matching: number;
  simulated: number;
  humanEdited: number;
  topics: TopicCount[];
  /** Rows the export will write; null when dedup applies and the selection is too large to count ahead. */
  rowsToExport: number | null;
  duplicates: number | null;
  /** Train/test rows: exact for a stratified split (or no dedup), else expected from the ratio. */
  split: { train: number; test: number; exact: boolean } | null;
  /**
   * Rows each format will write: pairwise formats leave out rows without both sides (blank counts
   * as missing), chosen-only formats those without a chosen side. Null like `rowsToExport`.
   */
  perFormat: Record<ExportFormat, number> | null;
  background: boolean;
};

function rowsPerFormat(plan: SelectionPlan): Record<ExportFormat, number> {
  const bySides: Record<RequiredSides, number> = { both: plan.complete, chosen: plan.withChosen, none: plan.rows };
  return Object.fromEntries(EXPORT_FORMATS.map((format) => [format, bySides[exporters[format].requiredSides]])) as Record<ExportFormat, number>;
}

/** What an export of `selection` would contain, from one consistent snapshot. */
export async function previewSelection(selection: ExportSelection): Promise<ExportPreview> {
  const client = await pool('exports').connect();
  try {
    return await withSnapshot(client, async () => {
      const reader = new SelectionReader(client, selection);
      const count = await reader.count();
      const needsReading = selection.dedupInstructions;
      const plan = !needsReading || count.matching <= PREVIEW_EXACT_MAX_ROWS ? await reader.plan() : null;
      const rowsToExport = plan?.rows ?? null;
      let split: ExportPreview['split'] = null;
      if (selection.split && rowsToExport !== null) {
        const { trainRatio, stratifyByTopic } = selection.split;
        const train =
          stratifyByTopic && plan
            ? [...plan.strata.values()].reduce((sum, size) => sum + Math.round(size * trainRatio), 0)
            : Math.round(rowsToExport * trainRatio);
        split = { train, test: rowsToExport - train, exact: stratifyByTopic };
      }
      return {
        matching: count.matching,
        simulated: count.simulated,
        humanEdited: count.humanEdited,
        topics: count.topics,
        rowsToExport,
        duplicates: plan ? plan.duplicates : null,
        split,
        perFormat: plan ? rowsPerFormat(plan) : null,
        background: count.rowsToRead > BACKGROUND_EXPORT_ROWS,
      };
    });
  } finally {
    client.release();
  }
}
