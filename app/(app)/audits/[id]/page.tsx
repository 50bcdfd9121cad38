import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { PageHeader, Card, Badge } from '@/components/ui/card';
import { buttonClasses } from '@/components/ui/button';
import { SafeMarkdown } from '@/components/audits/safe-markdown';
import { AuditLiveStatistics } from '@/components/audits/audit-statistics';
import { AuditStatusToggle } from '@/components/audits/audit-status-toggle';
import { formatCount } from '@/components/audits/format';
import { requirePageUser } from '@/lib/auth/session';
import { can } from '@/lib/auth/permissions';
import { computeAuditStatistics, getAuditProgress } from '@/lib/audit/statistics';
import { auditExists, scopeSourceNames } from '@/lib/audit/queries';
import { criteriaDescriptions, describeStrategy, describeTarget } from '@/lib/audit/config';
import { topicLabel } from '@/lib/audit/cells';

export const metadata: Metadata = { title: 'Audit' };

export default async function AuditPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser('audits:read');
  const { id } = await params;
  if (!(await auditExists(id))) notFound();
  const { overview, statistics } = await computeAuditStatistics(id);
  const [progress, sources] = await Promise.all([getAuditProgress(id), scopeSourceNames(overview.settings.scope)]);
  const populationSize = overview.cells.reduce((sum, cell) => sum + cell.populationSize, 0);
  const { settings } = overview;

  const actions = (
    <>
      {can(user.role, 'audits:review') && overview.status === 'OPEN' && (
        <Link href={`/audits/${id}/review`} className={buttonClasses('primary')}>
          Start reviewing
        </Link>
      )}
      <a href={`/api/audits/${id}/report?format=md`} className={buttonClasses('secondary')} download>
        Report (markdown)
      </a>
      <a href={`/api/audits/${id}/report?format=json`} className={buttonClasses('secondary')} download>
        Report (JSON)
      </a>
      {can(user.role, 'audits:write') && <AuditStatusToggle auditId={id} status={overview.status} />}
    </>
  );

  return (
    <>
      <PageHeader title={overview.name} description={`${describeStrategy(settings.stratifyBy)} · ${criteriaDescriptions[overview.criteria]}`} actions={actions} />
      <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
        <AuditLiveStatistics auditId={id} initial={{ status: overview.status, statistics, progress }} />
        <div className="space-y-6">
          <Card title="Design">
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="text-slate-500">Status</dt>
              <dd>{overview.status === 'OPEN' ? <Badge tone="info">open</Badge> : <Badge>closed</Badge>}</dd>
              <dt className="text-slate-500">Scope</dt>
              <dd>
                {[...sources.runs.map((run) => `run ${run.name}`), ...sources.datasets.map((dataset) => `dataset ${dataset.name}`)].join(', ')}
                {settings.scope.topics.length > 0 ? ` · topics: ${settings.scope.topics.map(topicLabel).join(', ')}` : ' · all topics'}
              </dd>
              <dt className="text-slate-500">Sample</dt>
              <dd>
                {formatCount(overview.sampleSize)} of {formatCount(populationSize)} pairs
              </dd>
              <dt className="text-slate-500">Seed</dt>
              <dd className="font-mono text-xs">{overview.seed}</dd>
              <dt className="text-slate-500">Reviewers</dt>
              <dd>
                {overview.reviewersPerItem} per item{overview.blind ? ', blind to the automatic verdict' : ''}
              </dd>
              <dt className="text-slate-500">Target</dt>
              <dd>{settings.target ? describeTarget(settings.target) : 'none'}</dd>
              <dt className="text-slate-500">Created</dt>
              <dd>
                {overview.createdAt.slice(0, 16).replace('T', ' ')} {overview.createdByEmail ? `by ${overview.createdByEmail}` : ''}
              </dd>
            </dl>
          </Card>
          <Card title="Strata">
            <table className="w-full text-left text-sm" data-testid="audit-strata">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-1">Verdict</th>
                  <th>Topic</th>
                  <th className="text-right">Population</th>
                  <th className="text-right">Sampled</th>
                </tr>
              </thead>
              <tbody>
                {overview.cells.map((cell) => (
                  <tr key={cell.key} className="border-t border-slate-100 dark:border-slate-800">
                    <td className="py-1">{cell.verdict}</td>
                    <td>{topicLabel(cell.topic)}</td>
                    <td className="text-right tabular-nums">{formatCount(cell.populationSize)}</td>
                    <td className="text-right tabular-nums">{formatCount(cell.sampleSize)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
          <Card title="Guidelines">{overview.guidelines.trim() ? <SafeMarkdown source={overview.guidelines} /> : <p className="text-sm text-slate-500">No guidelines.</p>}</Card>
        </div>
      </div>
    </>
  );
}
