'use client';

import { useQuery } from '@tanstack/react-query';
import { Card, Badge } from '@/components/ui/card';
import { ProgressBar } from '@/components/ui/progress';
import { TargetBadge } from '@/components/audits/target-badge';
import { formatCount, formatInterval, formatKappa, formatPercent } from '@/components/audits/format';
import { criterionLabels } from '@/lib/audit/config';
import { topicLabel } from '@/lib/audit/cells';
import { AGREEMENT_LABELS, type AuditStatistics, type CriterionStatistics, type EstimateBlock } from '@/lib/audit/summary';
import type { AuditProgress } from '@/lib/audit/statistics';

export type AuditStatsPayload = { status: 'OPEN' | 'CLOSED'; statistics: AuditStatistics; progress: AuditProgress };

async function fetchStats(auditId: string): Promise<AuditStatsPayload> {
  const response = await fetch(`/api/audits/${auditId}/stats`, { cache: 'no-store' });
  if (!response.ok) throw new Error('Could not load the statistics.');
  return (await response.json()) as AuditStatsPayload;
}

export function AuditLiveStatistics({ auditId, initial }: { auditId: string; initial: AuditStatsPayload }) {
  const query = useQuery({
    queryKey: ['audit-stats', auditId],
    queryFn: () => fetchStats(auditId),
    initialData: initial,
    staleTime: 1_000,
    refetchInterval: 2_000,
  });
  const { statistics, progress } = query.data;
  const target = statistics.target;
  return (
    <div className="space-y-6" data-testid="audit-statistics">
      <Card title="Verdict">
        <div className="flex flex-wrap items-center gap-4" data-testid="audit-verdict">
          {target ? (
            <>
              <span
                className={`text-2xl font-semibold ${target.met ? 'text-emerald-700 dark:text-emerald-400' : target.value === null ? 'text-amber-700 dark:text-amber-400' : 'text-rose-700 dark:text-rose-400'}`}
                data-testid="audit-verdict-text"
              >
                {target.met ? 'PASS' : target.value === null ? 'NOT YET' : 'FAIL'}
              </span>
              <div className="text-sm">
                <p>
                  Target: {target.description} <TargetBadge target={target} />
                </p>
                <p className="text-slate-600 dark:text-slate-400">
                  {target.value === null ? target.problem : `Now ${formatPercent(target.value)}${target.met ? '' : ' — not enough yet'}.`}
                </p>
              </div>
            </>
          ) : (
            <p className="text-sm text-slate-600 dark:text-slate-400">No target set: the estimates below are the result.</p>
          )}
        </div>
      </Card>

      <Card title="Progress">
        <ProgressBar value={progress.answered} max={progress.slots} label="Answers in this audit" />
        <p className="mt-2 text-sm" data-testid="audit-progress">
          {formatCount(progress.answered)} of {formatCount(progress.slots)} answers · {formatCount(progress.completeItems)} of {formatCount(progress.items)} items complete
          {progress.leased > 0 ? ` · ${progress.leased} in progress` : ''}
        </p>
        {progress.reviewers.length > 0 && (
          <table className="mt-3 w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1">Reviewer</th>
                <th className="text-right">Answered</th>
                <th className="text-right">In progress</th>
              </tr>
            </thead>
            <tbody>
              {progress.reviewers.map((reviewer) => (
                <tr key={reviewer.reviewerId} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1">{reviewer.email ?? reviewer.reviewerId}</td>
                  <td className="text-right tabular-nums">{reviewer.answered}</td>
                  <td className="text-right tabular-nums">{reviewer.leased}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      {statistics.criteria.map((entry) => (
        <CriterionCard key={entry.criterion} entry={entry} main={entry.criterion === statistics.mainCriterion} />
      ))}
    </div>
  );
}

function Estimate({ label, block, testId }: { label: string; block: EstimateBlock | null; testId: string }) {
  return (
    <div className="rounded-md border border-slate-200 p-3 dark:border-slate-800" data-testid={testId}>
      <p className="text-xs uppercase text-slate-500">{label}</p>
      {block ? (
        <>
          <p className="text-xl font-semibold tabular-nums">{formatPercent(block.estimate)}</p>
          <p className="text-xs text-slate-600 dark:text-slate-400">
            95% interval {block.estimate === null ? '—' : `${formatPercent(block.lower)} – ${formatPercent(block.upper)}`}
            <br />
            {block.accepted} of {block.audited} audited acceptable · population {formatCount(block.populationSize)}
            {block.strata > 1 ? ` · weighted over ${block.strata} strata` : ''}
            {block.unauditedShare > 0 ? ` · ${formatPercent(block.unauditedShare)} of the population not audited yet` : ''}
          </p>
        </>
      ) : (
        <p className="text-sm text-slate-500">not in this sample</p>
      )}
    </div>
  );
}

function CriterionCard({ entry, main }: { entry: CriterionStatistics; main: boolean }) {
  const judge = entry.judgeAgreement;
  const reviewers = entry.reviewerAgreement;
  const hasDropped = entry.falseDropRate !== null;
  return (
    <Card title={criterionLabels[entry.criterion]} actions={main ? <Badge tone="info">main criterion</Badge> : undefined}>
      <div className="space-y-4" data-testid={`criterion-${entry.criterion}`}>
        <div className="grid gap-3 sm:grid-cols-2">
          <Estimate label="Precision (kept pairs)" block={entry.precision} testId={`precision-${entry.criterion}`} />
          <Estimate label="False-drop rate (dropped pairs)" block={entry.falseDropRate} testId={`false-drop-${entry.criterion}`} />
        </div>
        {entry.byTopic.length > 1 && (
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-1">Topic</th>
                <th>Precision [95%]</th>
                <th className="text-right">Audited</th>
                {hasDropped && <th>False-drop rate [95%]</th>}
              </tr>
            </thead>
            <tbody>
              {entry.byTopic.map((topic) => (
                <tr key={topic.topic} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1">{topicLabel(topic.topic)}</td>
                  <td className="tabular-nums">{formatInterval(topic.precision)}</td>
                  <td className="text-right tabular-nums">{topic.precision ? `${topic.precision.accepted}/${topic.precision.audited}` : '—'}</td>
                  {hasDropped && <td className="tabular-nums">{formatInterval(topic.falseDropRate)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="text-sm">
            <p className="font-medium">Automatic verdict vs human majority</p>
            <p className="text-slate-600 dark:text-slate-400">
              Cohen’s κ {formatKappa(judge.kappa)} · agreement {formatPercent(judge.observedAgreement)} · {judge.items} items
            </p>
            <table className="mt-2 text-xs tabular-nums" aria-label={`Confusion matrix, ${criterionLabels[entry.criterion]}`}>
              <thead>
                <tr>
                  <th className="pr-3 text-left font-normal text-slate-500">human ↓ / automatic →</th>
                  {AGREEMENT_LABELS.map((label) => (
                    <th key={label} className="px-2 font-medium">
                      {label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {AGREEMENT_LABELS.map((label, row) => (
                  <tr key={label}>
                    <th className="pr-3 text-left font-medium">{label}</th>
                    {judge.matrix[row].map((count, column) => (
                      <td key={column} className={`px-2 text-center ${row === column ? 'font-semibold' : ''}`}>
                        {count}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="text-sm">
            <p className="font-medium">Inter-reviewer agreement</p>
            <p className="text-slate-600 dark:text-slate-400">
              {reviewers.method === null
                ? 'One reviewer per item: not measured.'
                : `${reviewers.method === 'cohen' ? 'Cohen’s' : 'Fleiss’'} κ ${formatKappa(reviewers.kappa)} · agreement ${formatPercent(reviewers.observedAgreement)} · ${reviewers.items} overlapping items`}
            </p>
          </div>
        </div>
      </div>
    </Card>
  );
}
