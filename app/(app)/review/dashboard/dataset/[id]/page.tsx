import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { DashboardPage } from '@/components/review/dashboard-page';
import { requirePageUser } from '@/lib/auth/session';
import { datasetDashboard } from '@/lib/review/dashboard';

export const metadata: Metadata = { title: 'Dataset dashboard · Review' };

export default async function DatasetDashboardPage({ params }: { params: Promise<{ id: string }> }) {
  await requirePageUser('review:read');
  const { id } = await params;
  const data = await datasetDashboard(decodeURIComponent(id));
  if (!data) notFound();
  return <DashboardPage data={data} />;
}
