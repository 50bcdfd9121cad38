import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/card';
import { RecipeEditor } from '@/components/pipeline/recipe-editor';
import { requirePageUser } from '@/lib/auth/session';
import { listCorpusOptions } from '@/lib/pipeline/items';
import { editorSample } from '@/lib/pipeline/sample-corpus';
import { builtInDefinitions, getRecipeVersion, listEndpointOptions } from '@/lib/pipeline/recipes';

export const metadata: Metadata = { title: 'New recipe' };
export const dynamic = 'force-dynamic';

export default async function NewRecipePage({ searchParams }: { searchParams: Promise<{ from?: string }> }) {
  const user = await requirePageUser('recipes:write');
  const { from } = await searchParams;
  const source = from ? await getRecipeVersion(from) : null;
  const starter = builtInDefinitions[0];
  const config = source ? source.config : starter.config;
  const [endpoints, corpora, sample] = await Promise.all([listEndpointOptions(), listCorpusOptions(), editorSample()]);
  return (
    <>
      <PageHeader title="New recipe" description={source ? `Starting from ${source.recipeName} v${source.version}.` : `Starting from the built-in ${starter.name} prompts.`} />
      <RecipeEditor
        target={{ kind: 'new' }}
        initialConfig={config}
        initialName={source ? `${source.recipeName} (copy)` : ''}
        endpoints={endpoints}
        corpora={corpora.map((corpus) => ({ id: corpus.id, name: corpus.name }))}
        sample={sample}
        canWrite
        blurred={user.blurHarmful}
      />
    </>
  );
}
