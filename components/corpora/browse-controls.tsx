import Link from 'next/link';

import { buttonClasses } from '@/components/ui/button';
import { Input } from '@/components/ui/field';

import { formatCount } from '@/components/imports/format';

export type BrowseState = { q: string | null; topic: string | null };

export function browseHref(base: string, state: BrowseState, page: { after?: string | null; before?: string | null } = {}): string {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.topic) params.set('topic', state.topic);
  if (page.after) params.set('after', page.after);
  if (page.before) params.set('before', page.before);
  return params.size > 0 ? `${base}?${params}` : base;
}

/** A plain GET form: search works without JavaScript and the URL can be shared. */
export function SearchForm({ base, state, label }: { base: string; state: BrowseState; label: string }) {
  return (
    <form role="search" action={base} method="get" className="flex flex-wrap items-center gap-2">
      {state.topic && <input type="hidden" name="topic" value={state.topic} />}
      <label htmlFor="browse-q" className="sr-only">
        {label}
      </label>
      <Input id="browse-q" name="q" type="search" defaultValue={state.q ?? ''} placeholder={label} className="max-w-sm" maxLength={200} />
      <button type="submit" className={buttonClasses('secondary')}>
        Search
      </button>
      {(state.q || state.topic) && (
        <Link href={base} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
          Clear
        </Link>
      )}
    </form>
  );
}

export function TopicChips({ base, state, counts }: { base: string; state: BrowseState; counts: { topic: string | null; count: number }[] }) {
  return (
    <ul className="flex flex-wrap gap-2" aria-label="Topics">
      {counts.map(({ topic, count }) => {
        const active = topic !== null && state.topic === topic;
        const label = topic ?? 'no topic';
        const chip = `inline-flex items-center gap-1 rounded-full border px-2.5 py-0.5 text-xs ${active ? 'border-indigo-500 bg-indigo-50 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200' : 'border-slate-300 dark:border-slate-700'}`;
        return (
          <li key={label} data-testid={`topic-${label}`}>
            {topic === null ? (
              <span className={chip}>
                {label} <span className="tabular-nums text-slate-500">{formatCount(count)}</span>
              </span>
            ) : (
              <Link className={chip} href={browseHref(base, { q: state.q, topic: active ? null : topic })}>
                {label} <span className="tabular-nums text-slate-500">{formatCount(count)}</span>
              </Link>
            )}
          </li>
        );
      })}
    </ul>
  );
}

export function Pager({ base, state, prevBefore, nextAfter }: { base: string; state: BrowseState; prevBefore: string | null; nextAfter: string | null }) {
  if (!prevBefore && !nextAfter) return null;
  return (
    <nav aria-label="Pages" className="flex gap-3 text-sm">
      {prevBefore && (
        <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={browseHref(base, state, { before: prevBefore })}>
          ← Previous
        </Link>
      )}
      {nextAfter && (
        <Link className="text-indigo-600 hover:underline dark:text-indigo-400" href={browseHref(base, state, { after: nextAfter })}>
          Next →
        </Link>
      )}
    </nav>
  );
}
