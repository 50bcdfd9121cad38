import Link from 'next/link';

import { buttonClasses } from '@/components/ui/button';
import type { RowErrorView } from '@/lib/importers/jobs/queries';

import { formatCount } from './format';

/** The import report: one row per bad input row, in file order, paged; downloadable whole. */
export function RowErrorReport({ importId, errors, errorCount, nextAfter, paged }: { importId: string; errors: RowErrorView[]; errorCount: number; nextAfter: string | null; paged: boolean }) {
  const downloads = (
    <div className="flex gap-2">
      <a className={buttonClasses('secondary')} href={`/api/imports/${importId}/errors?format=csv`} download>
        Download CSV
      </a>
      <a className={buttonClasses('secondary')} href={`/api/imports/${importId}/errors?format=jsonl`} download>
        Download JSONL
      </a>
    </div>
  );
  if (errorCount === 0) return <p className="text-sm text-slate-500">No row had a problem.</p>;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          {formatCount(errorCount)} row{errorCount === 1 ? '' : 's'} with problems{errorCount > errors.length || paged ? ' (paged, in file order)' : ''}.
        </p>
        {downloads}
      </div>
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" aria-label="Row errors">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-2 pr-4 font-medium">Line</th>
              <th className="py-2 pr-4 font-medium">Column</th>
              <th className="py-2 font-medium">Reason</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {errors.map((error) => (
              <tr key={error.id} data-testid="row-error">
                <td className="py-1.5 pr-4 tabular-nums">{error.line}</td>
                <td className="py-1.5 pr-4 font-mono text-xs">{error.column ?? '—'}</td>
                <td className="py-1.5 break-words">{error.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="flex gap-2 text-sm">
        {paged && (
          <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={`/corpora/imports/${importId}`}>
            First page
          </Link>
        )}
        {nextAfter && (
          <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={`/corpora/imports/${importId}?errorsAfter=${nextAfter}`}>
            Next page
          </Link>
        )}
      </div>
    </div>
  );
}
