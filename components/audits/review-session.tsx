'use client';

import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { Card, Badge } from '@/components/ui/card';
import { ProgressBar, SimulatedBadge } from '@/components/ui/progress';
import { HarmfulText } from '@/components/harmful-text';
import { SafeMarkdown } from '@/components/audits/safe-markdown';
import { claimNextItemAction, submitLabelAction, undoLabelAction } from '@/lib/actions/audits';
import { criteriaJudgements, type AuditCriteriaName } from '@/lib/audit/config';
import { topicLabel } from '@/lib/audit/cells';
import type { AnsweredItem, AutomaticVerdict, LabelAnswer, ReviewItemView } from '@/lib/audit/review';

type Question = 'instruction' | 'pair';

const questionText: Record<Question, string> = {
  instruction: 'Is the instruction valid? (coherent, matches the rejected text, on topic)',
  pair: 'Is the pair correct? (chosen is safe and better than rejected)',
};

const SHORTCUTS: [string, string][] = [
  ['a', 'accept (yes to the current question)'],
  ['r', 'reject (no to the current question)'],
  ['1–9', 'toggle a reason tag'],
  ['n', 'write a note (Esc to leave the note)'],
  ['u', 'undo the last decision or answer'],
  ['v', 'reveal or hide the texts of this item'],
  ['?', 'show or hide this cheatsheet'],
];

type Progress = { items: number; slots: number; answered: number; completeItems: number; reviewers: number; mine: number };

type AuditInfo = { id: string; name: string; criteria: AuditCriteriaName; blind: boolean; reasonTags: string[]; reviewersPerItem: number };

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

function describeAutomatic(automatic: AutomaticVerdict): string {
  const parts = [`final: ${automatic.status.toLowerCase()}`];
  if (automatic.instructionVerdict) parts.push(`instruction filter ${automatic.instructionVerdict}`);
  if (automatic.responseVerdict) parts.push(`response filter ${automatic.responseVerdict}`);
  return parts.join(' · ');
}

function describeAnswer(answer: LabelAnswer): string {
  const parts: string[] = [];
  if (answer.instructionValid !== null) parts.push(`instruction ${answer.instructionValid ? 'valid' : 'invalid'}`);
  if (answer.pairCorrect !== null) parts.push(`pair ${answer.pairCorrect ? 'correct' : 'incorrect'}`);
  if (answer.reasonTags.length > 0) parts.push(`tags: ${answer.reasonTags.join(', ')}`);
  if (answer.note) parts.push('with a note');
  return parts.join(' · ');
}

async function fetchProgress(auditId: string): Promise<Progress> {
  const response = await fetch(`/api/audits/${auditId}/progress`, { cache: 'no-store' });
  if (!response.ok) throw new Error('Could not load progress.');
  return (await response.json()) as Progress;
}

export function ReviewSession({ audit, guidelines, blurHarmful }: { audit: AuditInfo; guidelines: string; blurHarmful: boolean }) {
  const queryClient = useQueryClient();
  const asks = criteriaJudgements[audit.criteria].asks;
  const [item, setItem] = useState<ReviewItemView | null | undefined>(undefined);
  const [decisions, setDecisions] = useState<Partial<Record<Question, boolean>>>({});
  const [tags, setTags] = useState<string[]>([]);
  const [note, setNote] = useState('');
  const [lastAnswered, setLastAnswered] = useState<AnsweredItem | null>(null);
  const [revealAll, setRevealAll] = useState(false);
  const [cheatsheet, setCheatsheet] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const noteRef = useRef<HTMLTextAreaElement>(null);
  // Set synchronously, so a key pressed twice before React re-renders cannot answer twice.
  const busy = useRef(false);
  const run = useCallback(async (work: () => Promise<void>) => {
    if (busy.current) return;
    busy.current = true;
    setPending(true);
    try {
      await work();
    } finally {
      busy.current = false;
      setPending(false);
    }
  }, []);

  const progress = useQuery({ queryKey: ['audit-progress', audit.id], queryFn: () => fetchProgress(audit.id), refetchInterval: 2_000, staleTime: 1_000 });

  const resetItemState = useCallback(() => {
    setDecisions({});
    setTags([]);
    setNote('');
    setRevealAll(false);
  }, []);

  const show = useCallback(
    (next: ReviewItemView | null) => {
      setItem(next);
      resetItemState();
      void queryClient.invalidateQueries({ queryKey: ['audit-progress', audit.id] });
    },
    [audit.id, queryClient, resetItemState],
  );

  const claim = useCallback(async () => {
    const result = await claimNextItemAction({ auditId: audit.id });
    if (result.ok) {
      setError(null);
      show(result.data);
    } else {
      setError(result.error);
    }
  }, [audit.id, show]);
  const loadNext = useCallback(() => run(claim), [run, claim]);

  useEffect(() => {
    // Claiming hands out a lease, so it happens on mount in the browser, never during a prefetch.
    void loadNext();
  }, [loadNext]);

  async function submit(item: ReviewItemView, final: Partial<Record<Question, boolean>>) {
    const result = await submitLabelAction({
      auditId: audit.id,
      labelId: item.labelId,
      itemId: item.itemId,
      leaseToken: item.leaseToken,
      instructionValid: final.instruction ?? null,
      pairCorrect: final.pair ?? null,
      reasonTags: tags,
      note: note.trim() ? note : null,
    });
    if (result.ok) {
      setError(null);
      setLastAnswered(result.data.answered);
      show(result.data.next);
    } else {
      setDecisions({});
      setError(result.error);
      if (/expired/.test(result.error)) await claim();
    }
  }

  function decide(value: boolean) {
    if (!item || busy.current) return;
    const current = asks.find((question) => decisions[question] === undefined);
    if (!current) return;
    const next = { ...decisions, [current]: value };
    if (asks.every((question) => next[question] !== undefined)) void run(() => submit(item, next));
    else setDecisions(next);
  }

  function undo() {
    if (busy.current) return;
    const decided = [...asks].reverse().find((question) => decisions[question] !== undefined);
    if (decided) {
      const next = { ...decisions };
      delete next[decided];
      setDecisions(next);
      return;
    }
    void run(async () => {
      const result = await undoLabelAction({ auditId: audit.id });
      if (result.ok) {
        setError(null);
        setLastAnswered(null);
        show(result.data);
      } else {
        setError(result.error);
      }
    });
  }

  function toggleTag(index: number) {
    const tag = audit.reasonTags[index];
    if (!tag || !item) return;
    setTags((current) => (current.includes(tag) ? current.filter((entry) => entry !== tag) : [...current, tag]));
  }

  const onKey = useRef<(event: KeyboardEvent) => void>(() => {});
  useEffect(() => {
    onKey.current = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event.target)) {
        if (event.key === 'Escape') (event.target as HTMLElement).blur();
        return;
      }
      const actions: Record<string, () => void> = {
        a: () => decide(true),
        r: () => decide(false),
        n: () => noteRef.current?.focus(),
        u: undo,
        v: () => setRevealAll((value) => !value),
        '?': () => setCheatsheet((value) => !value),
        Escape: () => setCheatsheet(false),
      };
      const digit = /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : null;
      const action = digit !== null ? () => toggleTag(digit) : actions[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    };
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKey.current(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  const currentQuestion = asks.find((question) => decisions[question] === undefined);
  const mine = progress.data?.mine ?? 0;

  return (
    <div className="grid gap-6 xl:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
      <div className="space-y-4">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <div>
            <h1 className="text-xl font-semibold tracking-tight">{audit.name}</h1>
            <p className="text-xs text-slate-500">
              Keyboard first: <kbd>a</kbd> accept · <kbd>r</kbd> reject · <kbd>1–9</kbd> tags · <kbd>n</kbd> note · <kbd>u</kbd> undo · <kbd>?</kbd> all shortcuts
            </p>
          </div>
          <div className="w-64 text-xs" data-testid="review-progress">
            {progress.data && (
              <>
                <ProgressBar value={progress.data.answered} max={progress.data.slots} label="Audit progress" />
                <p className="mt-1 text-slate-600 dark:text-slate-400">
                  You: {mine} answered · audit: {progress.data.answered} / {progress.data.slots} answers
                </p>
              </>
            )}
          </div>
        </div>

        {lastAnswered && (
          <p className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="last-answer">
            Item {lastAnswered.position}: you answered {describeAnswer(lastAnswered.answer)}. Automatic verdict: {describeAutomatic(lastAnswered.automatic)}.
          </p>
        )}
        {error && (
          <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
            {error}
          </p>
        )}

        {item === undefined && <p className="text-sm text-slate-500">Taking the next item…</p>}
        {item === null && (
          <Card>
            <div data-testid="review-done" className="space-y-2 text-sm">
              <p className="font-medium">Nothing left for you in this audit. Thank you!</p>
              <p className="text-slate-600 dark:text-slate-400">
                Press <kbd>u</kbd> to take back your last answer, or{' '}
                <Link href={`/audits/${audit.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                  see the statistics
                </Link>
                .
              </p>
            </div>
          </Card>
        )}

        {item && (
          <div data-testid="review-item" data-item-id={item.itemId} data-position={item.position} className="space-y-4">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <span className="font-medium">Item {item.position}</span>
              <Badge>{topicLabel(item.pair.topic ?? '')}</Badge>
              {item.pair.simulated && <SimulatedBadge />}
              <span className="text-xs text-slate-500">pair #{item.pair.id}</span>
            </div>
            {item.previousAnswer && (
              <p className="text-sm text-amber-800 dark:text-amber-300">You are changing your answer ({describeAnswer(item.previousAnswer)}).</p>
            )}
            <Card title="Instruction">
              <HarmfulText key={`i-${item.labelId}-${revealAll}`} text={item.pair.instruction} blurred={blurHarmful && !revealAll} label="instruction" />
            </Card>
            <div className="grid gap-4 lg:grid-cols-2">
              <Card title="Chosen (should be safe and better)">
                <HarmfulText key={`c-${item.labelId}-${revealAll}`} text={item.pair.chosen} blurred={blurHarmful && !revealAll} label="chosen response" />
              </Card>
              <Card title="Rejected (harmful source text)">
                <HarmfulText key={`r-${item.labelId}-${revealAll}`} text={item.pair.rejected} blurred={blurHarmful && !revealAll} label="rejected response" />
              </Card>
            </div>
            <Card title="Automatic verdict">
              {item.automatic ? (
                <p className="text-sm" data-testid="automatic-verdict">
                  {describeAutomatic(item.automatic)}
                  {item.automatic.responseReason && <span className="block text-xs text-slate-500">Response filter: {item.automatic.responseReason}</span>}
                  {item.automatic.instructionReason && <span className="block text-xs text-slate-500">Instruction filter: {item.automatic.instructionReason}</span>}
                </p>
              ) : (
                <p className="text-sm text-slate-500" data-testid="automatic-verdict-hidden">
                  Hidden until you answer (blind mode).
                </p>
              )}
            </Card>

            <Card title="Your answer">
              <div className="space-y-3">
                {asks.map((question) => {
                  const value = decisions[question];
                  return (
                    <div key={question} className={`rounded-md p-2 text-sm ${question === currentQuestion ? 'bg-indigo-50 dark:bg-indigo-950' : ''}`} data-testid={`question-${question}`}>
                      <p>{questionText[question]}</p>
                      <div className="mt-1 flex items-center gap-2">
                        {value === undefined ? (
                          question === currentQuestion && (
                            <>
                              <Button type="button" onClick={() => decide(true)} disabled={pending}>
                                Accept (a)
                              </Button>
                              <Button type="button" variant="danger" onClick={() => decide(false)} disabled={pending}>
                                Reject (r)
                              </Button>
                            </>
                          )
                        ) : (
                          <Badge tone={value ? 'good' : 'bad'}>{value ? 'yes' : 'no'}</Badge>
                        )}
                      </div>
                    </div>
                  );
                })}
                <div className="flex flex-wrap gap-2" aria-label="Reason tags">
                  {audit.reasonTags.map((tag, index) => (
                    <button
                      key={tag}
                      type="button"
                      aria-pressed={tags.includes(tag)}
                      onClick={() => toggleTag(index)}
                      className={`rounded border px-2 py-0.5 text-xs ${tags.includes(tag) ? 'border-indigo-500 bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100' : 'border-slate-300 dark:border-slate-700'}`}
                    >
                      <kbd className="mr-1 font-mono">{index + 1}</kbd>
                      {tag}
                    </button>
                  ))}
                </div>
                <textarea
                  ref={noteRef}
                  aria-label="Note"
                  placeholder="Note (press n; Esc to go back to the shortcuts)"
                  rows={2}
                  value={note}
                  maxLength={4000}
                  onChange={(event) => setNote(event.target.value)}
                  className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-900"
                />
                <Button type="button" variant="ghost" onClick={undo} disabled={pending}>
                  Undo (u)
                </Button>
              </div>
            </Card>
          </div>
        )}
      </div>

      <aside className="space-y-4">
        <Card title="Guidelines">{guidelines.trim() ? <SafeMarkdown source={guidelines} /> : <p className="text-sm text-slate-500">No guidelines for this audit.</p>}</Card>
        <p className="text-xs text-slate-500">
          Press <kbd>?</kbd> for the keyboard shortcuts.
        </p>
      </aside>

      {cheatsheet && (
        <div role="dialog" aria-label="Keyboard shortcuts" className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40" onClick={() => setCheatsheet(false)}>
          <div className="w-96 rounded-lg bg-white p-4 shadow-lg dark:bg-slate-900" onClick={(event) => event.stopPropagation()}>
            <h2 className="mb-2 text-sm font-semibold">Keyboard shortcuts</h2>
            <table className="w-full text-sm">
              <tbody>
                {SHORTCUTS.map(([key, text]) => (
                  <tr key={key}>
                    <td className="py-0.5 pr-3 font-mono">{key}</td>
                    <td>{text}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-2 text-xs text-slate-500">Shortcuts never fire while you type in a field. Esc closes this.</p>
          </div>
        </div>
      )}
    </div>
  );
}
