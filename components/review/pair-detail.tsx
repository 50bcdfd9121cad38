'use client';

import Link from 'next/link';
import { useEffect, useRef, useState, useTransition } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { HarmfulText } from '@/components/harmful-text';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { SimulatedBadge } from '@/components/ui/progress';
import { addCommentAction, changePairsAction } from '@/lib/actions/review';
import type { PairChangeInput } from '@/lib/review/changes';
import { describeAction, formatCount, formatMs, formatTimestamp, formatUsd, formatValue } from '@/lib/review/format';
import { stageLabels } from '@/lib/pipeline/stage-names';
import type { HistoryEntry, PairDetail, StageResultView } from '@/lib/review/types';
import { AuditBadge, DecisionBadges, VerdictBadge } from './badges';
import { fetchJson } from './fetch-json';
import { PlainText } from './plain-text';

export type PairPermissions = { write: boolean; comment: boolean };

function Section({ title, actions, children }: { title: string; actions?: React.ReactNode; children: React.ReactNode }) {
  return (
    <section className="border-t border-slate-200 py-3 dark:border-slate-800">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
        {actions && <div className="flex gap-1">{actions}</div>}
      </div>
      {children}
    </section>
  );
}

/** Refreshes the open pair and the list after a change. */
function useRefresh(pairId: string) {
  const queryClient = useQueryClient();
  return () => Promise.all([queryClient.invalidateQueries({ queryKey: ['review-pair', pairId] }), queryClient.invalidateQueries({ queryKey: ['review-pairs'] })]);
}

function useChange(pairId: string) {
  const refresh = useRefresh(pairId);
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const apply = (change: PairChangeInput, onDone?: () => void) =>
    startTransition(async () => {
      const result = await changePairsAction({ ids: [pairId], change });
      if (!result.ok) {
        setError(result.fieldErrors ? Object.values(result.fieldErrors).flat().join(' ') : result.error);
        return;
      }
      setError(null);
      await refresh();
      onDone?.();
    });
  return { apply, pending, error };
}

/** `openRequest` > 0 opens the editor (the e shortcut); each new number opens it again. */
function TextEditor({ pairId, field, label, original, openRequest }: { pairId: string; field: 'instruction' | 'chosen'; label: string; original: string | null; openRequest: number }) {
  const [draft, setDraft] = useState<string | null>(null);
  const [handledRequest, setHandledRequest] = useState(0);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const { apply, pending, error } = useChange(pairId);

  // Only a new edit request opens the editor, not a refreshed original.
  if (openRequest > 0 && openRequest !== handledRequest) {
    setHandledRequest(openRequest);
    setDraft(original ?? '');
  }
  useEffect(() => {
    if (draft !== null) textarea.current?.focus();
  }, [draft !== null]); // eslint-disable-line react-hooks/exhaustive-deps

  if (draft === null) {
    return (
      <Button type="button" variant="ghost" className="!px-2 !py-0.5 text-xs" onClick={() => setDraft(original ?? '')}>
        Edit {label}
      </Button>
    );
  }
  const close = () => setDraft(null);
  return (
    <div className="mt-2 space-y-2" data-testid={`editor-${field}`}>
      <textarea
        ref={textarea}
        aria-label={`New ${label}`}
        className="block h-40 w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-[13px] dark:border-slate-700 dark:bg-slate-950"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') close();
          if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) apply({ field, value: draft, baseline: original }, close);
        }}
      />
      {error && (
        <p role="alert" className="text-xs text-rose-600">
          {error}
        </p>
      )}
      <div className="flex gap-2">
        <Button type="button" disabled={pending || draft === original} onClick={() => apply({ field, value: draft, baseline: original }, close)}>
          Save {label}
        </Button>
        <Button type="button" variant="secondary" onClick={close}>
          Cancel
        </Button>
        <span className="self-center text-xs text-slate-500">Ctrl+Enter saves, Esc cancels. The old text stays in the history.</span>
      </div>
    </div>
  );
}

function Revisions({ entries }: { entries: HistoryEntry[] }) {
  if (!entries.length) return null;
  return (
    <details className="mt-2 text-xs">
      <summary className="cursor-pointer text-slate-500">
        {entries.length} earlier version{entries.length === 1 ? '' : 's'}
      </summary>
      <ol className="mt-1 space-y-2">
        {entries.map((entry) => (
          <li key={entry.id} className="rounded border border-slate-200 p-2 dark:border-slate-800" data-testid="revision">
            <div className="mb-1 text-slate-500">
              {formatTimestamp(entry.at)} · {entry.actorEmail ?? 'unknown'} replaced:
            </div>
            <PlainText text={formatValue(entry.before)} className="text-slate-600 line-through decoration-slate-400 dark:text-slate-400" />
          </li>
        ))}
      </ol>
    </details>
  );
}

function StageCard({ stage, blurHarmful }: { stage: StageResultView; blurHarmful: boolean }) {
  const outcome = stage.verdict ? <VerdictBadge label="verdict" verdict={stage.verdict} /> : <Badge tone={stage.ok ? 'good' : 'bad'}>{stage.ok ? 'ok' : 'failed'}</Badge>;
  return (
    <details className="rounded border border-slate-200 p-2 text-xs dark:border-slate-800" data-testid={`stage-${stage.stage}`}>
      <summary className="flex cursor-pointer flex-wrap items-center gap-2">
        <span className="font-medium">{stageLabels[stage.stage]}</span>
        {outcome}
        {stage.cacheHit && <Badge tone="info">cache hit</Badge>}
        <span className="text-slate-500">
          {stage.model ?? 'model?'} · {formatMs(stage.latencyMs)} · {formatCount(stage.tokensIn)} in / {formatCount(stage.tokensOut)} out · {formatUsd(stage.costUsd)}
        </span>
      </summary>
      <div className="mt-2 space-y-2">
        {stage.reason && (
          <div>
            <div className="font-medium text-slate-500">Judge&apos;s reason</div>
            <PlainText text={stage.reason} />
          </div>
        )}
        {stage.error && (
          <div>
            <div className="font-medium text-rose-600">Error</div>
            <PlainText text={stage.error} />
          </div>
        )}
        <div>
          <div className="font-medium text-slate-500">Exact prompt sent</div>
          <HarmfulText key={`prompt-${stage.stage}`} text={stage.prompt} blurred={blurHarmful} label="prompt" />
        </div>
        <div>
          <div className="font-medium text-slate-500">Raw model output</div>
          <PlainText text={stage.rawOutput} className="font-mono" />
        </div>
        <div className="text-slate-500">
          Started {formatTimestamp(stage.startedAt)} · finished {formatTimestamp(stage.finishedAt)}
        </div>
      </div>
    </details>
  );
}

function DecisionControls({ pair }: { pair: PairDetail }) {
  const { apply, pending, error } = useChange(pair.id);
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <Button type="button" variant="secondary" disabled={pending || pair.humanStatus === 'KEPT'} onClick={() => apply({ field: 'humanStatus', value: 'KEPT' })}>
          Keep
        </Button>
        <Button type="button" variant="secondary" disabled={pending || pair.humanStatus === 'DROPPED'} onClick={() => apply({ field: 'humanStatus', value: 'DROPPED' })}>
          Drop
        </Button>
        {pair.humanStatus && (
          <Button type="button" variant="ghost" disabled={pending} onClick={() => apply({ field: 'humanStatus', value: null })}>
            Use the pipeline&apos;s decision
          </Button>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2 text-xs">
        <span className="text-slate-500">Override verdicts:</span>
        {(['instructionVerdict', 'responseVerdict'] as const).map((field) =>
          (['PASS', 'FAIL'] as const).map((value) => (
            <Button key={`${field}-${value}`} type="button" variant="ghost" className="!px-2 !py-0.5 text-xs" disabled={pending || pair[field] === value} onClick={() => apply({ field, value })}>
              {field === 'instructionVerdict' ? 'Instruction' : 'Pair'} {value}
            </Button>
          )),
        )}
      </div>
      <TagEditor pair={pair} />
      {error && (
        <p role="alert" className="text-xs text-rose-600">
          {error}
        </p>
      )}
    </div>
  );
}

function TagEditor({ pair }: { pair: PairDetail }) {
  const [tag, setTag] = useState('');
  const { apply, pending, error } = useChange(pair.id);
  return (
    <div className="flex flex-wrap items-center gap-2 text-xs">
      {pair.tags.map((existing) => (
        <span key={existing} className="inline-flex items-center gap-1 rounded bg-slate-100 px-1.5 py-0.5 dark:bg-slate-800">
          {existing}
          <button type="button" aria-label={`Remove tag ${existing}`} disabled={pending} onClick={() => apply({ field: 'tags', add: [], remove: [existing] })} className="text-slate-500 hover:text-rose-600">
            ×
          </button>
        </span>
      ))}
      <Input aria-label="New tag" placeholder="add a tag" className="!w-32 !py-0.5 text-xs" value={tag} onChange={(event) => setTag(event.target.value)} />
      <Button type="button" variant="ghost" className="!px-2 !py-0.5 text-xs" disabled={pending || !tag.trim()} onClick={() => apply({ field: 'tags', add: [tag.trim()], remove: [] }, () => setTag(''))}>
        Add tag
      </Button>
      {error && <span className="text-rose-600">{error}</span>}
    </div>
  );
}

function Comments({ pair, canComment }: { pair: PairDetail; canComment: boolean }) {
  const [body, setBody] = useState('');
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const refresh = useRefresh(pair.id);
  return (
    <div className="space-y-2">
      {pair.comments.length === 0 && <p className="text-xs text-slate-500">No comments yet.</p>}
      <ol className="space-y-2">
        {pair.comments.map((comment) => (
          <li key={comment.id} className="rounded bg-slate-50 p-2 text-xs dark:bg-slate-800/50" data-testid="comment">
            <div className="mb-1 text-slate-500">
              {comment.authorEmail ?? 'unknown'} · {formatTimestamp(comment.at)}
            </div>
            <PlainText text={comment.body} />
          </li>
        ))}
      </ol>
      {canComment && (
        <form
          className="space-y-2"
          onSubmit={(event) => {
            event.preventDefault();
            startTransition(async () => {
              const result = await addCommentAction({ pairId: pair.id, body });
              if (!result.ok) return setError(result.fieldErrors ? Object.values(result.fieldErrors).flat().join(' ') : result.error);
              setError(null);
              setBody('');
              await refresh();
            });
          }}
        >
          <textarea
            aria-label="Comment"
            className="block h-16 w-full rounded-md border border-slate-300 bg-white p-2 text-sm dark:border-slate-700 dark:bg-slate-950"
            value={body}
            onChange={(event) => setBody(event.target.value)}
          />
          {error && (
            <p role="alert" className="text-xs text-rose-600">
              {error}
            </p>
          )}
          <Button type="submit" variant="secondary" disabled={pending || !body.trim()}>
            Add comment
          </Button>
        </form>
      )}
    </div>
  );
}

function History({ entries }: { entries: HistoryEntry[] }) {
  const changes = entries.filter((entry) => entry.action !== 'pair.comment');
  if (!changes.length) return <p className="text-xs text-slate-500">No human changes yet.</p>;
  return (
    <ol className="space-y-2" data-testid="history">
      {changes.map((entry) => (
        <li key={entry.id} className="rounded border border-slate-200 p-2 text-xs dark:border-slate-800" data-testid="history-entry">
          <div className="text-slate-600 dark:text-slate-400">
            <span className="font-medium text-slate-800 dark:text-slate-200">{entry.actorEmail ?? 'unknown'}</span> {describeAction(entry.action)} · {formatTimestamp(entry.at)}
          </div>
          <div className="mt-1 grid grid-cols-2 gap-2">
            <div>
              <div className="text-slate-500">before</div>
              <PlainText text={formatValue(entry.before)} />
            </div>
            <div>
              <div className="text-slate-500">after</div>
              <PlainText text={formatValue(entry.after)} />
            </div>
          </div>
        </li>
      ))}
    </ol>
  );
}

export function PairDetailPanel({ pairId, permissions, blurHarmful, editRequest, onClose }: { pairId: string; permissions: PairPermissions; blurHarmful: boolean; editRequest: number; onClose: () => void }) {
  const { data: pair, error, isPending } = useQuery({ queryKey: ['review-pair', pairId], queryFn: () => fetchJson<PairDetail>(`/api/review/pairs/${pairId}`) });

  if (isPending) return <p className="p-4 text-sm text-slate-500">Loading pair {pairId}…</p>;
  if (error || !pair) {
    return (
      <p role="alert" className="p-4 text-sm text-rose-600">
        {error?.message ?? 'Could not load this pair.'}
      </p>
    );
  }
  const revisionsOf = (field: string) => pair.revisions.filter((revision) => revision.field === field);
  const sourceDiffers = pair.source !== null && pair.source.text !== pair.rejected;

  return (
    <article aria-label={`Pair ${pair.id}`} data-testid="pair-detail" className="text-sm">
      <header className="flex flex-wrap items-center gap-2 pb-3">
        <h2 className="text-base font-semibold">Pair {pair.id}</h2>
        <Badge>{pair.origin === 'RUN' ? 'pipeline' : 'imported'}</Badge>
        {pair.topic && <Badge tone="info">{pair.topic}</Badge>}
        {pair.simulated && <SimulatedBadge />}
        <DecisionBadges status={pair.status} humanStatus={pair.humanStatus} />
        <AuditBadge outcome={pair.auditOutcome} />
        {pair.humanEdited && <Badge tone="warn">human-edited</Badge>}
        {pair.automaticHidden && (
          <Badge tone="info" title="Answer it in the audit (or wait until the audit closes) to see the verdicts, the judge stages and the decision history">
            automatic verdicts hidden: blind audit
          </Badge>
        )}
        <button type="button" onClick={onClose} className="ml-auto text-xs text-slate-500 hover:underline">
          Close
        </button>
      </header>
      <p className="pb-3 text-xs text-slate-500">
        {pair.run && (
          <>
            Run <Link href={`/review/dashboard/run/${pair.run.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">{pair.run.name}</Link> ({pair.run.status.toLowerCase()})
          </>
        )}
        {pair.dataset && (
          <>
            Dataset <Link href={`/review/dashboard/dataset/${pair.dataset.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">{pair.dataset.name}</Link>
          </>
        )}
        {pair.externalId && <> · external id {pair.externalId}</>} · created {formatTimestamp(pair.createdAt)}
        {pair.runItem && (
          <>
            {' '}
            · item state {pair.runItem.state.toLowerCase()}
            {pair.runItem.failureCause && <> ({pair.runItem.failureCause})</>}
          </>
        )}
      </p>

      {permissions.write && (
        <Section title="Decision">
          <DecisionControls pair={pair} />
        </Section>
      )}
      {!permissions.write && pair.tags.length > 0 && (
        <Section title="Tags">
          <div className="flex flex-wrap gap-1">
            {pair.tags.map((tag) => (
              <Badge key={tag}>{tag}</Badge>
            ))}
          </div>
        </Section>
      )}

      <Section
        title="Instruction"
        actions={
          permissions.write ? (
            <TextEditor key={`${pair.id}-instruction`} pairId={pair.id} field="instruction" label="instruction" original={pair.instruction} openRequest={editRequest} />
          ) : undefined
        }
      >
        <div data-testid="detail-instruction">
          <PlainText text={pair.instruction} />
        </div>
        <div className="mt-2 flex flex-wrap gap-2">
          <VerdictBadge label="instruction" verdict={pair.instructionVerdict} />
          {pair.instructionReason && <span className="text-xs text-slate-600 dark:text-slate-400">Judge: {pair.instructionReason}</span>}
        </div>
        <Revisions entries={revisionsOf('instruction')} />
      </Section>

      <Section
        title="Chosen (safe) response"
        actions={permissions.write ? <TextEditor key={`${pair.id}-chosen`} pairId={pair.id} field="chosen" label="chosen response" original={pair.chosen} openRequest={0} /> : undefined}
      >
        <div data-testid="detail-chosen">
          <PlainText text={pair.chosen} />
        </div>
        <div className="mt-2 flex flex-wrap gap-2">
          <VerdictBadge label="pair" verdict={pair.responseVerdict} />
          {pair.responseReason && <span className="text-xs text-slate-600 dark:text-slate-400">Judge: {pair.responseReason}</span>}
        </div>
        <Revisions entries={revisionsOf('chosen')} />
      </Section>

      <Section title={pair.origin === 'RUN' && !sourceDiffers ? 'Rejected = source text (harmful)' : 'Rejected response (harmful)'}>
        <HarmfulText key={`${pair.id}-rejected`} text={pair.rejected} blurred={blurHarmful} label="rejected text" />
      </Section>

      {pair.source && sourceDiffers && (
        <Section title={`Source text · corpus ${pair.source.corpusName}`}>
          <HarmfulText key={`${pair.id}-source`} text={pair.source.text} blurred={blurHarmful} label="source text" />
        </Section>
      )}

      {pair.stages.length > 0 && (
        <Section title="Pipeline stages">
          <p className="mb-2 text-xs text-slate-500">
            Total {formatCount(pair.totals.tokensIn)} tokens in, {formatCount(pair.totals.tokensOut)} out · {formatUsd(pair.totals.costUsd)} · {formatMs(pair.totals.latencyMs)} of model time
          </p>
          <div className="space-y-2">
            {pair.stages.map((stage) => (
              <StageCard key={`${pair.id}-${stage.stage}`} stage={stage} blurHarmful={blurHarmful} />
            ))}
          </div>
        </Section>
      )}

      <Section title="History of human changes">
        <History entries={pair.audit} />
      </Section>

      <Section title={`Comments (${pair.comments.length})`}>
        <Comments pair={pair} canComment={permissions.comment} />
      </Section>
    </article>
  );
}
