import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, EmptyState, PageHeader } from '@/components/ui/card';
import { SimulatedBadge } from '@/components/ui/progress';
import { ReviewTabs } from '@/components/review/review-tabs';
import { requirePageUser } from '@/lib/auth/session';
import { listReviewSources } from '@/lib/review/dashboard';

export const metadata: Metadata = { title: 'Dashboards · Review' };

export default async function ReviewDashboardsPage() {
  await requirePageUser('review:read');
  const sources = await listReviewSources();
  return (
    <>
      <PageHeader title="Dashboards" description="Per run and per imported dataset: the funnel, pass rates per stage and topic, drop reasons, tokens and cost, and the timeline." />
      <ReviewTabs current="dashboards" />
      {sources.length === 0 ? (
        <EmptyState title="No runs or datasets yet">Import a preference dataset or start a run; its dashboard appears here.</EmptyState>
      ) : (
        <Card>
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Name</th>
                <th>Kind</th>
                <th className="text-right">Pairs</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {sources.map((source) => {
                const filter = `${source.kind}=${encodeURIComponent(source.id)}`;
                return (
                  <tr key={`${source.kind}-${source.id}`} className="border-t border-slate-100 dark:border-slate-800" data-testid={`source-${source.id}`}>
                    <td className="py-2">
                      <Link href={`/review/dashboard/${source.kind}/${source.id}`} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                        {source.name}
                      </Link>{' '}
                      {source.simulated && <SimulatedBadge />}
                      <span className="block text-xs text-slate-500">{source.detail}</span>
                    </td>
                    <td className="text-xs">{source.kind === 'run' ? 'pipeline run' : 'imported dataset'}</td>
                    <td className="text-right font-mono">{source.pairs.toLocaleString('en')}</td>
                    <td className="text-xs text-slate-500">{source.createdAt.slice(0, 10)}</td>
                    <td className="space-x-3 text-right text-xs">
                      <Link href={`/review?${filter}`} className="hover:underline">
                        Pairs
                      </Link>
                      <Link href={`/review/instructions?${filter}`} className="hover:underline">
                        Instructions
                      </Link>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
