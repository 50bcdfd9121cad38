import type { Metadata } from 'next';
import Link from 'next/link';
import { Card, EmptyState, PageHeader } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/session';
import { listAuditLog } from '@/lib/audit-log/query';

export const metadata: Metadata = { title: 'Audit log' };

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<{ cursor?: string; action?: string }> }) {
  await requirePageUser('auditlog:read');
  const { cursor, action } = await searchParams;
  const page = await listAuditLog({ cursor, action });
  return (
    <>
      <PageHeader title="Audit log" description="Who changed what, and when: sign-ins, users, providers, data, reviews and exports." />
      <form className="mb-4 flex gap-2" action="/settings/audit-log">
        <input name="action" defaultValue={action ?? ''} placeholder="Filter by action prefix, e.g. user." className="w-72 rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900" />
        <button className="rounded-md border border-slate-300 px-3 py-1.5 text-sm dark:border-slate-700">Filter</button>
      </form>
      {page.entries.length === 0 ? (
        <EmptyState title="No entries" />
      ) : (
        <Card>
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2">Time (UTC)</th>
                <th>Actor</th>
                <th>Action</th>
                <th>Target</th>
                <th>Change</th>
              </tr>
            </thead>
            <tbody>
              {page.entries.map((entry) => (
                <tr key={entry.id} className="border-t border-slate-100 align-top dark:border-slate-800">
                  <td className="whitespace-nowrap py-2 font-mono text-xs">{entry.createdAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
                  <td>{entry.actorEmail ?? '—'}</td>
                  <td className="font-mono text-xs">{entry.action}</td>
                  <td className="font-mono text-xs">{entry.targetType ? `${entry.targetType}:${entry.targetId}` : '—'}</td>
                  <td className="max-w-md">
                    {(entry.before != null || entry.after != null) && (
                      <details>
                        <summary className="cursor-pointer text-xs text-indigo-600 dark:text-indigo-400">before / after</summary>
                        <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-words rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">
                          {JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}
                        </pre>
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.nextCursor && (
            <Link className="mt-3 inline-block text-sm text-indigo-600 hover:underline dark:text-indigo-400" href={`/settings/audit-log?cursor=${page.nextCursor}${action ? `&action=${encodeURIComponent(action)}` : ''}`}>
              Older entries →
            </Link>
          )}
        </Card>
      )}
    </>
  );
}
