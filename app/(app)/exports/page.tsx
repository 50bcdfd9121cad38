import type { Metadata } from 'next';
import { PageHeader, EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Exports' };

export default async function Page() {
  await requirePageUser('exports:read');
  return (
    <>
      <PageHeader title="Exports" description="Download training-ready datasets with a dataset card and manifest." />
      <EmptyState title="No exports yet">Exports arrive with the export milestone.</EmptyState>
    </>
  );
}
