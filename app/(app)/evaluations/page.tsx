import type { Metadata } from 'next';
import Link from 'next/link';
import { LoadDemoSetButton } from '@/components/evaluations/load-demo-set-button';
import { RunStatusBadge } from '@/components/pipeline/run-status-badge';
import { buttonClasses } from '@/components/ui/button';
import { Badge, Card, EmptyState, PageHeader } from '@/components/ui/card';
import { can } from '@/lib/auth/permissions';
import { requirePageUser } from '@/lib/auth/session';
import { listEvalRuns, listEvalSets } from '@/lib/eval/queries';

export const metadata: Metadata = { title: 'Evaluations' };
export const dynamic = 'force-dynamic';

export default async function EvaluationsPage() {
  const user = await requirePageUser('evals:read');
  const canWrite = can(user.role, 'evals:write');
  const [sets, runs] = await Promise.all([listEvalSets(), listEvalRuns()]);
  return (
    <>
      <PageHeader
        title="Evaluations"
        description="Does the data make a model safer? Judge models' responses to a prompt set and compare them with paired statistics."
        actions={
          canWrite ? (
            <>
              <Link href="/evaluations/sets/new" className={buttonClasses('secondary')}>
                Import a prompt set
              </Link>
              <Link href="/evaluations/new" className={buttonClasses('primary')}>
                New evaluation
              </Link>
            </>
          ) : undefined
        }
      />
      <Card title="Evaluations" className="mb-4">
        {runs.length === 0 ? (
          <EmptyState title="No evaluations yet">Choose a prompt set, the models to compare and a judge.</EmptyState>
        ) : (
          <table className="w-full text-sm">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1">Name</th>
                <th>Set</th>
                <th>Status</th>
                <th className="text-right">Prompts done</th>
                <th className="text-right">Created</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((run) => (
                <tr key={run.id} className="border-t border-slate-100 dark:border-slate-800">
                  <td className="py-1.5">
                    <Link href={`/evaluations/${run.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                      {run.name}
                    </Link>{' '}
                    {run.simulated && <Badge tone="warn">SIMULATED</Badge>}
                  </td>
                  <td>{run.setName}</td>
                  <td>
                    <RunStatusBadge status={run.status} />
                  </td>
                  <td className="text-right tabular-nums">
                    {run.itemsDone}/{run.itemsTotal}
                  </td>
                  <td className="text-right text-xs text-slate-500">{run.createdAt.slice(0, 16).replace('T', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Prompt sets">
        {sets.length === 0 ? (
          <EmptyState title="No prompt sets yet" action={canWrite ? <LoadDemoSetButton /> : undefined}>
            Import a CSV/TSV/JSONL/JSON/Parquet file with a prompt column (and optionally a group, a reference answer and models&apos; responses), or load the demo set to try it with the simulator.
          </EmptyState>
        ) : (
          <>
            <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
              {sets.map((set) => (
                <li key={set.id} className="flex items-center justify-between py-2">
                  <span>
                    <Link href={`/evaluations/sets/${set.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                      {set.name}
                    </Link>{' '}
                    {set.builtIn && <Badge tone="info">demo</Badge>}
                    {set.responseLabels.length > 0 && <span className="ml-2 text-xs text-slate-500">responses of {set.responseLabels.join(', ')}</span>}
                  </span>
                  <span className="text-xs text-slate-500">
                    {set.promptCount} prompts{set.errorCount > 0 ? ` · ${set.errorCount} row errors` : ''}
                  </span>
                </li>
              ))}
            </ul>
            {canWrite && !sets.some((set) => set.builtIn) && (
              <div className="mt-3">
                <LoadDemoSetButton />
              </div>
            )}
          </>
        )}
      </Card>
    </>
  );
}
