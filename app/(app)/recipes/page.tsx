import type { Metadata } from 'next';
import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { ensureBuiltInRecipes, listRecipes } from '@/lib/pipeline/recipes';

export const metadata: Metadata = { title: 'Recipes' };
export const dynamic = 'force-dynamic';

export default async function RecipesPage() {
  const user = await requirePageUser('recipes:read');
  await ensureBuiltInRecipes();
  const recipes = await listRecipes();
  const canWrite = can(user.role, 'recipes:write');
  return (
    <>
      <PageHeader
        title="Recipes"
        description="A recipe says how a run works: topics, and for each stage the endpoint, model, prompt template and parameters. Editing creates a new version; versions used by runs never change."
        actions={
          <>
            <Link href="/recipes/reversed-data" className={buttonClasses('secondary')}>
              Reversed-tuning data
            </Link>
            {canWrite && (
              <Link href="/recipes/new" className={buttonClasses('primary')}>
                New recipe
              </Link>
            )}
          </>
        }
      />
      <div className="grid gap-4 md:grid-cols-2" data-testid="recipes">
        {recipes.map((recipe) => (
          <Card key={recipe.id}>
            <div className="flex items-start justify-between gap-2">
              <Link href={`/recipes/${recipe.id}`} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                {recipe.name}
              </Link>
              <span className="flex gap-1">
                {recipe.builtIn && <Badge tone="info">built in</Badge>}
                <Badge>v{recipe.latestVersion}</Badge>
              </span>
            </div>
            {recipe.description && <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">{recipe.description}</p>}
            <p className="mt-2 text-xs text-slate-500">
              Topics: {recipe.topics.join(', ') || '—'} · endpoints: {recipe.endpoints.join(', ')} · {recipe.runCount} run{recipe.runCount === 1 ? '' : 's'}
            </p>
            {can(user.role, 'runs:write') && (
              <Link href={`/runs/new?version=${recipe.latestVersionId}`} className="mt-3 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">
                Start a run with v{recipe.latestVersion}
              </Link>
            )}
          </Card>
        ))}
      </div>
    </>
  );
}
