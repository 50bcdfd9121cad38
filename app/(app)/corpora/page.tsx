import type { Metadata } from 'next';
import { PageHeader, EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Corpora' };

export default async function Page() {
  await requirePageUser('corpora:read');
  return (
    <>
      <PageHeader title="Corpora" description="Source texts — the human-written content that becomes the rejected side of each pair." />
      <EmptyState title="No corpora yet">Importing corpora arrives with the Data in milestone.</EmptyState>
    </>
  );
}
