import type { Metadata } from 'next';
import { PageHeader, EmptyState } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';

export const metadata: Metadata = { title: 'Recipes' };

export default async function Page() {
  await requirePageUser('recipes:read');
  return (
    <>
      <PageHeader title="Recipes" description="Versioned pipeline settings: topics, models and prompts for each stage." />
      <EmptyState title="No recipes yet">Recipes arrive with the pipeline milestone.</EmptyState>
    </>
  );
}
