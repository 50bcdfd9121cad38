import type { Metadata } from 'next';
import Link from 'next/link';
import { PageHeader, EmptyState, Card, Badge } from '@/components/ui/card';
import { buttonClasses } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress';
import { TargetBadge } from '@/components/audits/target-badge';
import { formatInterval } from '@/components/audits/format';
import { requirePageUser } from '@/lib/auth/session';
import { can } from '@/lib/auth/permissions';
import { listAudits } from '@/lib/audit/queries';
import { criterionLabels, describeStrategy, STRATIFY_DIMENSIONS } from '@/lib/audit/config';

export const metadata: Metadata = { title: 'Audits' };

function strategyLabel(strategy: string): string {
  const dimensions = strategy.startsWith('stratified:') ? strategy.slice('stratified:'.length).split('+') : [];
  return describeStrategy(STRATIFY_DIMENSIONS.filter((dimension) => dimensions.includes(dimension)));
}

export default async function AuditsPage() {
  const user = await requirePageUser('audits:read');
  const audits = await listAudits();
  const canWrite = can(user.role, 'audits:write');
  const canReview = can(user.role, 'audits:review');
  const newButton = canWrite ? (
    <Link href="/audits/new" className={buttonClasses('primary')}>
      New audit
    </Link>
  ) : undefined;
  return (
    <>
      <PageHeader title="Audits" description="Spot-check a random sample and measure, with stated confidence, how good the dataset and the automatic filters are." actions={newButton} />
      {audits.length === 0 ? (
        <EmptyState title="No audits yet" action={newButton}>
          An audit draws a seeded random sample of pairs, has reviewers judge each one, and estimates precision and false drops with 95% intervals.
        </EmptyState>
      ) : (
        <Card>
          <table className="w-full text-left text-sm" data-testid="audits-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Audit</th>
                <th>Progress</th>
                <th>Precision (95%)</th>
                <th>Target</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {audits.map((audit) => (
                <tr key={audit.id} className="border-t border-slate-100 align-top dark:border-slate-800" data-testid={`audit-row-${audit.id}`}>
                  <td className="py-2 pr-4">
                    <Link href={`/audits/${audit.id}`} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                      {audit.name}
                    </Link>
                    <span className="ml-2">{audit.status === 'OPEN' ? <Badge tone="info">open</Badge> : <Badge>closed</Badge>}</span>
                    <span className="block text-xs text-slate-500">
                      {audit.sampleSize} pairs · {strategyLabel(audit.strategy)} · {criterionLabels[audit.mainCriterion]} · {audit.reviewersPerItem} reviewer
                      {audit.reviewersPerItem === 1 ? '' : 's'} per item · {new Date(audit.createdAt).toISOString().slice(0, 10)}
                    </span>
                  </td>
                  <td className="w-48 py-2 pr-4">
                    <ProgressBar value={audit.progress.answered} max={audit.progress.slots} label={`Answers in ${audit.name}`} />
                    <span className="text-xs text-slate-500">
                      {audit.progress.answered} / {audit.progress.slots} answers
                    </span>
                  </td>
                  <td className="whitespace-nowrap py-2 pr-4 tabular-nums">{formatInterval(audit.precision)}</td>
                  <td className="whitespace-nowrap py-2 pr-4">
                    <TargetBadge target={audit.target} />
                  </td>
                  <td className="py-2 text-right">
                    {canReview && audit.status === 'OPEN' && (
                      <Link href={`/audits/${audit.id}/review`} className={buttonClasses('secondary')}>
                        Review
                      </Link>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
