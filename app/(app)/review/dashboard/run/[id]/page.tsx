import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { DashboardPage } from '@/components/review/dashboard-page';
import { RunCompare } from '@/components/review/run-compare';
import { requirePageUser } from '@/lib/auth/session';
import { listReferenceDatasets } from '@/lib/review/compare';
import { runDashboard } from '@/lib/review/dashboard';

export const metadata: Metadata = { title: 'Run dashboard · Review' };

export default async function RunDashboardPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser('review:read');
  const { id } = await params;
  const [data, datasets] = await Promise.all([runDashboard(decodeURIComponent(id)), listReferenceDatasets()]);
  if (!data) notFound();
  return (
    <DashboardPage data={data}>
      <RunCompare runId={data.id} datasets={datasets} />
    </DashboardPage>
  );
}
