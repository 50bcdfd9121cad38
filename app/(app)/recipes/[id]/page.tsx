import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { RecipeEditor } from '@/components/pipeline/recipe-editor';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { stageNameLabels } from '@/lib/pipeline/stage-names';
import { listCorpusOptions } from '@/lib/pipeline/items';
import { promptProvenanceLabels, stageNames } from '@/lib/pipeline/prompts';
import { editorSample } from '@/lib/pipeline/sample-corpus';
import { getRecipe, listEndpointOptions } from '@/lib/pipeline/recipes';

export const metadata: Metadata = { title: 'Recipe' };
export const dynamic = 'force-dynamic';

export default async function RecipePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ version?: string; saved?: string }> }) {
  const user = await requirePageUser('recipes:read');
  const { id } = await params;
  const { version: versionParam, saved } = await searchParams;
  const recipe = await getRecipe(id);
  if (!recipe) notFound();
  const latest = recipe.versions[0];
  const shown = recipe.versions.find((version) => String(version.version) === versionParam) ?? latest;
  const [endpoints, corpora, sample] = await Promise.all([listEndpointOptions(), listCorpusOptions(), editorSample()]);
  const canWrite = can(user.role, 'recipes:write');
  return (
    <>
      <PageHeader
        title={recipe.name}
        description={recipe.description ?? undefined}
        actions={
          <>
            {can(user.role, 'runs:write') && (
              <Link href={`/runs/new?version=${shown.id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
                Start a run with v{shown.version}
              </Link>
            )}
            {canWrite && (
              <Link href={`/recipes/new?from=${shown.id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
                Copy as a new recipe
              </Link>
            )}
          </>
        }
      />
      {saved === '1' && (
        <p role="status" className="mb-4 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
          Saved as version {shown.version}.
        </p>
      )}
      <Card title="Versions" className="mb-4">
        <ul className="flex flex-wrap gap-2 text-sm" data-testid="recipe-versions">
          {recipe.versions.map((version) => (
            <li key={version.id}>
              <Link href={`/recipes/${recipe.id}?version=${version.version}`} className={version.id === shown.id ? 'font-semibold' : 'text-indigo-600 hover:underline dark:text-indigo-400'}>
                v{version.version}
              </Link>
              <span className="ml-1 text-xs text-slate-500">
                {version.createdAt.toISOString().slice(0, 10)} · {version.runCount} run{version.runCount === 1 ? '' : 's'}
              </span>
              {version.id === latest.id && <span className="ml-1"><Badge tone="info">latest</Badge></span>}
            </li>
          ))}
        </ul>
        <p className="mt-2 text-xs text-slate-500">
          Showing v{shown.version}. {canWrite ? `Saving creates v${latest.version + 1}; existing versions never change.` : 'You can read recipes; editing needs the researcher role.'}
        </p>
        <table className="mt-3 text-xs" data-testid="prompt-provenance">
          <caption className="text-left font-semibold text-slate-600 dark:text-slate-300">Where v{shown.version}&apos;s prompts come from</caption>
          <tbody>
            {stageNames.map((stage) => (
              <tr key={stage}>
                <th scope="row" className="pr-3 text-left font-normal text-slate-500">{stageNameLabels[stage]}</th>
                <td title={shown.provenance[stage].note}>{promptProvenanceLabels[shown.provenance[stage].provenance]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <RecipeEditor
        key={shown.id}
        target={{ kind: 'version', recipeId: recipe.id, latestVersion: latest.version }}
        initialConfig={shown.config}
        endpoints={endpoints}
        corpora={corpora.map((corpus) => ({ id: corpus.id, name: corpus.name }))}
        sample={sample}
        canWrite={canWrite}
        blurred={user.blurHarmful}
      />
    </>
  );
}
