'use client';

import { useQuery } from '@tanstack/react-query';

import { Badge, Card, EmptyState } from '@/components/ui/card';
import { ProgressBar, SimulatedBadge } from '@/components/ui/progress';
import type { ExportSummary } from '@/lib/exporters/jobs';

const STATUS_TONES = { QUEUED: 'neutral', RUNNING: 'info', COMPLETED: 'good', FAILED: 'bad' } as const;
const STATUS_LABELS = { QUEUED: 'Queued', RUNNING: 'Running', COMPLETED: 'Completed', FAILED: 'Failed' } as const;

async function fetchExports(): Promise<ExportSummary[]> {
  const response = await fetch('/api/exports', { cache: 'no-store' });
  if (!response.ok) throw new Error(`Could not load exports (${response.status}).`);
  return ((await response.json()) as { exports: ExportSummary[] }).exports;
}

const formatBytes = (bytes: number): string =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} kB` : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024 ** 3).toFixed(2)} GB`;

/** Past and running exports; polls every 1.5 s while one is queued or running. */
export function ExportsList({ initial }: { initial: ExportSummary[] }) {
  const query = useQuery({
    queryKey: ['exports'],
    queryFn: fetchExports,
    initialData: initial,
    staleTime: 1_500,
    refetchInterval: (current) => (current.state.data?.some((entry) => entry.status === 'QUEUED' || entry.status === 'RUNNING') ? 1_500 : false),
  });
  const exports = query.data;
  if (exports.length === 0) return <EmptyState title="No exports yet">Exports you create appear here with their files and hashes.</EmptyState>;
  return (
    <Card title="Exports">
      {query.isError && (
        <p role="alert" className="mb-2 text-sm text-rose-600">
          {query.error.message}
        </p>
      )}
      <ul className="divide-y divide-slate-100 dark:divide-slate-800">
        {exports.map((entry) => (
          <ExportItem key={entry.id} entry={entry} />
        ))}
      </ul>
    </Card>
  );
}

function ExportItem({ entry }: { entry: ExportSummary }) {
  const counts = entry.counts;
  const running = entry.status === 'QUEUED' || entry.status === 'RUNNING';
  return (
    <li className="space-y-2 py-3 text-sm" data-testid={`export-row-${entry.id}`}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={STATUS_TONES[entry.status]}>{STATUS_LABELS[entry.status]}</Badge>
        {entry.simulated && <SimulatedBadge />}
        <span className="font-medium">{entry.delivery === 'bundle' ? 'Bundle' : `Direct download${entry.streamSplit && entry.streamSplit !== 'all' ? ` (${entry.streamSplit})` : ''}`}</span>
        <span className="text-slate-600 dark:text-slate-400">{entry.formats.join(', ')}</span>
        <span className="ml-auto text-xs text-slate-500">
          {entry.createdBy ?? 'unknown'} · <time dateTime={entry.createdAt}>{entry.createdAt.replace('T', ' ').slice(0, 19)} UTC</time>
        </span>
      </div>
      {running && (
        <div className="max-w-xl space-y-1">
          <ProgressBar value={entry.rowsWritten} max={entry.rowsTotal} label={`Progress of export ${entry.id}`} />
          <p className="text-xs text-slate-500">
            {entry.rowsWritten.toLocaleString('en')} of {entry.rowsTotal === null ? '?' : entry.rowsTotal.toLocaleString('en')} rows read
          </p>
        </div>
      )}
      {entry.status === 'COMPLETED' && counts && (
        <p className="text-slate-700 dark:text-slate-300" data-testid="export-counts">
          {(counts.rowsExported ?? entry.rowsWritten).toLocaleString('en')} rows exported
          {counts.perSplit && Object.keys(counts.perSplit).length > 1 && ` (train ${(counts.perSplit.train ?? 0).toLocaleString('en')}, test ${(counts.perSplit.test ?? 0).toLocaleString('en')})`}
          {counts.duplicatesRemoved ? ` · ${counts.duplicatesRemoved.toLocaleString('en')} repeated instructions removed` : ''}
          {counts.incompletePairs ? ` · ${counts.incompletePairs.toLocaleString('en')} without both sides` : ''}
          {counts.simulated ? ` · ${counts.simulated.toLocaleString('en')} simulated` : ''}
        </p>
      )}
      {entry.status === 'FAILED' && entry.error && (
        <p role="alert" className="text-rose-600 dark:text-rose-400">
          {entry.error}
        </p>
      )}
      {entry.downloadable && entry.files?.bundle && (
        <div className="flex flex-wrap items-center gap-3">
          <a className="font-medium text-indigo-700 hover:underline dark:text-indigo-300" href={`/api/exports/${entry.id}/download`} download>
            Download bundle
          </a>
          <span className="text-xs text-slate-500">
            {formatBytes(entry.files.bundle.bytes)} · SHA-256 <code title={entry.files.bundle.sha256}>{entry.files.bundle.sha256.slice(0, 16)}…</code>
          </span>
          <a className="text-indigo-700 hover:underline dark:text-indigo-300" href={`/api/exports/${entry.id}/download?file=README.md`} download>
            Dataset card
          </a>
          <a className="text-indigo-700 hover:underline dark:text-indigo-300" href={`/api/exports/${entry.id}/download?file=manifest.json`} download>
            Manifest
          </a>
        </div>
      )}
      {entry.status === 'COMPLETED' && entry.files && entry.files.files.length > 0 && (
        <details className="text-xs text-slate-600 dark:text-slate-400">
          <summary className="cursor-pointer">{entry.files.files.length} file(s) with SHA-256</summary>
          <table className="mt-1 w-full">
            <tbody>
              {entry.files.files.map((file) => (
                <tr key={file.name}>
                  <td className="py-0.5 pr-3 font-mono">{file.name}</td>
                  <td className="pr-3 text-right">{file.rows === undefined ? '' : `${file.rows.toLocaleString('en')} rows`}</td>
                  <td className="pr-3 text-right">{formatBytes(file.bytes)}</td>
                  <td className="break-all font-mono">{file.sha256}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </li>
  );
}
