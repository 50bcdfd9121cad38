import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { PageHeader } from '@/components/ui/card';
import { DashboardView } from '@/components/review/dashboard-view';
import { ReviewTabs } from '@/components/review/review-tabs';
import { requirePageUser } from '@/lib/auth/session';
import { datasetDashboard } from '@/lib/review/dashboard';

export const metadata: Metadata = { title: 'Dataset dashboard · Review' };

export default async function DatasetDashboardPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser('review:read');
  const { id } = await params;
  const data = await datasetDashboard(decodeURIComponent(id));
  if (!data) notFound();
  return (
    <>
      <PageHeader title={data.title} />
      <ReviewTabs current="dashboards" />
      <DashboardView initial={data} />
    </>
  );
}
