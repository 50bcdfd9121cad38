import type { Metadata } from 'next';
import Link from 'next/link';

import { LoadSampleButton } from '@/components/corpora/load-sample-button';
import { formatCount, formatDateTime } from '@/components/imports/format';
import { ImportList } from '@/components/imports/import-list';
import { buttonClasses } from '@/components/ui/button';
import { Badge, Card, EmptyState, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { listCorpora, listDatasets, type CorpusSummary } from '@/lib/importers/corpora';
import { listImports } from '@/lib/importers/jobs/queries';

export const metadata: Metadata = { title: 'Corpora' };

function ImportStateBadge({ state }: { state: CorpusSummary['importState'] }) {
  if (state === 'RUNNING') return <Badge tone="info">importing…</Badge>;
  if (state === 'FAILED') return <Badge tone="warn" title="An import into it was interrupted; resume or delete it">incomplete</Badge>;
  return null;
}

export default async function CorporaPage() {
  const user = await requirePageUser('corpora:read');
  const [corpora, datasets, imports] = await Promise.all([listCorpora(), listDatasets(), listImports({ limit: 10 })]);
  const canWrite = can(user.role, 'corpora:write');
  const importLink = canWrite ? (
    <Link href="/corpora/imports/new" className={buttonClasses('primary')}>
      Import a file
    </Link>
  ) : undefined;

  if (corpora.length === 0 && datasets.length === 0 && imports.length === 0) {
    return (
      <>
        <PageHeader title="Corpora" description="Source texts — the human-written content that becomes the rejected side of each pair — and imported preference datasets." />
        <EmptyState
          title="No corpora yet"
          action={
            canWrite ? (
              <div className="flex flex-col items-center gap-3">
                <LoadSampleButton />
                <Link href="/corpora/imports/new" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
                  or import your own file
                </Link>
              </div>
            ) : undefined
          }
        >
          {canWrite
            ? 'Start with the bundled sample corpus (about 100 mild texts written for this project over four topics), or import a CSV, JSONL, JSON, Parquet or text file.'
            : 'A researcher or admin can import corpora.'}
        </EmptyState>
      </>
    );
  }

  return (
    <>
      <PageHeader title="Corpora" description="Source texts — the human-written content that becomes the rejected side of each pair — and imported preference datasets." actions={importLink} />
      <div className="space-y-6">
        <Card title="Corpora">
          {corpora.length === 0 ? (
            <div className="flex items-center gap-3">
              <p className="text-sm text-slate-500">No corpus yet.</p>
              {canWrite && <LoadSampleButton />}
            </div>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="text-xs uppercase text-slate-500">
                  <tr>
                    <th className="py-2 pr-4 font-medium">Name</th>
                    <th className="py-2 pr-4 text-right font-medium">Texts</th>
                    <th className="py-2 pr-4 font-medium">Topics</th>
                    <th className="py-2 font-medium">Created</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {corpora.map((corpus) => (
                    <tr key={corpus.id} data-testid="corpus-row">
                      <td className="py-2 pr-4">
                        <Link className="font-medium text-indigo-600 hover:underline dark:text-indigo-400" href={`/corpora/${corpus.id}`}>
                          {corpus.name}
                        </Link>{' '}
                        <ImportStateBadge state={corpus.importState} />
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">{formatCount(corpus.itemCount)}</td>
                      <td className="py-2 pr-4">
                        <div className="flex flex-wrap gap-1">
                          {corpus.topics.map((topic) => (
                            <Badge key={topic}>{topic}</Badge>
                          ))}
                          {corpus.topics.length === 12 && <span className="text-xs text-slate-500">…</span>}
                        </div>
                      </td>
                      <td className="py-2 text-slate-500">{formatDateTime(corpus.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>

        <Card title="Preference datasets">
          {datasets.length === 0 ? (
            <p className="text-sm text-slate-500">No imported preference dataset. Import a file of pairs (Safer-Instruct CSV, TRL, OpenAI or HH-RLHF JSONL) to review, audit and export it.</p>
          ) : (
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Name</th>
                  <th className="py-2 pr-4 text-right font-medium">Pairs</th>
                  <th className="py-2 font-medium">Created</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                {datasets.map((dataset) => (
                  <tr key={dataset.id} data-testid="dataset-row">
                    <td className="py-2 pr-4">
                      <Link className="font-medium text-indigo-600 hover:underline dark:text-indigo-400" href={`/corpora/datasets/${dataset.id}`}>
                        {dataset.name}
                      </Link>{' '}
                      <ImportStateBadge state={dataset.importState} />
                    </td>
                    <td className="py-2 pr-4 text-right tabular-nums">{formatCount(dataset.pairCount)}</td>
                    <td className="py-2 text-slate-500">{formatDateTime(dataset.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>

        <Card title="Recent imports">
          <ImportList imports={imports} />
        </Card>
      </div>
    </>
  );
}
