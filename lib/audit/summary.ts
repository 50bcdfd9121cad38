/**
 * Live audit statistics from the audit's cells, items and answered labels. Pure: the database
 * loader (`statistics.ts`) builds the input, the UI and the report read the output.
 *
 * Rules (also printed in the report):
 * - An item's human judgement on a criterion is the majority of its answered labels; a tie counts
 *   as a rejection, so that doubtful items never raise precision or leave exports.
 * - Precision is estimated over the kept cells, the false-drop rate over the dropped cells, each
 *   with `stratifiedPrecision` over the strata the sample was drawn from (a uniform audit has one
 *   stratum, where this is the plain Wilson interval), with the finite-population correction
 *   because the sample is drawn without replacement.
 * - Judge-vs-human agreement compares that majority with the automatic verdict of the same
 *   criterion (instruction filter, response filter, final kept/dropped).
 */
import {
  cohensKappa,
  confusionMatrix,
  fleissKappa,
  stratifiedPrecision,
  targetMet,
  type AuditTarget,
  type StratifiedInterval,
} from '@/lib/audit/stats';
import { criteriaJudgements, describeTarget, type AuditCriteriaName, type CriterionKey, type StratifyDimension } from '@/lib/audit/config';
import { samplingKey, type VerdictGroup } from '@/lib/audit/cells';

export interface SummaryCell {
  key: string;
  verdict: VerdictGroup;
  topic: string;
  populationSize: number;
  sampleSize: number;
}

export interface SummaryLabel {
  reviewerId: string;
  instructionValid: boolean | null;
  pairCorrect: boolean | null;
}

export interface SummaryItem {
  cell: string;
  /** Automatic verdict per criterion: true = passed/kept, false = failed/dropped, null = none. */
  automatic: Record<CriterionKey, boolean | null>;
  /** Answered labels only, in the order they were answered. */
  labels: SummaryLabel[];
}

export interface SummaryInput {
  criteria: AuditCriteriaName;
  reviewersPerItem: number;
  stratifyBy: readonly StratifyDimension[];
  target: AuditTarget | null;
  cells: readonly SummaryCell[];
  items: readonly SummaryItem[];
}

export interface EstimateBlock {
  estimate: number | null;
  lower: number;
  upper: number;
  /** Items with a human judgement on this criterion. */
  audited: number;
  /** Of those, judged acceptable (for the false-drop rate: judged good although dropped). */
  accepted: number;
  populationSize: number;
  /** Number of sampling strata the estimate combines (1 = plain Wilson interval). */
  strata: number;
  /** null for a census (the whole population audited: the interval has zero width). */
  effectiveSampleSize: number | null;
  unauditedShare: number;
}

export type AgreementLabel = 'accept' | 'reject';
export const AGREEMENT_LABELS: readonly AgreementLabel[] = ['accept', 'reject'];

export interface JudgeAgreement {
  kappa: number | null;
  observedAgreement: number | null;
  items: number;
  /** Rows: human majority, columns: automatic verdict, both in AGREEMENT_LABELS order. */
  matrix: number[][];
}

export interface ReviewerAgreement {
  method: 'cohen' | 'fleiss' | null;
  kappa: number | null;
  observedAgreement: number | null;
  /** Items with exactly reviewersPerItem answers (the overlap the κ is computed on). */
  items: number;
}

export interface TopicStatistics {
  topic: string;
  precision: EstimateBlock | null;
  falseDropRate: EstimateBlock | null;
}

export interface CriterionStatistics {
  criterion: CriterionKey;
  precision: EstimateBlock | null;
  falseDropRate: EstimateBlock | null;
  byTopic: TopicStatistics[];
  judgeAgreement: JudgeAgreement;
  reviewerAgreement: ReviewerAgreement;
}

export interface TargetResult {
  target: AuditTarget;
  description: string;
  criterion: CriterionKey;
  /** The bound the target compares, or null when it cannot be computed yet. */
  value: number | null;
  met: boolean;
  /** Why the target cannot be evaluated, if it cannot. */
  problem: string | null;
}

export interface AuditStatistics {
  mainCriterion: CriterionKey;
  criteria: CriterionStatistics[];
  items: { total: number; answered: number; complete: number };
  target: TargetResult | null;
}

/** A label's judgement on one criterion; null when the label does not answer it. */
export function labelAccepts(label: SummaryLabel, criterion: CriterionKey): boolean | null {
  const judgements: Record<CriterionKey, () => boolean | null> = {
    instruction: () => label.instructionValid,
    pair: () => label.pairCorrect,
    both: () => (label.instructionValid === null || label.pairCorrect === null ? null : label.instructionValid && label.pairCorrect),
  };
  return judgements[criterion]();
}

/** Majority of the answers; a tie rejects; no answers → null. */
export function humanMajority(values: readonly boolean[]): boolean | null {
  if (values.length === 0) return null;
  const accepts = values.filter(Boolean).length;
  return accepts * 2 > values.length;
}

function judgementsOf(item: SummaryItem, criterion: CriterionKey): boolean[] {
  return item.labels.map((label) => labelAccepts(label, criterion)).filter((value): value is boolean => value !== null);
}

function toBlock(interval: StratifiedInterval, accepted: number, populationSize: number, strata: number): EstimateBlock {
  return {
    estimate: interval.estimate,
    lower: interval.lower,
    upper: interval.upper,
    audited: interval.audited,
    accepted,
    populationSize,
    strata,
    effectiveSampleSize: Number.isFinite(interval.effectiveSampleSize) ? interval.effectiveSampleSize : null,
    unauditedShare: interval.unauditedShare,
  };
}

/**
 * Stratum-weighted estimate over the cells `include` selects: cells are regrouped into the strata
 * they were sampled in, so a uniform audit gives one Wilson interval and a stratified one weights
 * each stratum by its population. null when the selection has no population.
 */
function estimateOver(
  input: SummaryInput,
  judged: ReadonlyMap<string, boolean[]>,
  include: (cell: SummaryCell) => boolean,
): EstimateBlock | null {
  const groups = new Map<string, { populationSize: number; audited: number; accepted: number }>();
  for (const cell of input.cells) {
    if (!include(cell) || cell.populationSize === 0) continue;
    const key = samplingKey(cell, input.stratifyBy);
    const group = groups.get(key) ?? { populationSize: 0, audited: 0, accepted: 0 };
    const values = judged.get(cell.key) ?? [];
    group.populationSize += cell.populationSize;
    group.audited += values.length;
    group.accepted += values.filter(Boolean).length;
    groups.set(key, group);
  }
  if (groups.size === 0) return null;
  const strata = [...groups.values()];
  const interval = stratifiedPrecision(strata, { finitePopulationCorrection: true });
  const accepted = strata.reduce((sum, group) => sum + group.accepted, 0);
  const populationSize = strata.reduce((sum, group) => sum + group.populationSize, 0);
  return toBlock(interval, accepted, populationSize, strata.length);
}

function judgeAgreement(input: SummaryInput, criterion: CriterionKey): JudgeAgreement {
  const pairs: [AgreementLabel, AgreementLabel][] = [];
  for (const item of input.items) {
    const human = humanMajority(judgementsOf(item, criterion));
    const automatic = item.automatic[criterion];
    if (human === null || automatic === null) continue;
    pairs.push([human ? 'accept' : 'reject', automatic ? 'accept' : 'reject']);
  }
  const kappa = cohensKappa(pairs);
  return { kappa: kappa.kappa, observedAgreement: kappa.observedAgreement, items: pairs.length, matrix: confusionMatrix(pairs, AGREEMENT_LABELS).counts };
}

const reviewerAgreementBy: Record<number, (answers: boolean[][]) => ReviewerAgreement> = {
  2: (answers) => {
    const result = cohensKappa(answers.map(([first, second]) => [first, second] as const));
    return { method: 'cohen', kappa: result.kappa, observedAgreement: result.observedAgreement, items: result.items };
  },
  3: (answers) => {
    const result = fleissKappa(answers.map((values) => [values.filter(Boolean).length, values.filter((value) => !value).length]));
    return { method: 'fleiss', kappa: result.kappa, observedAgreement: result.observedAgreement, items: result.items };
  },
};

function reviewerAgreement(input: SummaryInput, criterion: CriterionKey): ReviewerAgreement {
  const compute = reviewerAgreementBy[input.reviewersPerItem];
  if (!compute) return { method: null, kappa: null, observedAgreement: null, items: 0 };
  const overlapping = input.items.map((item) => judgementsOf(item, criterion)).filter((values) => values.length === input.reviewersPerItem);
  return compute(overlapping);
}

function criterionStatistics(input: SummaryInput, criterion: CriterionKey): CriterionStatistics {
  const judged = new Map<string, boolean[]>();
  for (const item of input.items) {
    const majority = humanMajority(judgementsOf(item, criterion));
    if (majority === null) continue;
    const values = judged.get(item.cell) ?? [];
    values.push(majority);
    judged.set(item.cell, values);
  }
  const topics = [...new Set(input.cells.map((cell) => cell.topic))].sort();
  return {
    criterion,
    precision: estimateOver(input, judged, (cell) => cell.verdict === 'kept'),
    falseDropRate: estimateOver(input, judged, (cell) => cell.verdict === 'dropped'),
    byTopic: topics.map((topic) => ({
      topic,
      precision: estimateOver(input, judged, (cell) => cell.verdict === 'kept' && cell.topic === topic),
      falseDropRate: estimateOver(input, judged, (cell) => cell.verdict === 'dropped' && cell.topic === topic),
    })),
    judgeAgreement: judgeAgreement(input, criterion),
    reviewerAgreement: reviewerAgreement(input, criterion),
  };
}

const boundOf: Record<AuditTarget['bound'], (block: EstimateBlock) => number | null> = {
  lower: (block) => (block.estimate === null ? null : block.lower),
  estimate: (block) => block.estimate,
  upper: (block) => (block.estimate === null ? null : block.upper),
};

function evaluateTarget(target: AuditTarget, main: CriterionStatistics): TargetResult {
  const block = target.metric === 'precision' ? main.precision : main.falseDropRate;
  const description = describeTarget(target);
  if (!block) {
    const problem = target.metric === 'precision' ? 'The sample has no kept pairs.' : 'The sample has no dropped pairs (stratify by automatic verdict to estimate false drops).';
    return { target, description, criterion: main.criterion, value: null, met: false, problem };
  }
  const value = boundOf[target.bound](block);
  return {
    target,
    description,
    criterion: main.criterion,
    value,
    met: targetMet(target, block),
    problem: value === null ? 'Nothing has been answered yet.' : null,
  };
}

export function summarizeAudit(input: SummaryInput): AuditStatistics {
  const { criteria, main } = criteriaJudgements[input.criteria];
  const perCriterion = criteria.map((criterion) => criterionStatistics(input, criterion));
  const mainStatistics = perCriterion.find((entry) => entry.criterion === main) as CriterionStatistics;
  const answered = input.items.filter((item) => item.labels.length > 0).length;
  const complete = input.items.filter((item) => item.labels.length >= input.reviewersPerItem).length;
  return {
    mainCriterion: main,
    criteria: perCriterion,
    items: { total: input.items.length, answered, complete },
    target: input.target ? evaluateTarget(input.target, mainStatistics) : null,
  };
}
