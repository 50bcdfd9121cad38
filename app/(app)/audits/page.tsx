import type { Metadata } from 'next';
import { PageHeader, EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Audits' };

export default async function Page() {
  await requirePageUser('audits:read');
  return (
    <>
      <PageHeader title="Audits" description="Spot-check a random sample and measure how good the dataset is." />
      <EmptyState title="No audits yet">Audits arrive with the spot-check milestone.</EmptyState>
    </>
  );
}
