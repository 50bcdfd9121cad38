import Link from 'next/link';

import type { ImportView } from '@/lib/importers/jobs/queries';

import { formatCount, formatDateTime } from './format';
import { ImportStatusBadge } from './import-status-badge';

export function ImportList({ imports, showTarget = true }: { imports: ImportView[]; showTarget?: boolean }) {
  if (imports.length === 0) return <p className="text-sm text-slate-500">No imports yet.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="text-xs uppercase text-slate-500">
          <tr>
            <th className="py-2 pr-4 font-medium">File</th>
            {showTarget && <th className="py-2 pr-4 font-medium">Into</th>}
            <th className="py-2 pr-4 font-medium">Status</th>
            <th className="py-2 pr-4 text-right font-medium">Stored</th>
            <th className="py-2 pr-4 text-right font-medium">Duplicates</th>
            <th className="py-2 pr-4 text-right font-medium">Row errors</th>
            <th className="py-2 font-medium">Started</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {imports.map((item) => (
            <tr key={item.id}>
              <td className="py-2 pr-4">
                <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={`/corpora/imports/${item.id}`}>
                  {item.fileName}
                </Link>
              </td>
              {showTarget && (
                <td className="py-2 pr-4 text-slate-600 dark:text-slate-400">
                  {item.target.kind === 'dataset' ? 'dataset' : 'corpus'} {item.target.name || '—'}
                </td>
              )}
              <td className="py-2 pr-4">
                <ImportStatusBadge status={item.status} resumable={item.resumable} />
              </td>
              <td className="py-2 pr-4 text-right tabular-nums">{formatCount(item.rowsInserted)}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{formatCount(item.duplicates)}</td>
              <td className="py-2 pr-4 text-right tabular-nums">{formatCount(item.errorCount)}</td>
              <td className="py-2 text-slate-500">{formatDateTime(item.startedAt ?? item.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
