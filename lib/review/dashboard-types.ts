// Client-safe shapes of the run and dataset dashboards (one renderer draws both).

export type FunnelStep = { key: string; label: string; count: number };
export type Rate = { passed: number; judged: number };
export type RateColumn = { key: string; label: string };
export type TopicRow = { topic: string; items: number; rates: Record<string, Rate> };
export type DropReason = { stage: string; kind: string; reason: string; count: number };
export type StageRow = {
  key: string;
  label: string;
  results: number;
  rate: Rate;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  cacheHits: number;
};
export type CostSummary = {
  calls: number;
  cacheHits: number;
  failedCalls: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  byPurpose: { purpose: string; calls: number; tokensIn: number; tokensOut: number; costUsd: number }[];
};
export type Timeline = {
  bucketSeconds: number;
  series: { key: string; label: string }[];
  points: ({ t: string } & Record<string, number | string>)[];
};
export type DecisionSummary = { total: number; kept: number; dropped: number; pending: number; humanDecided: number; humanEdited: number; auditAccepted: number; auditRejected: number };

export type DashboardData = {
  kind: 'run' | 'dataset';
  id: string;
  title: string;
  subtitle: string;
  simulated: boolean;
  live: boolean;
  facts: { label: string; value: string }[];
  funnel: FunnelStep[];
  stages: StageRow[];
  rateColumns: RateColumn[];
  topics: TopicRow[];
  dropReasons: DropReason[];
  cost: CostSummary | null;
  timeline: Timeline;
  decisions: DecisionSummary;
};

export function rateOf(rate: Rate): number | null {
  return rate.judged === 0 ? null : rate.passed / rate.judged;
}

const bucketChoices = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 7 * 86400, 30 * 86400];

/** The smallest round bucket that draws the span in at most `maxBuckets` points. */
export function timelineBucketSeconds(spanMs: number, maxBuckets = 60): number {
  const spanSeconds = Math.max(1, spanMs / 1000);
  return bucketChoices.find((seconds) => spanSeconds / seconds <= maxBuckets) ?? bucketChoices[bucketChoices.length - 1];
}
