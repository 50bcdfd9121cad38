import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';

import { browseHref, Pager, SearchForm, TopicChips } from '@/components/corpora/browse-controls';
import { DeleteWithConfirmation } from '@/components/corpora/delete-with-confirmation';
import { SourceTextList } from '@/components/corpora/item-lists';
import { ContentNote } from '@/components/harmful-text';
import { formatCount, formatDateTime } from '@/components/imports/format';
import { ImportList } from '@/components/imports/import-list';
import { Card, EmptyState, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { getCorpus, listSourceTexts, metadataText, parseBrowseParams } from '@/lib/importers/corpora';
import { listImports } from '@/lib/importers/jobs/queries';

export const metadata: Metadata = { title: 'Corpus' };

export default async function CorpusPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser('corpora:read');
  const { id } = await params;
  const browse = parseBrowseParams(await searchParams);
  const corpus = await getCorpus(id);
  if (!corpus) notFound();
  const [page, imports] = await Promise.all([
    listSourceTexts(id, { query: browse.query, topic: browse.topic }, { after: browse.after, before: browse.before }),
    listImports({ corpusId: id, limit: 20 }),
  ]);
  const base = `/corpora/${id}`;
  const state = { q: browse.query, topic: browse.topic };
  return (
    <>
      <PageHeader
        title={corpus.name}
        description={corpus.description ?? undefined}
        actions={
          <Link href="/corpora" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
            ← Corpora
          </Link>
        }
      />
      <ContentNote />
      {corpus.importState && (
        <p role="status" className="mb-4 rounded-md border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm text-indigo-900 dark:border-indigo-900 dark:bg-indigo-950 dark:text-indigo-200">
          {corpus.importState === 'RUNNING' ? 'An import into this corpus is running; the texts below are not complete yet.' : 'An import into this corpus was interrupted: its texts are incomplete until you resume or delete it (see the imports below).'}
        </p>
      )}
      <div className="space-y-6">
        <Card>
          <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
            <div>
              <dt className="text-xs text-slate-500">Texts</dt>
              <dd className="text-lg font-semibold tabular-nums" data-testid="corpus-item-count">
                {formatCount(corpus.itemCount)}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Duplicates skipped</dt>
              <dd className="text-lg font-semibold tabular-nums">{formatCount(corpus.duplicateCount)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Topics</dt>
              <dd className="text-lg font-semibold tabular-nums">{corpus.topicCounts.length}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Created</dt>
              <dd className="text-sm">{formatDateTime(corpus.createdAt)}</dd>
            </div>
          </dl>
          <div className="mt-4">
            <TopicChips base={base} state={state} counts={corpus.topicCounts} />
          </div>
        </Card>

        <Card title="Texts" actions={<SearchForm base={base} state={state} label="Search the texts" />}>
          {page.items.length === 0 ? (
            <EmptyState title={state.q || state.topic ? 'No text matches' : 'No texts'}>
              {state.q || state.topic ? (
                <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={browseHref(base, { q: null, topic: null })}>
                  Show all texts
                </Link>
              ) : null}
            </EmptyState>
          ) : (
            <div className="space-y-4">
              <SourceTextList
                blurred={user.blurHarmful}
                items={page.items.map((item) => ({ id: item.id.toString(), text: item.text, topic: item.topic, externalId: item.externalId, metadata: metadataText(item.metadata), line: item.line }))}
              />
              <Pager base={base} state={state} prevBefore={page.prevBefore} nextAfter={page.nextAfter} />
            </div>
          )}
        </Card>

        <Card title="Imports">
          <ImportList imports={imports} showTarget={false} />
        </Card>

        {can(user.role, 'corpora:write') && (
          <Card title="Danger zone">
            <DeleteWithConfirmation kind="corpus" id={corpus.id} name={corpus.name} itemCount={corpus.itemCount} />
          </Card>
        )}
      </div>
    </>
  );
}
