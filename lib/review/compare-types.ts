// Client-safe shapes of "compare a run with a reference dataset".

export type LengthField = 'instruction' | 'chosen' | 'rejected';
export const LENGTH_FIELDS: readonly LengthField[] = ['instruction', 'chosen', 'rejected'];

/** Upper bounds (characters, exclusive) of the length histogram's buckets; the last bucket is open. */
export const LENGTH_BUCKETS = [50, 100, 200, 400, 800, 1600] as const;

export type LengthStats = {
  /** Rows where the field is present and not empty. */
  count: number;
  mean: number | null;
  p10: number | null;
  p50: number | null;
  p90: number | null;
  /** Counts per bucket: [0, 50), [50, 100), … [1600, ∞). */
  histogram: number[];
};

export type Share = { count: number; of: number };

export type CompareSide = {
  kind: 'run' | 'dataset';
  id: string;
  name: string;
  /** Pairs compared: every pair not dropped (by the pipeline or a reviewer). */
  pairs: number;
  topics: { topic: string; count: number }[];
  /** Chosen responses that read as a refusal or redirection (heuristic cues, see REFUSAL_SQL). */
  refusals: Share;
  lengths: Record<LengthField, LengthStats>;
  /** Instructions that contain their pair's source text (the rejected response) verbatim, of pairs whose source has 16+ characters. */
  embedsSource: Share;
  /** Pairs whose instruction (case and spacing ignored) also occurs in another pair of the same side. */
  duplicates: Share;
  /** Distinct source texts (rejected responses, normalised). */
  distinctSources: number;
};

export type CompareResult = {
  generatedAt: string;
  run: CompareSide;
  dataset: CompareSide;
  /** Distinct source texts found on both sides. */
  sourceOverlap: { shared: number; ofRun: number; ofDataset: number };
  /** How each figure is computed, so the JSON stands on its own. */
  definitions: Record<string, string>;
};

export function shareOf(share: Share): number | null {
  return share.of === 0 ? null : share.count / share.of;
}
