'use client';

import { useCallback, useEffect, useMemo, useRef, useState, useTransition } from 'react';
import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/card';
import { Input } from '@/components/ui/field';
import { changePairsAction } from '@/lib/actions/review';
import type { PairChangeInput } from '@/lib/review/changes';
import { MAX_BULK_PAIRS } from '@/lib/review/changes';
import type { FilterOptions } from '@/lib/review/options';
import { shortcutFor, type ShortcutAction } from '@/lib/review/shortcuts';
import type { PairPage } from '@/lib/review/types';
import { fetchJson } from './fetch-json';
import { FilterBar } from './filter-bar';
import { PairDetailPanel, type PairPermissions } from './pair-detail';
import { InstructionRow, PairCard } from './pair-rows';
import { ShortcutsDialog } from './shortcuts-dialog';
import { useReviewParams } from './use-review-params';

export type ReviewView = 'pairs' | 'instructions';

function BulkBar({ selected, onDone }: { selected: string[]; onDone: (message: string) => void }) {
  const [tag, setTag] = useState('');
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const run = (change: PairChangeInput, verb: string) =>
    startTransition(async () => {
      const result = await changePairsAction({ ids: selected, change });
      if (!result.ok) {
        setError(result.fieldErrors ? Object.values(result.fieldErrors).flat().join(' ') : result.error);
        return;
      }
      setError(null);
      await queryClient.invalidateQueries({ queryKey: ['review-pairs'] });
      await queryClient.invalidateQueries({ queryKey: ['review-pair'] });
      const unchanged = result.data.unchanged.length;
      onDone(`${verb} ${result.data.changed.length} pair${result.data.changed.length === 1 ? '' : 's'}${unchanged ? ` (${unchanged} already so)` : ''}.`);
    });
  return (
    <div role="toolbar" aria-label="Bulk actions" className="sticky top-0 z-10 mb-3 flex flex-wrap items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm dark:border-amber-800 dark:bg-amber-950">
      <span className="font-medium" data-testid="selection-count">
        {selected.length} selected
      </span>
      <Button type="button" variant="secondary" disabled={pending} onClick={() => run({ field: 'humanStatus', value: 'KEPT' }, 'Kept')}>
        Keep selected
      </Button>
      <Button type="button" variant="secondary" disabled={pending} onClick={() => run({ field: 'humanStatus', value: 'DROPPED' }, 'Dropped')}>
        Drop selected
      </Button>
      <Button type="button" variant="ghost" disabled={pending} onClick={() => run({ field: 'humanStatus', value: null }, 'Reset the decision of')}>
        Reset decision
      </Button>
      <Input aria-label="Bulk tag" placeholder="tag" className="!w-32" value={tag} onChange={(event) => setTag(event.target.value)} />
      <Button type="button" variant="secondary" disabled={pending || !tag.trim()} onClick={() => run({ field: 'tags', add: [tag.trim()], remove: [] }, 'Tagged')}>
        Add tag
      </Button>
      <Button type="button" variant="ghost" disabled={pending || !tag.trim()} onClick={() => run({ field: 'tags', add: [], remove: [tag.trim()] }, 'Untagged')}>
        Remove tag
      </Button>
      {error && (
        <span role="alert" className="text-rose-600">
          {error}
        </span>
      )}
    </div>
  );
}

export function ReviewWorkspace({ view, options, permissions, blurHarmful }: { view: ReviewView; options: FilterOptions; permissions: PairPermissions; blurHarmful: boolean }) {
  const { get, listKey, setParams, openPairId } = useReviewParams();
  // A selection belongs to the list it was made in: a new filter starts with none.
  const [selectionState, setSelectionState] = useState<{ listKey: string; ids: Set<string> }>({ listKey: '', ids: new Set() });
  const [helpOpen, setHelpOpen] = useState(false);
  const [editRequest, setEditRequest] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const rowRefs = useRef(new Map<string, HTMLElement>());
  const queryClient = useQueryClient();

  const list = useInfiniteQuery({
    queryKey: ['review-pairs', listKey],
    queryFn: ({ pageParam }) => fetchJson<PairPage>(`/api/review/pairs?${listKey}${listKey ? '&' : ''}${pageParam ? `after=${pageParam}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.rows) ?? [], [list.data]);

  const selection = useMemo(() => (selectionState.listKey === listKey ? selectionState.ids : new Set<string>()), [selectionState, listKey]);
  const setSelection = useCallback((update: Set<string> | ((current: Set<string>) => Set<string>)) => {
    setSelectionState((state) => {
      const current = state.listKey === listKey ? state.ids : new Set<string>();
      return { listKey, ids: typeof update === 'function' ? update(current) : update };
    });
  }, [listKey]);

  const open = useCallback(
    (id: string | null) => {
      setEditRequest(0);
      setParams({ pair: id ?? undefined });
    },
    [setParams],
  );

  useEffect(() => {
    if (openPairId) rowRefs.current.get(openPairId)?.scrollIntoView({ block: 'nearest' });
  }, [openPairId]);

  const toggle = useCallback(
    (id: string) => {
      setSelection((current) => {
        const next = new Set(current);
        if (next.has(id)) next.delete(id);
        else if (next.size < MAX_BULK_PAIRS) next.add(id);
        return next;
      });
    },
    [setSelection],
  );

  const decide = useCallback(
    async (value: 'KEPT' | 'DROPPED') => {
      if (!openPairId) return;
      const result = await changePairsAction({ ids: [openPairId], change: { field: 'humanStatus', value } });
      setNotice(result.ok ? `Pair ${openPairId} ${value === 'KEPT' ? 'kept' : 'dropped'}.` : result.error);
      await queryClient.invalidateQueries({ queryKey: ['review-pairs'] });
      await queryClient.invalidateQueries({ queryKey: ['review-pair', openPairId] });
    },
    [openPairId, queryClient],
  );

  const move = useCallback(
    (step: 1 | -1) => {
      const index = openPairId ? rows.findIndex((row) => row.id === openPairId) : -1;
      const target = index === -1 ? (step === 1 ? 0 : rows.length - 1) : index + step;
      if (target >= 0 && target < rows.length) open(rows[target].id);
      else if (target >= rows.length && list.hasNextPage && !list.isFetchingNextPage) void list.fetchNextPage();
    },
    [openPairId, rows, open, list],
  );

  const handlers: Record<ShortcutAction, () => void> = {
    next: () => move(1),
    previous: () => move(-1),
    toggleSelect: () => permissions.write && openPairId && toggle(openPairId),
    edit: () => permissions.write && openPairId && setEditRequest((n) => n + 1),
    help: () => setHelpOpen((value) => !value),
    keep: () => permissions.write && void decide('KEPT'),
    drop: () => permissions.write && void decide('DROPPED'),
  };
  const handlersRef = useRef(handlers);
  useEffect(() => {
    handlersRef.current = handlers;
  });

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      const action = shortcutFor(event);
      if (!action) return;
      if (document.querySelector('dialog[open]') && action !== 'help') return;
      event.preventDefault();
      handlersRef.current[action]();
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const selected = [...selection];
  const allLoadedSelected = rows.length > 0 && rows.every((row) => selection.has(row.id));
  const rowProps = (id: string) => ({
    focused: id === openPairId,
    selected: selection.has(id),
    selectable: permissions.write,
    blurHarmful,
    onOpen: () => open(id),
    onToggleSelect: () => toggle(id),
    ref: (element: HTMLElement | null) => {
      if (element) rowRefs.current.set(id, element);
      else rowRefs.current.delete(id);
    },
  });

  let body: React.ReactNode;
  if (list.isPending) body = <p className="text-sm text-slate-500">Loading pairs…</p>;
  else if (list.error)
    body = (
      <p role="alert" className="text-sm text-rose-600">
        {list.error.message}
      </p>
    );
  else if (rows.length === 0 && !list.hasNextPage)
    body = listKey ? (
      <EmptyState title="No pairs match these filters">Change or clear the filters above.</EmptyState>
    ) : (
      <EmptyState title="Nothing to review yet">Pairs appear here once a run finishes or a preference dataset is imported.</EmptyState>
    );
  else if (rows.length === 0) body = null;
  else if (view === 'pairs')
    body = (
      <ol className="space-y-2" aria-label="Pairs">
        {rows.map((row) => {
          const { ref, ...props } = rowProps(row.id);
          return <PairCard key={row.id} ref={ref} row={row} {...props} />;
        })}
      </ol>
    );
  else
    body = (
      <div className="overflow-x-auto rounded-md border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-sm" aria-label="Instructions">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="px-2 py-2" />
              <th className="px-2 py-2">Pair</th>
              <th className="px-2 py-2">Topic</th>
              <th className="px-2 py-2">Run / dataset</th>
              <th className="px-2 py-2">Instruction</th>
              <th className="px-2 py-2">Verdict</th>
              <th className="px-2 py-2">Judge&apos;s reason</th>
              <th className="px-2 py-2">Decision</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const { ref, ...props } = rowProps(row.id);
              return <InstructionRow key={row.id} ref={ref} row={row} {...props} />;
            })}
          </tbody>
        </table>
      </div>
    );

  return (
    <div>
      <FilterBar options={options} get={get} setParams={setParams} />
      {permissions.write && selected.length > 0 && (
        <BulkBar
          selected={selected}
          onDone={(message) => {
            setNotice(message);
            setSelection(new Set());
          }}
        />
      )}
      <div className="mb-2 flex flex-wrap items-center gap-3 text-xs text-slate-500">
        <span data-testid="loaded-count">
          {rows.length} pair{rows.length === 1 ? '' : 's'} loaded{list.hasNextPage ? ', more below' : ''}
        </span>
        {permissions.write && rows.length > 0 && (
          <label className="flex items-center gap-1">
            <input type="checkbox" checked={allLoadedSelected} onChange={() => setSelection(allLoadedSelected ? new Set() : new Set(rows.slice(0, MAX_BULK_PAIRS).map((row) => row.id)))} />
            Select all loaded
          </label>
        )}
        <button type="button" className="hover:underline" onClick={() => setHelpOpen(true)}>
          Keyboard: j/k move · x select · e edit · ? all shortcuts
        </button>
        {notice && (
          <span role="status" className="text-emerald-700 dark:text-emerald-400">
            {notice}
          </span>
        )}
      </div>
      <div className={`grid gap-4 ${openPairId ? 'xl:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]' : ''}`}>
        <div className="min-w-0">
          {body}
          {list.data?.pages[list.data.pages.length - 1]?.partial && (
            <p className="mt-3 text-center text-xs text-slate-500" data-testid="partial-page">
              These filters match few pairs spread over many; the search stopped early to stay fast. Load more to search further back.
            </p>
          )}
          {list.hasNextPage && (
            <div className="mt-3 text-center">
              <Button type="button" variant="secondary" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </Button>
            </div>
          )}
        </div>
        {openPairId && (
          <aside className="min-w-0 self-start rounded-lg border border-slate-200 bg-white p-4 xl:sticky xl:top-4 xl:max-h-[calc(100vh-2rem)] xl:overflow-y-auto dark:border-slate-800 dark:bg-slate-900">
            <PairDetailPanel key={openPairId} pairId={openPairId} permissions={permissions} blurHarmful={blurHarmful} editRequest={editRequest} onClose={() => open(null)} />
          </aside>
        )}
      </div>
      <ShortcutsDialog open={helpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}
