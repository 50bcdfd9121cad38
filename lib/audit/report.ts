/**
 * The audit report: everything needed to judge the audit later (design, strata, results, method),
 * as JSON and as markdown. `buildAuditReport` is what the export's dataset card calls; its `card`
 * field has the shape the card expects (`CardAudit`). Reviewers appear only as counts, never by
 * email, because the report may be published with the dataset.
 */
import { db, type PrismaClient } from '@/lib/db/client';
import type { CardAgreement, CardAudit } from '@/lib/audit/report-types';
import {
  criteriaDescriptions,
  criterionLabels,
  describeStrategy,
  describeTarget,
  type AuditCriteriaName,
  type StratifyDimension,
} from '@/lib/audit/config';
import { topicLabel, type VerdictGroup } from '@/lib/audit/cells';
import { computeAuditStatistics, getAuditProgress } from '@/lib/audit/statistics';
import { scopeSourceNames } from '@/lib/audit/queries';
import { AGREEMENT_LABELS, type AuditStatistics, type CriterionStatistics, type EstimateBlock } from '@/lib/audit/summary';
import type { AuditTarget } from '@/lib/audit/stats';

export const AUDIT_REPORT_FORMAT = 'safer-instruct-studio/audit-report@1';

export interface AuditReport {
  format: typeof AUDIT_REPORT_FORMAT;
  generatedAt: string;
  audit: {
    id: string;
    name: string;
    status: 'OPEN' | 'CLOSED';
    createdAt: string;
    criteria: AuditCriteriaName;
    criteriaDescription: string;
    strategy: string;
    strategyDescription: string;
    stratifyBy: StratifyDimension[];
    seed: string;
    sampleSize: number;
    requestedSampleSize: number | null;
    populationSize: number;
    reviewersPerItem: number;
    blind: boolean;
    guidelines: string;
    reasonTags: string[];
    scope: { runs: { id: string; name: string }[]; datasets: { id: string; name: string }[]; topics: string[] };
    target: (AuditTarget & { description: string }) | null;
  };
  strata: { key: string; verdict: VerdictGroup; topic: string; populationSize: number; sampleSize: number }[];
  progress: { items: number; slots: number; answered: number; completeItems: number; reviewers: number; answersPerReviewer: number[] };
  statistics: AuditStatistics;
  reasonTagCounts: Record<string, number>;
  card: Pick<CardAudit, 'audited' | 'accepted' | 'rejected' | 'precision' | 'agreement'>;
  method: string[];
}

const METHOD = [
  'Sample drawn in the database by seeded hash rank: each pair gets rank = first 52 bits of md5(seed || pair id) and each stratum takes its lowest ranks, so the same seed reproduces the same sample.',
  'Strata are allocated proportionally to their population, at least one pair each, by largest remainder.',
  'An item’s human judgement is the majority of its reviewers’ answers; a tie counts as a rejection.',
  'Precision = share of sampled kept pairs judged acceptable; false-drop rate = share of sampled dropped pairs judged acceptable. Both use the Wilson score 95% interval (z = 1.96); stratified samples are reweighted by stratum population (effective-sample-size Wilson interval) with the finite-population correction.',
  'Judge-vs-human agreement: Cohen’s κ between the human majority and the automatic verdict of the same criterion (instruction filter, response filter, or kept/dropped).',
  'Inter-reviewer agreement on items answered by every assigned reviewer: Cohen’s κ for two reviewers per item, Fleiss’ κ for three.',
];

function agreementEntries(main: CriterionStatistics): CardAgreement[] {
  const entries: CardAgreement[] = [];
  if (main.judgeAgreement.kappa !== null) {
    entries.push({ measure: "Cohen's κ", between: 'automatic verdict and human majority', value: main.judgeAgreement.kappa, items: main.judgeAgreement.items });
  }
  const reviewers = main.reviewerAgreement;
  if (reviewers.kappa !== null && reviewers.method) {
    entries.push({ measure: reviewers.method === 'cohen' ? "Cohen's κ" : "Fleiss' κ", between: 'human reviewers', value: reviewers.kappa, items: reviewers.items });
  }
  return entries;
}

export async function buildAuditReport(auditId: string, client: PrismaClient = db()): Promise<AuditReport> {
  const [{ overview, statistics }, progress] = await Promise.all([computeAuditStatistics(auditId, client), getAuditProgress(auditId, client)]);
  const sources = await scopeSourceNames(overview.settings.scope, client);
  const tagRows = await client.$queryRawUnsafe<{ tag: string; count: number }[]>(
    `SELECT t.tag, count(*)::int AS count
     FROM "AuditLabel" l JOIN "AuditItem" i ON i."id" = l."auditItemId", unnest(l."reasonTags") AS t(tag)
     WHERE i."auditId" = $1 AND l."answeredAt" IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    auditId,
  );
  const main = statistics.criteria.find((entry) => entry.criterion === statistics.mainCriterion) as CriterionStatistics;
  const precision = main.precision;
  const target = overview.settings.target;
  return {
    format: AUDIT_REPORT_FORMAT,
    generatedAt: new Date().toISOString(),
    audit: {
      id: overview.id,
      name: overview.name,
      status: overview.status,
      createdAt: overview.createdAt,
      criteria: overview.criteria,
      criteriaDescription: criteriaDescriptions[overview.criteria],
      strategy: overview.strategy,
      strategyDescription: describeStrategy(overview.settings.stratifyBy),
      stratifyBy: overview.settings.stratifyBy,
      seed: overview.seed,
      sampleSize: overview.sampleSize,
      requestedSampleSize: overview.settings.requestedSampleSize ?? null,
      populationSize: overview.cells.reduce((sum, cell) => sum + cell.populationSize, 0),
      reviewersPerItem: overview.reviewersPerItem,
      blind: overview.blind,
      guidelines: overview.guidelines,
      reasonTags: overview.settings.reasonTags,
      scope: { ...sources, topics: overview.settings.scope.topics },
      target: target ? { ...target, description: describeTarget(target) } : null,
    },
    strata: overview.cells.map(({ key, verdict, topic, populationSize, sampleSize }) => ({ key, verdict, topic, populationSize, sampleSize })),
    progress: {
      items: progress.items,
      slots: progress.slots,
      answered: progress.answered,
      completeItems: progress.completeItems,
      reviewers: progress.reviewers.length,
      answersPerReviewer: progress.reviewers.map((reviewer) => reviewer.answered),
    },
    statistics,
    reasonTagCounts: Object.fromEntries(tagRows.map((row) => [row.tag, Number(row.count)])),
    card: {
      audited: precision?.audited ?? 0,
      accepted: precision?.accepted ?? 0,
      rejected: precision ? precision.audited - precision.accepted : 0,
      precision: precision && precision.estimate !== null ? { estimate: precision.estimate, low: precision.lower, high: precision.upper, level: 0.95 } : undefined,
      agreement: agreementEntries(main),
    },
    method: METHOD,
  };
}

/** Text from users (names, topics, tags) cannot inject markdown structure into the report. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_{}[\]<>()#+!|~-]/g, '\\$&');
}

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const fixed = (value: number | null, digits = 3) => (value === null ? '—' : value.toFixed(digits));

function table(headers: string[], rows: (string | number)[][]): string {
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

function intervalCells(block: EstimateBlock | null): string[] {
  if (!block) return ['—', '—', '—', '—'];
  return [percent(block.estimate), block.estimate === null ? '—' : `${percent(block.lower)} – ${percent(block.upper)}`, `${block.accepted}/${block.audited}`, String(block.populationSize)];
}

function criterionSection(entry: CriterionStatistics, reviewersPerItem: number): string[] {
  const lines = [`### ${criterionLabels[entry.criterion]}`, ''];
  lines.push(
    table(
      ['estimate', 'value', '95% interval', 'acceptable / audited', 'population'],
      [
        ['precision (kept pairs)', ...intervalCells(entry.precision)],
        ['false-drop rate (dropped pairs)', ...intervalCells(entry.falseDropRate)],
      ],
    ),
    '',
  );
  if (entry.byTopic.length > 1) {
    lines.push(
      '#### By topic',
      '',
      table(
        ['topic', 'precision', '95% interval', 'acceptable / audited', 'false-drop rate', '95% interval'],
        entry.byTopic.map((topic) => {
          const precision = intervalCells(topic.precision);
          const drops = intervalCells(topic.falseDropRate);
          return [escapeMarkdown(topicLabel(topic.topic)), precision[0], precision[1], precision[2], drops[0], drops[1]];
        }),
      ),
      '',
    );
  }
  const judge = entry.judgeAgreement;
  lines.push(
    `Automatic verdict vs human majority: Cohen’s κ = ${fixed(judge.kappa)} over ${judge.items} item(s), observed agreement ${percent(judge.observedAgreement)}.`,
    '',
    table(
      ['human \\ automatic', ...AGREEMENT_LABELS],
      AGREEMENT_LABELS.map((label, row) => [label, ...judge.matrix[row].map(String)]),
    ),
    '',
  );
  const reviewers = entry.reviewerAgreement;
  lines.push(
    reviewersPerItem < 2 || !reviewers.method
      ? 'Inter-reviewer agreement: one reviewer per item, not measured.'
      : `Inter-reviewer agreement (${reviewers.method === 'cohen' ? 'Cohen’s' : 'Fleiss’'} κ): ${fixed(reviewers.kappa)} over ${reviewers.items} item(s) with ${reviewersPerItem} answers, observed agreement ${percent(reviewers.observedAgreement)}.`,
    '',
  );
  return lines;
}

export function auditReportMarkdown(report: AuditReport): string {
  const { audit, statistics } = report;
  const scope = [
    ...audit.scope.runs.map((run) => `run ${escapeMarkdown(run.name)}`),
    ...audit.scope.datasets.map((dataset) => `dataset ${escapeMarkdown(dataset.name)}`),
  ].join(', ');
  const target = statistics.target;
  const verdict = !target ? 'no target set' : target.met ? '**met**' : `**not met**${target.problem ? ` (${escapeMarkdown(target.problem)})` : ''}`;
  const lines = [
    `# Audit report: ${escapeMarkdown(audit.name)}`,
    '',
    `Generated ${report.generatedAt} · audit ${audit.status.toLowerCase()} · created ${audit.createdAt}`,
    '',
    '## Design',
    '',
    table(
      ['', ''],
      [
        ['scope', `${scope}${audit.scope.topics.length ? `; topics: ${audit.scope.topics.map((topic) => escapeMarkdown(topicLabel(topic))).join(', ')}` : '; all topics'}`],
        ['strategy', escapeMarkdown(audit.strategyDescription)],
        ['sample', `${audit.sampleSize} of ${audit.populationSize} pairs, seed ${escapeMarkdown(audit.seed)}`],
        ['criteria', escapeMarkdown(audit.criteriaDescription)],
        ['reviewers per item', `${audit.reviewersPerItem}${audit.blind ? ' (blind to the automatic verdict)' : ''}`],
        ['target', target ? `${escapeMarkdown(target.description)}: ${verdict}${target.value !== null ? ` (value ${percent(target.value)})` : ''}` : 'none'],
      ],
    ),
    '',
    '## Progress',
    '',
    `${report.progress.answered} of ${report.progress.slots} answers from ${report.progress.reviewers} reviewer(s); ${report.progress.completeItems} of ${report.progress.items} items complete.`,
    '',
    '## Results',
    '',
    ...statistics.criteria.flatMap((entry) => criterionSection(entry, audit.reviewersPerItem)),
    '## Strata',
    '',
    table(
      ['automatic verdict', 'topic', 'population', 'sampled'],
      report.strata.map((stratum) => [stratum.verdict, escapeMarkdown(topicLabel(stratum.topic)), stratum.populationSize, stratum.sampleSize]),
    ),
    '',
  ];
  const tags = Object.entries(report.reasonTagCounts);
  if (tags.length > 0) {
    lines.push('## Reason tags', '', table(['tag', 'answers'], tags.map(([tag, count]) => [escapeMarkdown(tag), count])), '');
  }
  lines.push('## Method', '', ...report.method.map((line) => `- ${line}`), '');
  return lines.join('\n');
}

