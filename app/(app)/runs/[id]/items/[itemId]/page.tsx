import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { ContentNote, HarmfulText } from '@/components/harmful-text';
import { Badge, Card, PageHeader } from '@/components/ui/card';
import { formatUsd } from '@/components/pipeline/format';
import { requirePageUser } from '@/lib/auth/session';
import { getRunItem } from '@/lib/pipeline/items';

export const metadata: Metadata = { title: 'Run item' };
export const dynamic = 'force-dynamic';

function Detail({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="space-y-1">
      <h3 className="text-xs font-semibold uppercase text-slate-500">{label}</h3>
      {children}
    </div>
  );
}

export default async function RunItemPage({ params }: { params: Promise<{ id: string; itemId: string }> }) {
  const user = await requirePageUser('runs:read');
  const { id, itemId } = await params;
  const item = await getRunItem(id, itemId);
  if (!item) notFound();
  return (
    <>
      <PageHeader
        title={`Item ${item.id}`}
        description={`Topic ${item.topic} · state ${item.state.toLowerCase().replace(/_/g, ' ')}${item.failureCause ? ` · ${item.failureCause}` : ''}`}
        actions={
          <Link href={`/runs/${id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
            Back to the run
          </Link>
        }
      />
      <ContentNote />
      <Card title="Source text (the rejected response)">
        <HarmfulText text={item.text} blurred={user.blurHarmful} label="source text" />
      </Card>
      <div className="mt-4 space-y-4">
        {item.results.map((result) => (
          <Card
            key={result.stage}
            title={result.label}
            actions={
              <span className="flex gap-2">
                {result.verdict && <Badge tone={result.verdict === 'PASS' ? 'good' : result.verdict === 'FAIL' ? 'warn' : 'bad'}>{result.verdict.toLowerCase()}</Badge>}
                {!result.ok && <Badge tone="bad">failed</Badge>}
                {result.cacheHit && <Badge>cache</Badge>}
              </span>
            }
          >
            <div className="space-y-3 text-sm">
              {result.reason && <Detail label="Reason">{result.reason}</Detail>}
              {result.error && (
                <Detail label="Error">
                  <span className="text-rose-600 dark:text-rose-400">{result.error}</span>
                </Detail>
              )}
              {result.output !== null && (
                <Detail label="Output">
                  <HarmfulText text={result.output} blurred={user.blurHarmful} label="output" />
                </Detail>
              )}
              <details>
                <summary className="cursor-pointer text-xs text-indigo-600 dark:text-indigo-400">Prompt and raw model output</summary>
                <div className="mt-2 space-y-3">
                  <Detail label="Prompt">
                    <HarmfulText text={result.prompt} blurred={user.blurHarmful} label="prompt" />
                  </Detail>
                  <Detail label="Raw output">
                    <HarmfulText text={result.rawOutput} blurred={user.blurHarmful} label="raw output" />
                  </Detail>
                </div>
              </details>
              <p className="text-xs text-slate-500 tabular-nums">
                {result.model ?? 'no model call'} · {result.tokensIn} in / {result.tokensOut} out · {formatUsd(result.costUsd)} · {result.latencyMs} ms ·{' '}
                {new Date(result.startedAt).toISOString().replace('T', ' ').slice(0, 23)} → {new Date(result.finishedAt).toISOString().slice(11, 23)}
              </p>
            </div>
          </Card>
        ))}
        {item.results.length === 0 && <p className="text-sm text-slate-500">No stage has run for this item yet.</p>}
      </div>
    </>
  );
}
