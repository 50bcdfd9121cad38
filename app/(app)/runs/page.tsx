import type { Metadata } from 'next';
import { PageHeader, EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Runs' };

export default async function Page() {
  await requirePageUser('runs:read');
  return (
    <>
      <PageHeader title="Runs" description="Pipeline runs: induce, filter, generate and filter again." />
      <EmptyState title="No runs yet">Runs arrive with the pipeline milestone.</EmptyState>
    </>
  );
}
