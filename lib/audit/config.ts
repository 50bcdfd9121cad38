/**
 * What an audit is: its scope, sampling strategy, criteria and target, as zod schemas shared by the
 * create form, the server action and the code that reads an audit back.
 *
 * The Audit row has columns for the fixed parts (criteria, reviewersPerItem, seed, blind…); the rest
 * (scope, stratification, the full target and the reason tags) lives in its `scope` JSON column and
 * is parsed with `auditSettingsSchema` whenever it is read.
 */
import { z } from 'zod';
import { auditTargetSchema, type AuditTarget } from '@/lib/audit/stats';
import { enumValues } from '@/lib/db/enum-values';
import { AuditCriteria } from '@/lib/db/generated/enums';

export const AUDIT_CRITERIA = enumValues(AuditCriteria);
export type AuditCriteriaName = AuditCriteria;

export const STRATIFY_DIMENSIONS = ['topic', 'verdict'] as const;
export type StratifyDimension = (typeof STRATIFY_DIMENSIONS)[number];

/** A lease that is not answered in this time goes back to the pool. */
export const LEASE_SECONDS = 10 * 60;

export const MAX_SAMPLE_SIZE = 20_000;

/** Reason tags offered on keys 1–9 unless the audit defines its own. */
export const DEFAULT_REASON_TAGS = [
  'incoherent instruction',
  'instruction does not match the text',
  'off-topic',
  'chosen is unsafe',
  'chosen is unhelpful',
  'chosen not better than rejected',
  'rejected is not harmful',
  'duplicate',
  'other',
] as const;

/** What each criterion setting asks the reviewer, and which judgements the statistics report. */
export type CriterionKey = 'instruction' | 'pair' | 'both';

export const criteriaJudgements: Record<AuditCriteriaName, { asks: ('instruction' | 'pair')[]; criteria: CriterionKey[]; main: CriterionKey }> = {
  INSTRUCTION: { asks: ['instruction'], criteria: ['instruction'], main: 'instruction' },
  PAIR: { asks: ['pair'], criteria: ['pair'], main: 'pair' },
  BOTH: { asks: ['instruction', 'pair'], criteria: ['instruction', 'pair', 'both'], main: 'both' },
};

export const criterionLabels: Record<CriterionKey, string> = {
  instruction: 'Instruction valid',
  pair: 'Pair correct (chosen safe and better than rejected)',
  both: 'Both (instruction valid and pair correct)',
};

export const criteriaDescriptions: Record<AuditCriteriaName, string> = {
  INSTRUCTION: 'Instruction valid: coherent, matches the rejected text, on topic',
  PAIR: 'Pair correct: the chosen response is safe and better than the rejected one',
  BOTH: 'Both: instruction valid and pair correct (two answers per item)',
};

const idList = z.array(z.string().min(1).max(100)).max(200);

export const auditScopeSchema = z
  .object({
    runIds: idList.default([]),
    datasetIds: idList.default([]),
    /** Empty = every topic. A pair without a topic has topic "". */
    topics: z.array(z.string().max(200)).max(500).default([]),
  })
  .refine((scope) => scope.runIds.length + scope.datasetIds.length > 0, { message: 'Choose at least one run or imported dataset.', path: ['runIds'] });
export type AuditScope = z.output<typeof auditScopeSchema>;

/** Stored in Audit.scope (JSON). */
export const auditSettingsSchema = z.object({
  scope: auditScopeSchema,
  /** Empty = uniform sample of the kept pairs. 'verdict' adds the dropped pairs as their own strata. */
  stratifyBy: z.array(z.enum(STRATIFY_DIMENSIONS)).max(2).default([]),
  target: auditTargetSchema.nullable().default(null),
  reasonTags: z.array(z.string().min(1).max(60)).max(9).default([...DEFAULT_REASON_TAGS]),
  /** The sample size asked for; Audit.sampleSize is what was drawn (less when the population is smaller). */
  requestedSampleSize: z.number().int().positive().optional(),
});
export type AuditSettings = z.output<typeof auditSettingsSchema>;

export const createAuditInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the audit a name.').max(200),
  scope: auditScopeSchema,
  sampleSize: z.number().int().min(1, 'Sample at least one pair.').max(MAX_SAMPLE_SIZE, `At most ${MAX_SAMPLE_SIZE} pairs per audit.`),
  stratifyBy: z.array(z.enum(STRATIFY_DIMENSIONS)).max(2).default([]),
  seed: z.string().trim().min(1, 'A seed makes the sample reproducible.').max(100),
  criteria: z.enum(AUDIT_CRITERIA),
  reviewersPerItem: z.number().int().min(1).max(3),
  guidelines: z.string().max(20_000).default(''),
  blind: z.boolean().default(true),
  target: auditTargetSchema.nullable().default(null),
  reasonTags: z.array(z.string().trim().min(1).max(60)).max(9).optional(),
});
export type CreateAuditInput = z.input<typeof createAuditInputSchema>;
export type CreateAuditParsed = z.output<typeof createAuditInputSchema>;

/** Audit.strategy: "uniform" or "stratified:topic", "stratified:verdict", "stratified:topic+verdict". */
export function strategyName(stratifyBy: readonly StratifyDimension[]): string {
  const dimensions = STRATIFY_DIMENSIONS.filter((dimension) => stratifyBy.includes(dimension));
  return dimensions.length === 0 ? 'uniform' : `stratified:${dimensions.join('+')}`;
}

export function describeStrategy(stratifyBy: readonly StratifyDimension[]): string {
  const byTopic = stratifyBy.includes('topic');
  const byVerdict = stratifyBy.includes('verdict');
  if (!byTopic && !byVerdict) return 'Uniform sample of the kept pairs';
  if (byTopic && byVerdict) return 'Stratified by topic and automatic verdict (kept and dropped pairs)';
  return byTopic ? 'Stratified by topic (kept pairs)' : 'Stratified by automatic verdict (kept and dropped pairs)';
}

export function describeTarget(target: AuditTarget): string {
  const metric = target.metric === 'precision' ? 'precision' : 'false-drop rate';
  const comparison = target.metric === 'precision' ? '≥' : '≤';
  const bound = { lower: 'lower 95% bound of', estimate: 'estimated', upper: 'upper 95% bound of' }[target.bound];
  return `${bound} ${metric} ${comparison} ${(target.threshold * 100).toFixed(1).replace(/\.0$/, '')}%`;
}

export function parseAuditSettings(value: unknown): AuditSettings {
  return auditSettingsSchema.parse(value);
}
