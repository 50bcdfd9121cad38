'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState, useTransition } from 'react';

import { cancelEvalRunAction, pauseEvalRunAction, resumeEvalRunAction, retryFailedEvalItemsAction } from '@/lib/actions/evaluations';
import { RunStatusBadge } from '@/components/pipeline/run-status-badge';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress';
import type { EvalRunRow } from '@/lib/eval/queries';

type Status = EvalRunRow['status'];

/** Status, progress and the run controls; while the evaluation runs, the page re-renders every 2 s. */
export function EvalControls({ evalRunId, status, done, failed, total, pauseReason, canWrite }: { evalRunId: string; status: Status; done: number; failed: number; total: number; pauseReason: string | null; canWrite: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const live = status === 'RUNNING' || status === 'QUEUED';

  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => router.refresh(), 2000);
    return () => clearInterval(timer);
  }, [live, router]);

  function run(action: () => Promise<{ ok: true } | { ok: false; error: string }>) {
    startTransition(async () => {
      setError(null);
      const result = await action();
      if (!result.ok) setError(result.error);
      router.refresh();
    });
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <RunStatusBadge status={status} />
        <span data-testid="eval-progress" className="tabular-nums">
          {done + failed}/{total} prompts{failed > 0 ? ` (${failed} failed)` : ''}
        </span>
        {pauseReason && <span className="text-xs text-amber-700 dark:text-amber-300">{pauseReason}</span>}
        {canWrite && (
          <span className="flex gap-2">
            {live && (
              <Button variant="secondary" disabled={pending} onClick={() => run(() => pauseEvalRunAction({ evalRunId }))}>
                Pause
              </Button>
            )}
            {status === 'PAUSED' && (
              <Button variant="secondary" disabled={pending} onClick={() => run(() => resumeEvalRunAction({ evalRunId }))}>
                Resume
              </Button>
            )}
            {(live || status === 'PAUSED') && (
              <Button variant="danger" disabled={pending} onClick={() => window.confirm('Cancel this evaluation? Stored results are kept.') && run(() => cancelEvalRunAction({ evalRunId }))}>
                Cancel
              </Button>
            )}
            {failed > 0 && status !== 'CANCELLED' && (
              <Button variant="secondary" disabled={pending} onClick={() => run(() => retryFailedEvalItemsAction({ evalRunId }))}>
                Retry failed prompts
              </Button>
            )}
          </span>
        )}
      </div>
      <ProgressBar value={done + failed} max={total} label="Evaluation progress" />
      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
    </div>
  );
}
