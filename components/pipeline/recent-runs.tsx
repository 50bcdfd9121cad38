import Link from 'next/link';
import { Card } from '@/components/ui/card';
import { ProgressBar, SimulatedBadge } from '@/components/ui/progress';
import type { RunListEntry } from '@/lib/pipeline/progress';
import { formatCount } from './format';
import { RunStatusBadge } from './run-status-badge';

/** The dashboard's panel of the latest runs. */
export function RecentRuns({ runs }: { runs: RunListEntry[] }) {
  return (
    <Card
      title="Recent runs"
      actions={
        <Link href="/runs" className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
          All runs
        </Link>
      }
    >
      {runs.length === 0 ? (
        <p className="text-sm text-slate-500">No runs yet.</p>
      ) : (
        <ul className="space-y-3" data-testid="recent-runs">
          {runs.map((run) => (
            <li key={run.id}>
              <div className="flex items-center justify-between gap-2 text-sm">
                <Link href={`/runs/${run.id}`} className="truncate font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                  {run.name}
                </Link>
                <span className="flex shrink-0 items-center gap-2">
                  {run.simulated && <SimulatedBadge />}
                  <RunStatusBadge status={run.status} />
                </span>
              </div>
              <div className="mt-1">
                <ProgressBar value={run.itemsDone} max={run.itemsTotal} label={`Progress of ${run.name}`} />
              </div>
              <p className="mt-1 text-xs text-slate-500 tabular-nums">
                {formatCount(run.itemsDone)} / {formatCount(run.itemsTotal)} items · {formatCount(run.pairsKept)} pairs kept
                {run.failed > 0 ? ` · ${formatCount(run.failed)} failed` : ''}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
