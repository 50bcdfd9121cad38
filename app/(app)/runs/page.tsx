import type { Metadata } from 'next';
import Link from 'next/link';
import { buttonClasses } from '@/components/ui/button';
import { Card, EmptyState, PageHeader } from '@/components/ui/card';
import { ProgressBar, SimulatedBadge } from '@/components/ui/progress';
import { RunStatusBadge } from '@/components/pipeline/run-status-badge';
import { formatCount } from '@/components/pipeline/format';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { listRuns } from '@/lib/pipeline/progress';

export const metadata: Metadata = { title: 'Runs' };
export const dynamic = 'force-dynamic';

export default async function RunsPage() {
  const user = await requirePageUser('runs:read');
  const runs = await listRuns({ limit: 100 });
  const newButton = can(user.role, 'runs:write') ? (
    <Link href="/runs/new" className={buttonClasses('primary')}>
      New run
    </Link>
  ) : undefined;
  return (
    <>
      <PageHeader title="Runs" description="Each run takes texts from corpora through a recipe version: induce an instruction, filter it, write a safe answer, filter the pair." actions={newButton} />
      {runs.length === 0 ? (
        <EmptyState title="No runs yet" action={newButton}>
          Start a run on a corpus with a recipe. The built-in “Safer-Instruct (paper) · simulator” recipe works offline.
        </EmptyState>
      ) : (
        <Card>
          <table className="w-full text-left text-sm" data-testid="runs-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Run</th>
                <th>Status</th>
                <th className="w-48">Progress</th>
                <th className="text-right">Pairs kept</th>
                <th className="text-right">Failed</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} className="border-t border-slate-100 align-top dark:border-slate-800" data-testid={`run-row-${run.id}`}>
                  <td className="py-2 pr-4">
                    <Link href={`/runs/${run.id}`} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                      {run.name}
                    </Link>
                    {run.simulated && <span className="ml-2"><SimulatedBadge /></span>}
                    <span className="block text-xs text-slate-500">
                      {run.recipeName} v{run.recipeVersion} · {new Date(run.createdAt).toISOString().slice(0, 16).replace('T', ' ')}
                    </span>
                  </td>
                  <td className="py-2">
                    <RunStatusBadge status={run.status} />
                  </td>
                  <td className="py-2 pr-4">
                    <ProgressBar value={run.itemsDone} max={run.itemsTotal} label={`Progress of ${run.name}`} />
                    <span className="text-xs text-slate-500 tabular-nums">
                      {formatCount(run.itemsDone)} / {formatCount(run.itemsTotal)}
                    </span>
                  </td>
                  <td className="py-2 text-right tabular-nums">{formatCount(run.pairsKept)}</td>
                  <td className="py-2 text-right tabular-nums">{formatCount(run.failed)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
