'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';

import { cancelImportAction, deleteImportAction, resumeImportAction } from '@/lib/actions/corpora';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress';
import type { ImportPhase } from '@/lib/importers/jobs/config';
import type { ImportView } from '@/lib/importers/jobs/queries';

import { formatBytes, formatCount } from './format';
import { ImportStatusBadge } from './import-status-badge';

const phaseLabels: Record<ImportPhase, string> = {
  pending: 'Waiting for the column mapping',
  checking: 'Checking the whole file (nothing is stored until it passes)',
  importing: 'Storing rows',
  finishing: 'Finishing',
  done: 'Finished',
};

const isActive = (view: ImportView) => view.status === 'RUNNING' || view.status === 'PENDING';

async function fetchImport(id: string): Promise<ImportView> {
  const response = await fetch(`/api/imports/${id}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as ImportView;
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

/** Live progress of one import, polled every second while it runs; cancel, resume and delete. */
export function ImportProgress({ initial, canWrite }: { initial: ImportView; canWrite: boolean }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [pending, startTransition] = useTransition();
  const [actionError, setActionError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { data: view } = useQuery({
    queryKey: ['import', initial.id],
    queryFn: () => fetchImport(initial.id),
    initialData: initial,
    staleTime: 1000,
    refetchInterval: (query) => (query.state.data && isActive(query.state.data) ? 1000 : false),
  });

  // When the import ends, the server-rendered report below is out of date.
  const lastStatus = useRef(view.status);
  useEffect(() => {
    if (lastStatus.current !== view.status) {
      lastStatus.current = view.status;
      if (!isActive(view)) router.refresh();
    }
  }, [view, router]);

  function run(action: () => Promise<{ ok: boolean; error?: string }>, after?: () => void) {
    setActionError(null);
    startTransition(async () => {
      const result = await action();
      if (!result.ok) setActionError(result.error ?? 'That did not work.');
      else if (after) after();
      else {
        // A resumed import polls again; a cancelled one shows its end state at once.
        await queryClient.invalidateQueries({ queryKey: ['import', initial.id] });
        router.refresh();
      }
    });
  }

  const checking = view.phase === 'checking';
  const progressValue = checking || view.totalRecords === null ? view.bytesRead : view.rowsRead;
  const progressMax = checking || view.totalRecords === null ? view.fileBytes : view.totalRecords;
  const noun = view.kind === 'dataset' ? 'pairs' : 'texts';

  return (
    <div className="space-y-4" data-testid="import-progress">
      <div className="flex flex-wrap items-center gap-3">
        <ImportStatusBadge status={view.status} resumable={view.resumable} />
        <span className="text-sm text-slate-600 dark:text-slate-400">{view.status === 'RUNNING' ? phaseLabels[view.phase] : null}</span>
      </div>
      {view.status !== 'PENDING' && (
        <div className="space-y-1">
          <ProgressBar value={view.status === 'COMPLETED' ? 1 : progressValue} max={view.status === 'COMPLETED' ? 1 : progressMax} label="Import progress" />
          <p className="text-xs text-slate-500">
            {checking
              ? `${formatCount(view.checkedRecords)} rows checked · ${formatBytes(view.bytesRead)} of ${formatBytes(view.fileBytes)}`
              : `${formatCount(view.rowsRead)}${view.totalRecords === null ? '' : ` of ${formatCount(view.totalRecords)}`} rows processed`}
          </p>
        </div>
      )}
      <dl className="grid grid-cols-2 gap-4 sm:grid-cols-5">
        <Stat label={`${noun[0].toUpperCase()}${noun.slice(1)} stored`} value={formatCount(view.rowsInserted)} testId="import-inserted" />
        <Stat label="Duplicates skipped" value={formatCount(view.duplicates)} testId="import-duplicates" />
        <Stat label="Rows with problems" value={formatCount(view.errorCount)} testId="import-errors" />
        <Stat label="Rows/s" value={view.rowsPerSecond === null ? '—' : formatCount(view.rowsPerSecond)} />
        <Stat label="File" value={`${formatBytes(view.fileBytes)} ${view.format}${view.compressed ? '.gz' : ''}`} />
      </dl>
      {view.error && (
        <p role="alert" className="rounded-md border border-rose-300 bg-rose-50 px-3 py-2 text-sm text-rose-900 dark:border-rose-800 dark:bg-rose-950 dark:text-rose-200">
          {view.error}
        </p>
      )}
      {actionError && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {actionError}
        </p>
      )}
      <div className="flex flex-wrap items-center gap-2">
        {view.status === 'COMPLETED' && view.target.id && (
          <Link className="text-sm font-medium text-indigo-600 hover:underline dark:text-indigo-400" href={view.kind === 'dataset' ? `/corpora/datasets/${view.target.id}` : `/corpora/${view.target.id}`}>
            Open {view.kind === 'dataset' ? 'the dataset' : 'the corpus'} “{view.target.name}”
          </Link>
        )}
        {canWrite && isActive(view) && (
          <Button variant="secondary" disabled={pending} onClick={() => run(() => cancelImportAction({ importId: view.id }))}>
            Cancel import
          </Button>
        )}
        {canWrite && view.resumable && (
          <Button disabled={pending} onClick={() => run(() => resumeImportAction({ importId: view.id }))}>
            Resume
          </Button>
        )}
        {canWrite && !isActive(view) && !confirmDelete && (
          <Button variant="ghost" disabled={pending} onClick={() => setConfirmDelete(true)}>
            Delete import…
          </Button>
        )}
        {canWrite && !isActive(view) && confirmDelete && (
          <>
            <span className="text-sm">
              Delete this import{view.rowsInserted > 0 ? ` and the ${formatCount(view.rowsInserted)} ${noun} it stored` : ''}?
            </span>
            <Button variant="danger" disabled={pending} onClick={() => run(() => deleteImportAction({ importId: view.id }), () => router.push('/corpora'))}>
              Delete
            </Button>
            <Button variant="ghost" onClick={() => setConfirmDelete(false)}>
              Keep
            </Button>
          </>
        )}
      </div>
    </div>
  );
}
