'use client';

import { Fragment, useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { Button } from '@/components/ui/button';
import { Badge, Card, EmptyState } from '@/components/ui/card';
import { SimulatedBadge } from '@/components/ui/progress';
import { deleteEndpointAction, testEndpointAction } from '@/lib/actions/providers';
import type { EndpointView } from '@/lib/llm/endpoint-view';
import { EndpointForm } from './endpoint-form';

type TestResult =
  | { state: 'running' }
  | { state: 'ok'; latencyMs: number; reply: string; simulated: boolean }
  | { state: 'failed'; kind: string; message: string };

function keyLabel(endpoint: EndpointView): React.ReactNode {
  const labels: Record<EndpointView['apiKeySource'], React.ReactNode> = {
    none: <span className="text-slate-500">none</span>,
    env: (
      <span>
        env <code className="text-xs">{endpoint.apiKeyEnv}</code>
      </span>
    ),
    stored: <code className="text-xs">{endpoint.apiKeyMasked}</code>,
  };
  return labels[endpoint.apiKeySource];
}

function limitsLabel(endpoint: EndpointView): string {
  const parts = [`${endpoint.limits.concurrency} at a time`];
  if (endpoint.limits.rpm !== null) parts.push(`${endpoint.limits.rpm} req/min`);
  if (endpoint.limits.tpm !== null) parts.push(`${endpoint.limits.tpm} tok/min`);
  return parts.join(', ');
}

function priceLabel(endpoint: EndpointView): string {
  if (endpoint.priceInputPerMTok === 0 && endpoint.priceOutputPerMTok === 0) return 'free';
  return `$${endpoint.priceInputPerMTok} / $${endpoint.priceOutputPerMTok} per 1M in/out`;
}

function TestResultRow({ result }: { result: TestResult }) {
  if (result.state === 'running') return <p className="text-sm text-slate-500">Calling the model…</p>;
  if (result.state === 'failed') {
    return (
      <p role="alert" className="text-sm text-rose-700 dark:text-rose-400" data-testid="endpoint-test-error">
        <Badge tone="bad">{result.kind}</Badge> {result.message}
      </p>
    );
  }
  return (
    <div className="space-y-1 text-sm" data-testid="endpoint-test-ok">
      <p className="flex items-center gap-2">
        <Badge tone="good">OK</Badge>
        <span data-testid="endpoint-test-latency">{Math.round(result.latencyMs)} ms</span>
        {result.simulated && <SimulatedBadge />}
      </p>
      <p className="whitespace-pre-wrap break-words rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-950" data-testid="endpoint-test-reply">
        {result.reply === '' ? '(empty reply)' : result.reply}
      </p>
    </div>
  );
}

export function EndpointsAdmin({ endpoints, canManage }: { endpoints: EndpointView[]; canManage: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [editing, setEditing] = useState<EndpointView | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, TestResult>>({});
  const [rowError, setRowError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  function runTest(endpoint: EndpointView) {
    setTests((current) => ({ ...current, [endpoint.id]: { state: 'running' } }));
    startTransition(async () => {
      const result = await testEndpointAction({ id: endpoint.id });
      const outcome: TestResult = !result.ok
        ? { state: 'failed', kind: 'error', message: result.error }
        : result.data.ok
          ? { state: 'ok', latencyMs: result.data.latencyMs, reply: result.data.reply, simulated: result.data.simulated }
          : { state: 'failed', kind: result.data.kind, message: result.data.message };
      setTests((current) => ({ ...current, [endpoint.id]: outcome }));
    });
  }

  function remove(endpoint: EndpointView) {
    startTransition(async () => {
      const result = await deleteEndpointAction({ id: endpoint.id });
      setConfirmingDelete(null);
      if (result.ok) {
        setRowError(null);
        setNotice(`Deleted ${endpoint.name}.`);
        if (editing?.id === endpoint.id) setEditing(null);
        router.refresh();
      } else {
        setRowError(result.error);
      }
    });
  }

  function saved(endpoint: EndpointView) {
    setEditing(null);
    setNotice(`Saved ${endpoint.name}.`);
    router.refresh();
  }

  const list = (
    <Card title={`${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}`}>
      {rowError && (
        <p role="alert" className="mb-3 text-sm text-rose-600">
          {rowError}
        </p>
      )}
      {notice && <p className="mb-3 text-sm text-emerald-700 dark:text-emerald-400">{notice}</p>}
      {endpoints.length === 0 ? (
        <EmptyState title="No endpoints yet">
          {canManage ? 'Add one with the form. Without any, `npm start` runs the built-in simulator.' : 'An admin adds them here.'}
        </EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-xs uppercase text-slate-500">
              <tr>
                <th className="py-2 pr-3">Name</th>
                <th className="pr-3">Model</th>
                <th className="pr-3">Key</th>
                <th className="pr-3">Limits</th>
                <th className="pr-3">Price</th>
                {canManage && <th />}
              </tr>
            </thead>
            <tbody>
              {endpoints.map((endpoint) => {
                const test = tests[endpoint.id];
                return (
                  <Fragment key={endpoint.id}>
                    <tr className="border-t border-slate-100 align-top dark:border-slate-800" data-testid={`endpoint-row-${endpoint.name}`}>
                      <td className="py-2 pr-3">
                        <span className="flex items-center gap-2 font-medium">
                          {endpoint.name}
                          {endpoint.simulated && <SimulatedBadge />}
                        </span>
                        <span className="block break-all text-xs text-slate-500">{endpoint.baseUrl}</span>
                      </td>
                      <td className="py-2 pr-3">
                        <code className="text-xs">{endpoint.model}</code>
                        <span className="block text-xs text-slate-500">
                          {endpoint.mode}
                          {endpoint.supportsJsonMode ? ', JSON mode' : ''}
                        </span>
                      </td>
                      <td className="py-2 pr-3">{keyLabel(endpoint)}</td>
                      <td className="py-2 pr-3 text-xs">{limitsLabel(endpoint)}</td>
                      <td className="py-2 pr-3 text-xs">{priceLabel(endpoint)}</td>
                      {canManage && (
                        <td className="py-2">
                          <div className="flex justify-end gap-1 whitespace-nowrap">
                            <Button variant="secondary" disabled={test?.state === 'running'} onClick={() => runTest(endpoint)}>
                              Test
                            </Button>
                            <Button variant="ghost" disabled={pending} onClick={() => setEditing(endpoint)}>
                              Edit
                            </Button>
                            {confirmingDelete === endpoint.id ? (
                              <>
                                <Button variant="danger" disabled={pending} onClick={() => remove(endpoint)}>
                                  Confirm delete
                                </Button>
                                <Button variant="ghost" disabled={pending} onClick={() => setConfirmingDelete(null)}>
                                  Keep
                                </Button>
                              </>
                            ) : (
                              <Button variant="ghost" disabled={pending} onClick={() => setConfirmingDelete(endpoint.id)}>
                                Delete
                              </Button>
                            )}
                          </div>
                        </td>
                      )}
                    </tr>
                    {test && (
                      <tr data-testid={`endpoint-test-row-${endpoint.name}`}>
                        <td colSpan={canManage ? 6 : 5} className="pb-3">
                          <TestResultRow result={test} />
                        </td>
                      </tr>
                    )}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );

  if (!canManage) return list;
  return (
    <div className="grid items-start gap-6 xl:grid-cols-[3fr_2fr]">
      {list}
      <Card title={editing ? `Edit ${editing.name}` : 'Add an endpoint'}>
        <EndpointForm key={editing?.id ?? 'new'} endpoint={editing} onSaved={saved} onCancel={editing ? () => setEditing(null) : undefined} />
      </Card>
    </div>
  );
}
