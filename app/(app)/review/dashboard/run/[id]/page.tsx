import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/ui/card';
import { DashboardView } from '@/components/review/dashboard-view';
import { ReviewTabs } from '@/components/review/review-tabs';
import { requirePageUser } from '@/lib/auth/session';
import { RunCompare } from '@/components/review/run-compare';
import { listReferenceDatasets } from '@/lib/review/compare';
import { runDashboard } from '@/lib/review/dashboard';

export const metadata: Metadata = { title: 'Run dashboard · Review' };

export default async function RunDashboardPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser('review:read');
  const { id } = await params;
  const [data, datasets] = await Promise.all([runDashboard(decodeURIComponent(id)), listReferenceDatasets()]);
  if (!data) notFound();
  return (
    <>
      <PageHeader title={data.title} />
      <ReviewTabs current="dashboards" />
      <DashboardView initial={data} />
      <div className="mt-4">
        <RunCompare runId={data.id} datasets={datasets} />
      </div>
    </>
  );
}
