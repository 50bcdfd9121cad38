import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/card';
import { NewRunForm } from '@/components/pipeline/new-run-form';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { hasRealEndpoints } from '@/lib/llm/endpoints';
import { listCorpusOptions } from '@/lib/pipeline/items';
import { ensureBuiltInRecipes, listRecipeVersionOptions } from '@/lib/pipeline/recipes';

export const metadata: Metadata = { title: 'New run' };
export const dynamic = 'force-dynamic';

export default async function NewRunPage({ searchParams }: { searchParams: Promise<{ version?: string }> }) {
  const user = await requirePageUser('runs:write');
  await ensureBuiltInRecipes();
  const [versions, corpora, realEndpoints] = await Promise.all([listRecipeVersionOptions(), listCorpusOptions(), hasRealEndpoints()]);
  const { version } = await searchParams;
  // Without a real provider the simulator recipe is the one that can run.
  const runnable = (candidate: (typeof versions)[number]) => candidate.latest && candidate.simulatedHint === !realEndpoints;
  const fallback =
    versions.find((candidate) => runnable(candidate) && candidate.isDefault) ?? versions.find(runnable) ?? versions.find((candidate) => candidate.latest);
  const defaultVersionId = versions.find((candidate) => candidate.id === version)?.id ?? fallback?.id ?? null;
  return (
    <>
      <PageHeader title="New run" description="Choose a recipe version and the texts to turn into preference pairs." />
      <NewRunForm versions={versions} corpora={corpora} defaultVersionId={defaultVersionId} canLoadSample={can(user.role, 'corpora:write')} />
    </>
  );
}
