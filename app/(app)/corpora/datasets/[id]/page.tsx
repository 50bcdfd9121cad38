import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';

import { browseHref, Pager, SearchForm, TopicChips } from '@/components/corpora/browse-controls';
import { DeleteWithConfirmation } from '@/components/corpora/delete-with-confirmation';
import { PairList } from '@/components/corpora/item-lists';
import { ContentNote } from '@/components/harmful-text';
import { formatCount, formatDateTime } from '@/components/imports/format';
import { ImportList } from '@/components/imports/import-list';
import { Card, EmptyState, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { getDataset, listDatasetPairs, metadataText, parseBrowseParams } from '@/lib/importers/corpora';
import { listImports } from '@/lib/importers/jobs/queries';

export const metadata: Metadata = { title: 'Preference dataset' };

export default async function DatasetPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser('corpora:read');
  const { id } = await params;
  const browse = parseBrowseParams(await searchParams);
  const dataset = await getDataset(id);
  if (!dataset) notFound();
  const [page, imports] = await Promise.all([
    listDatasetPairs(id, { query: browse.query, topic: browse.topic }, { after: browse.after, before: browse.before }),
    listImports({ datasetId: id, limit: 5 }),
  ]);
  const base = `/corpora/datasets/${id}`;
  const state = { q: browse.query, topic: browse.topic };
  return (
    <>
      <PageHeader
        title={dataset.name}
        description={dataset.description ?? 'Imported preference pairs. Review, audits and exports treat them like pipeline output.'}
        actions={
          <Link href="/corpora" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
            ← Corpora
          </Link>
        }
      />
      <ContentNote />
      <div className="space-y-6">
        <Card>
          <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4">
            <div>
              <dt className="text-xs text-slate-500">Pairs</dt>
              <dd className="text-lg font-semibold tabular-nums" data-testid="dataset-pair-count">
                {formatCount(dataset.pairCount)}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Chosen missing</dt>
              <dd className="text-lg font-semibold tabular-nums">{formatCount(dataset.missingChosen)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Rejected missing</dt>
              <dd className="text-lg font-semibold tabular-nums" data-testid="dataset-missing-rejected">
                {formatCount(dataset.missingRejected)}
              </dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Created</dt>
              <dd className="text-sm">{formatDateTime(dataset.createdAt)}</dd>
            </div>
          </dl>
          <div className="mt-4">
            <TopicChips base={base} state={state} counts={dataset.topicCounts} />
          </div>
        </Card>

        <Card title="Pairs" actions={<SearchForm base={base} state={state} label="Search the pairs" />}>
          {page.items.length === 0 ? (
            <EmptyState title={state.q || state.topic ? 'No pair matches' : 'No pairs'}>
              {state.q || state.topic ? (
                <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={browseHref(base, { q: null, topic: null })}>
                  Show all pairs
                </Link>
              ) : null}
            </EmptyState>
          ) : (
            <div className="space-y-4">
              <PairList
                blurred={user.blurHarmful}
                items={page.items.map((item) => ({
                  id: item.id.toString(),
                  instruction: item.instruction,
                  chosen: item.chosen,
                  rejected: item.rejected,
                  topic: item.topic,
                  externalId: item.externalId,
                  metadata: metadataText(item.metadata),
                }))}
              />
              <Pager base={base} state={state} prevBefore={page.prevBefore} nextAfter={page.nextAfter} />
            </div>
          )}
        </Card>

        <Card title="Import">
          <ImportList imports={imports} showTarget={false} />
        </Card>

        {can(user.role, 'corpora:write') && (
          <Card title="Danger zone">
            <DeleteWithConfirmation kind="dataset" id={dataset.id} name={dataset.name} itemCount={dataset.pairCount} />
          </Card>
        )}
      </div>
    </>
  );
}
