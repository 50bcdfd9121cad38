import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge, Card, EmptyState, PageHeader } from '@/components/ui/card';
import { formatCount } from '@/components/pipeline/format';
import { requirePageUser } from '@/lib/auth/session';
import { ITEM_PAGE_SIZE, getRunSummary, listRunItems } from '@/lib/pipeline/items';
import { runItemStates } from '@/lib/pipeline/progress';

export const metadata: Metadata = { title: 'Run items' };
export const dynamic = 'force-dynamic';

type State = (typeof runItemStates)[number];

const stateTones: Record<State, 'neutral' | 'good' | 'bad' | 'warn' | 'info'> = {
  PENDING: 'neutral',
  INDUCED: 'info',
  INSTRUCTION_KEPT: 'info',
  INSTRUCTION_DROPPED: 'warn',
  RESPONSE_WRITTEN: 'info',
  PAIR_KEPT: 'good',
  PAIR_DROPPED: 'warn',
  FAILED: 'bad',
};

export default async function RunItemsPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ state?: string; before?: string }> }) {
  await requirePageUser('runs:read');
  const { id } = await params;
  const query = await searchParams;
  const state = runItemStates.find((candidate) => candidate === query.state);
  const before = query.before && /^\d+$/.test(query.before) ? query.before : undefined;
  const summary = await getRunSummary(id);
  if (!summary) notFound();
  const items = await listRunItems(id, { state, beforeId: before });
  const filterHref = (value?: State) => `/runs/${id}/items${value ? `?state=${value}` : ''}`;
  return (
    <>
      <PageHeader title={`Items of ${summary.name}`} description="Every item's state; open one to see each stage's prompt, raw output, verdict, reason, tokens, cost and timing." />
      <nav className="mb-4 flex flex-wrap gap-2 text-sm" aria-label="Filter by state">
        <Link href={filterHref()} className={state ? 'text-indigo-600 hover:underline dark:text-indigo-400' : 'font-semibold'}>
          all
        </Link>
        {runItemStates.map((value) => (
          <Link key={value} href={filterHref(value)} className={state === value ? 'font-semibold' : 'text-indigo-600 hover:underline dark:text-indigo-400'}>
            {value.toLowerCase().replace(/_/g, ' ')}
          </Link>
        ))}
      </nav>
      {items.length === 0 ? (
        <EmptyState title="No items here" />
      ) : (
        <Card>
          <table className="w-full text-left text-sm" data-testid="items-table">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Item</th>
                <th>Topic</th>
                <th>State</th>
                <th>Instruction / cause</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id} className="border-t border-slate-100 align-top dark:border-slate-800">
                  <td className="py-2 pr-3">
                    <Link href={`/runs/${id}/items/${item.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                      {item.id}
                    </Link>
                    {item.variant > 0 && <span className="ml-1 text-xs text-slate-500">#{item.variant + 1}</span>}
                  </td>
                  <td className="py-2 pr-3">{item.topic}</td>
                  <td className="py-2 pr-3">
                    <Badge tone={stateTones[item.state]}>{item.state.toLowerCase().replace(/_/g, ' ')}</Badge>
                  </td>
                  <td className="max-w-xl truncate py-2 text-slate-600 dark:text-slate-400">{item.failureCause ?? item.instruction ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {items.length === ITEM_PAGE_SIZE && (
            <Link href={`/runs/${id}/items?${new URLSearchParams({ ...(state ? { state } : {}), before: items[items.length - 1].id })}`} className="mt-3 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400">
              Older items
            </Link>
          )}
          <p className="mt-2 text-xs text-slate-500">{formatCount(items.length)} shown</p>
        </Card>
      )}
    </>
  );
}
