/**
 * An audit's population is split into cells: automatic verdict group × topic. Cells are what the
 * AuditStratum rows store (with population and sample sizes) and what each AuditItem records, so
 * that the statistics can regroup them later: per topic, kept vs dropped, and by the strata the
 * sample was actually drawn from.
 *
 * Keys are `<verdict>:<topic>` (the verdict never contains a colon, the topic may). The same
 * strings are built in SQL by `sqlCellKeyExpression`, so the sample can be drawn in the database.
 */
import type { StratifyDimension } from '@/lib/audit/config';

export const VERDICT_GROUPS = ['kept', 'dropped'] as const;
/** 'dropped' = Pair.status DROPPED by the automatic filters; everything else is 'kept'. */
export type VerdictGroup = (typeof VERDICT_GROUPS)[number];

export interface Cell {
  verdict: VerdictGroup;
  /** "" for pairs without a topic. */
  topic: string;
}

/** Marks a dimension the sample was not stratified by. */
const ANY = '*';

export function cellKey(cell: Cell): string {
  return `${cell.verdict}:${cell.topic}`;
}

export function parseCellKey(key: string): Cell {
  const colon = key.indexOf(':');
  const verdict = colon < 0 ? '' : key.slice(0, colon);
  if (!(VERDICT_GROUPS as readonly string[]).includes(verdict)) throw new RangeError(`not a cell key: ${JSON.stringify(key)}`);
  return { verdict: verdict as VerdictGroup, topic: key.slice(colon + 1) };
}

/**
 * The stratum a cell was sampled in: dimensions the audit is not stratified by collapse to "*"
 * (a uniform audit has the single stratum "*:*").
 */
export function samplingKey(cell: Cell, stratifyBy: readonly StratifyDimension[]): string {
  return `${stratifyBy.includes('verdict') ? cell.verdict : ANY}:${stratifyBy.includes('topic') ? cell.topic : ANY}`;
}

/** Pairs with these statuses are in the population; dropped pairs only when stratified by verdict. */
export function includesDropped(stratifyBy: readonly StratifyDimension[]): boolean {
  return stratifyBy.includes('verdict');
}

/** SQL for the verdict group of `"Pair"` alias `p`. */
export const SQL_VERDICT_GROUP = `(CASE WHEN p."status" = 'DROPPED' THEN 'dropped' ELSE 'kept' END)`;
export const SQL_TOPIC = `COALESCE(p."topic", '')`;

export function sqlCellKeyExpression(): string {
  return `(${SQL_VERDICT_GROUP} || ':' || ${SQL_TOPIC})`;
}

/** SQL equivalent of `samplingKey` for `"Pair"` alias `p`. */
export function sqlSamplingKeyExpression(stratifyBy: readonly StratifyDimension[]): string {
  const verdict = stratifyBy.includes('verdict') ? SQL_VERDICT_GROUP : `'${ANY}'`;
  const topic = stratifyBy.includes('topic') ? SQL_TOPIC : `'${ANY}'`;
  return `(${verdict} || ':' || ${topic})`;
}

export function topicLabel(topic: string): string {
  return topic === '' ? '(no topic)' : topic;
}
