'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { cancelRunAction, pauseRunAction, resumeRunAction, retryFailedItemsAction } from '@/lib/actions/runs';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input } from '@/components/ui/field';
import { ProgressBar, SimulatedBadge } from '@/components/ui/progress';
import type { RunProgress as RunProgressData } from '@/lib/pipeline/progress';
import { Funnel } from './funnel';
import { formatCount, formatDuration, formatRate, formatUsd } from './format';
import { RunStatusBadge } from './run-status-badge';

const POLL_MS = 1000;

const isLive = (status: string) => status === 'RUNNING' || status === 'QUEUED';

async function fetchProgress(runId: string): Promise<RunProgressData> {
  const response = await fetch(`/api/runs/${runId}/progress`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return (await response.json()) as RunProgressData;
}

function Stat({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="text-lg font-semibold tabular-nums" data-testid={testId}>
        {value}
      </dd>
      {detail && <dd className="text-xs text-slate-500">{detail}</dd>}
    </div>
  );
}

type ActionResult = { ok: true } | { ok: false; error: string };

function ResumeForm({ progress, onResume, pending }: { progress: RunProgressData; onResume: (budget: { budgetUsd: number | null; budgetTokens: number | null }) => void; pending: boolean }) {
  const [usd, setUsd] = useState(progress.budgetUsd?.toString() ?? '');
  const [tokens, setTokens] = useState(progress.budgetTokens?.toString() ?? '');
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        onResume({ budgetUsd: usd.trim() === '' ? null : Number(usd), budgetTokens: tokens.trim() === '' ? null : Number(tokens) });
      }}
    >
      <Field label="Budget (USD)" htmlFor="resume-usd" hint="Empty: no cap">
        <Input id="resume-usd" inputMode="decimal" value={usd} onChange={(event) => setUsd(event.target.value)} className="w-32" />
      </Field>
      <Field label="Budget (tokens)" htmlFor="resume-tokens" hint="Empty: no cap">
        <Input id="resume-tokens" inputMode="numeric" value={tokens} onChange={(event) => setTokens(event.target.value)} className="w-36" />
      </Field>
      <Button type="submit" disabled={pending}>
        Resume
      </Button>
    </form>
  );
}

/** Live progress of a run (polled every second while it runs) with its controls. */
export function RunProgress({ initial, canWrite }: { initial: RunProgressData; canWrite: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const { data: progress, refetch } = useQuery({
    queryKey: ['run-progress', initial.runId],
    queryFn: () => fetchProgress(initial.runId),
    initialData: initial,
    staleTime: POLL_MS,
    refetchInterval: (query) => (query.state.data && isLive(query.state.data.status) ? POLL_MS : query.state.data?.status === 'PAUSED' ? 3 * POLL_MS : false),
  });

  const lastStatus = useRef(progress.status);
  useEffect(() => {
    if (lastStatus.current !== progress.status) {
      lastStatus.current = progress.status;
      router.refresh();
    }
  }, [progress.status, router]);

  function act(action: () => Promise<ActionResult | { ok: true; data: unknown }>, message?: (data: unknown) => string) {
    setActionError(null);
    setNotice(null);
    startTransition(async () => {
      const result = await action();
      if (!result.ok) setActionError(result.error);
      else {
        if (message && 'data' in result) setNotice(message(result.data));
        await refetch();
      }
    });
  }

  const { status } = progress;
  const failed = progress.states.FAILED;
  const inProgress = progress.itemsTotal - progress.itemsDone;
  const percent = progress.itemsTotal > 0 ? Math.round((progress.itemsDone / progress.itemsTotal) * 100) : 0;

  return (
    <div className="space-y-4" data-testid="run-progress">
      <Card>
        <div className="flex flex-wrap items-center gap-3">
          <RunStatusBadge status={status} />
          {progress.simulated && <SimulatedBadge />}
          <span className="text-sm tabular-nums" data-testid="run-done-count">
            {formatCount(progress.itemsDone)} of {formatCount(progress.itemsTotal)} items done ({percent}%)
          </span>
          {progress.pauseReason && (
            <span className="text-sm text-amber-700 dark:text-amber-300" data-testid="pause-reason">
              {progress.pauseReason}
            </span>
          )}
        </div>
        <div className="mt-3">
          <ProgressBar value={progress.itemsDone} max={progress.itemsTotal} label="Run progress" />
        </div>
        <dl className="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-6">
          <Stat label="Throughput" value={formatRate(progress.itemsPerMinute, 'items/min')} detail={formatRate(progress.stagesPerSecond, 'stages/s')} testId="stat-throughput" />
          <Stat label="ETA" value={isLive(status) ? formatDuration(progress.etaSeconds) : '—'} testId="stat-eta" />
          <Stat label="Tokens" value={formatCount(progress.tokensIn + progress.tokensOut)} detail={`${formatCount(progress.tokensIn)} in · ${formatCount(progress.tokensOut)} out`} />
          <Stat
            label="Cost"
            value={formatUsd(progress.costUsd)}
            detail={[progress.budgetUsd !== null ? `budget ${formatUsd(progress.budgetUsd)}` : null, progress.budgetTokens !== null ? `${formatCount(progress.budgetTokens)} tokens` : null].filter(Boolean).join(' · ') || 'no budget cap'}
          />
          <Stat label="Stages stored" value={formatCount(progress.stagesDone)} detail={`${formatCount(progress.cacheHits)} from the cache`} />
          <Stat label="Failed items" value={formatCount(failed)} testId="stat-failed" />
        </dl>
        {canWrite && (
          <div className="mt-4 flex flex-wrap items-end gap-2 border-t border-slate-200 pt-4 dark:border-slate-800">
            {isLive(status) && (
              <Button variant="secondary" disabled={pending} onClick={() => act(() => pauseRunAction({ runId: progress.runId }))}>
                Pause
              </Button>
            )}
            {status === 'PAUSED' && (
              <ResumeForm progress={progress} pending={pending} onResume={(budget) => act(() => resumeRunAction({ runId: progress.runId, ...budget }))} />
            )}
            {failed > 0 && status !== 'CANCELLED' && (
              <Button
                variant="secondary"
                disabled={pending}
                onClick={() => act(() => retryFailedItemsAction({ runId: progress.runId }), (data) => `${formatCount((data as { retried: number }).retried)} failed items queued again.`)}
              >
                Retry failed items
              </Button>
            )}
            {(isLive(status) || status === 'PAUSED') &&
              (confirmCancel ? (
                <span className="flex items-center gap-2 text-sm">
                  Cancel the run? Items not done stay undone.
                  <Button variant="danger" disabled={pending} onClick={() => act(() => cancelRunAction({ runId: progress.runId }))}>
                    Yes, cancel
                  </Button>
                  <Button variant="ghost" onClick={() => setConfirmCancel(false)}>
                    Keep running
                  </Button>
                </span>
              ) : (
                <Button variant="ghost" disabled={pending} onClick={() => setConfirmCancel(true)}>
                  Cancel run
                </Button>
              ))}
          </div>
        )}
        {actionError && (
          <p role="alert" className="mt-2 text-sm text-rose-600 dark:text-rose-400">
            {actionError}
          </p>
        )}
        {notice && (
          <p role="status" className="mt-2 text-sm text-emerald-700 dark:text-emerald-300">
            {notice}
          </p>
        )}
      </Card>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Funnel">
          <Funnel steps={progress.funnel} />
          <dl className="mt-4 grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
            <div>
              <dt className="text-xs text-slate-500">Instruction dropped</dt>
              <dd className="tabular-nums" data-testid="count-instruction-dropped">{formatCount(progress.states.INSTRUCTION_DROPPED)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Pair dropped</dt>
              <dd className="tabular-nums" data-testid="count-pair-dropped">{formatCount(progress.states.PAIR_DROPPED)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Failed</dt>
              <dd className="tabular-nums">{formatCount(failed)}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Not finished</dt>
              <dd className="tabular-nums">{formatCount(inProgress)}</dd>
            </div>
          </dl>
        </Card>
        <Card title="Errors by cause">
          {progress.errors.length === 0 ? (
            <p className="text-sm text-slate-500" data-testid="no-errors">
              No item has failed.
            </p>
          ) : (
            <ul className="space-y-3" data-testid="error-groups">
              {progress.errors.map((group) => (
                <li key={`${group.stage}:${group.kind}`} className="text-sm">
                  <div className="flex justify-between">
                    <span>
                      <span className="font-medium">{group.kind}</span> <span className="text-slate-500">at {group.stageLabel}</span>
                    </span>
                    <span className="tabular-nums">{formatCount(group.count)}</span>
                  </div>
                  <ul className="mt-1 space-y-1">
                    {group.examples.map((example) => (
                      <li key={example.itemId} className="truncate text-xs text-slate-600 dark:text-slate-400" title={example.message}>
                        <Link href={`/runs/${progress.runId}/items/${example.itemId}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                          item {example.itemId}
                        </Link>
                        : {example.message}
                      </li>
                    ))}
                  </ul>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <p className="text-xs text-slate-500">Updated {new Date(progress.generatedAt).toLocaleTimeString()}.</p>
    </div>
  );
}
