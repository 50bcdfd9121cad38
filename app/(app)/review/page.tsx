import type { Metadata } from 'next';
import { PageHeader, EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Review' };

export default async function Page() {
  await requirePageUser('review:read');
  return (
    <>
      <PageHeader title="Review" description="Filtered instructions and preference pairs, with every verdict and reason." />
      <EmptyState title="Nothing to review yet">Pairs appear here once a run finishes or a preference dataset is imported.</EmptyState>
    </>
  );
}
