import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Card, PageHeader } from '@/components/ui/card';
import { RunProgress } from '@/components/pipeline/run-progress';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { getRunSummary } from '@/lib/pipeline/items';
import { getRunProgress } from '@/lib/pipeline/progress';
import { storedSelectionSchema } from '@/lib/pipeline/selection';

export const metadata: Metadata = { title: 'Run' };
export const dynamic = 'force-dynamic';

function describeSelection(selection: unknown): string {
  const parsed = storedSelectionSchema.safeParse(selection);
  if (!parsed.success) return 'unknown selection';
  const { corpusIds, topics, limit } = parsed.data;
  const limits: Record<typeof limit.kind, string> = {
    all: 'all texts',
    first: limit.kind === 'first' ? `the first ${limit.count}` : '',
    sample: limit.kind === 'sample' ? `a random sample of ${limit.size} (seed “${limit.seed}”)` : '',
  };
  return `${limits[limit.kind]} of ${corpusIds.length} corpus${corpusIds.length === 1 ? '' : 'es'}${topics.length > 0 ? `, topics ${topics.join(', ')}` : ''}`;
}

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requirePageUser('runs:read');
  const { id } = await params;
  const [summary, progress] = await Promise.all([getRunSummary(id), getRunProgress(id)]);
  if (!summary || !progress) notFound();
  return (
    <>
      <PageHeader
        title={summary.name}
        description={`Recipe ${summary.recipeName} v${summary.recipeVersion} · ${describeSelection(summary.selection)}`}
        actions={
          <>
            <Link href={`/runs/${id}/items`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
              Items and stage results
            </Link>
            <Link href={`/review?run=${id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
              Review pairs
            </Link>
          </>
        }
      />
      <RunProgress initial={progress} canWrite={can(user.role, 'runs:write')} />
      <Card title="Reproducibility" className="mt-4">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          This run used recipe version{' '}
          <Link href={`/recipes/${summary.recipeId}?version=${summary.recipeVersion}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
            {summary.recipeName} v{summary.recipeVersion}
          </Link>
          , which never changes. Selection seed: <code>{summary.seed}</code>.
        </p>
      </Card>
    </>
  );
}
