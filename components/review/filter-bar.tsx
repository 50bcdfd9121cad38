'use client';

import { useEffect, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Input, Select } from '@/components/ui/field';
import { MIN_SEARCH_LENGTH, type FilterKey } from '@/lib/review/filters';
import type { FilterOptions } from '@/lib/review/options';

type Choice = { value: string; label: string };
type SelectFilter = { key: FilterKey | 'sort' | 'in'; label: string; any: string | null; choices: Choice[] };

const verdictChoices: Choice[] = [
  { value: 'PASS', label: 'PASS' },
  { value: 'FAIL', label: 'FAIL' },
  { value: 'UNPARSEABLE', label: 'Unparseable' },
  { value: 'NONE', label: 'Not judged' },
];

/** The fixed-choice filters, in the order the bar shows them. */
const selectFilters: SelectFilter[] = [
  { key: 'iv', label: 'Instruction verdict', any: 'Any instruction verdict', choices: verdictChoices },
  { key: 'rv', label: 'Pair verdict', any: 'Any pair verdict', choices: verdictChoices },
  {
    key: 'status',
    label: 'Automatic decision',
    any: 'Any automatic decision',
    choices: [
      { value: 'KEPT', label: 'Kept by the pipeline' },
      { value: 'DROPPED', label: 'Dropped by the pipeline' },
      { value: 'PENDING', label: 'Pending' },
    ],
  },
  {
    key: 'human',
    label: 'Human decision',
    any: 'Any human decision',
    choices: [
      { value: 'NONE', label: 'No human decision' },
      { value: 'ANY', label: 'Decided by a human' },
      { value: 'KEPT', label: 'Kept by a human' },
      { value: 'DROPPED', label: 'Dropped by a human' },
    ],
  },
  {
    key: 'audit',
    label: 'Audit status',
    any: 'Any audit status',
    choices: [
      { value: 'NONE', label: 'Not audited' },
      { value: 'ACCEPTED', label: 'Accepted in audit' },
      { value: 'REJECTED', label: 'Rejected in audit' },
    ],
  },
  {
    key: 'edited',
    label: 'Human-edited',
    any: 'Edited or not',
    choices: [
      { value: 'yes', label: 'Edited by a human' },
      { value: 'no', label: 'Not edited' },
    ],
  },
];

const searchScopes: Choice[] = [
  { value: 'all', label: 'Instruction and source' },
  { value: 'instruction', label: 'Instruction only' },
  { value: 'source', label: 'Source (rejected) only' },
];

const sortChoices: Choice[] = [
  { value: 'new', label: 'Newest first' },
  { value: 'old', label: 'Oldest first' },
];

/** The shared controls are full-width blocks; this gives each its slot in the bar. */
function Slot({ width, children }: { width: string; children: React.ReactNode }) {
  return <div className={width}>{children}</div>;
}

export function FilterBar({ options, get, setParams }: { options: FilterOptions; get: (key: string) => string; setParams: (patch: Record<string, string | undefined>) => void }) {
  const offered = new Set<string>(options.offered);
  const committedSearch = get('q');
  const [search, setSearch] = useState(committedSearch);
  const [tag, setTag] = useState(get('tag'));
  const searchTooShort = search.trim().length > 0 && search.trim().length < MIN_SEARCH_LENGTH;

  useEffect(() => {
    const term = search.trim();
    if (term === committedSearch || (term.length > 0 && term.length < MIN_SEARCH_LENGTH)) return;
    const timer = setTimeout(() => setParams({ q: term || undefined }), 350);
    return () => clearTimeout(timer);
  }, [search, committedSearch, setParams]);

  const source = get('run') ? `run:${get('run')}` : get('dataset') ? `dataset:${get('dataset')}` : '';
  const anyActive = [...selectFilters.map((f) => f.key), 'run', 'dataset', 'topic', 'tag', 'q'].some((key) => get(key));

  return (
    <form role="search" aria-label="Filters" className="mb-4 space-y-2" onSubmit={(event) => event.preventDefault()}>
      <div className="flex flex-wrap gap-2">
        <Slot width="w-64">
          <Select
            aria-label="Run or dataset"
            value={source}
            onChange={(event) => {
              const [kind, ...rest] = event.target.value.split(':');
              const id = rest.join(':');
              setParams({ run: kind === 'run' ? id : undefined, dataset: kind === 'dataset' ? id : undefined });
            }}
          >
            <option value="">All runs and datasets</option>
            {options.runs.length > 0 && (
              <optgroup label="Runs">
                {options.runs.map((run) => (
                  <option key={run.id} value={`run:${run.id}`}>
                    {run.name} ({run.detail})
                  </option>
                ))}
              </optgroup>
            )}
            {options.datasets.length > 0 && (
              <optgroup label="Imported datasets">
                {options.datasets.map((dataset) => (
                  <option key={dataset.id} value={`dataset:${dataset.id}`}>
                    {dataset.name} ({dataset.detail})
                  </option>
                ))}
              </optgroup>
            )}
          </Select>
        </Slot>
        <Slot width="w-40">
          <Select aria-label="Topic" value={get('topic')} onChange={(event) => setParams({ topic: event.target.value || undefined })}>
            <option value="">All topics</option>
            {options.topics.map((topic) => (
              <option key={topic} value={topic}>
                {topic}
              </option>
            ))}
          </Select>
        </Slot>
        {selectFilters
          .filter((filter) => offered.has(filter.key))
          .map((filter) => (
            <Slot key={filter.key} width="w-52">
              <Select aria-label={filter.label} value={get(filter.key)} onChange={(event) => setParams({ [filter.key]: event.target.value || undefined })}>
                {filter.any && <option value="">{filter.any}</option>}
                {filter.choices.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </Select>
            </Slot>
          ))}
        {offered.has('tag') && (
          <Slot width="w-32">
            <Input
              aria-label="Tag"
              placeholder="Tag"
              value={tag}
              onChange={(event) => setTag(event.target.value)}
              onBlur={() => setParams({ tag: tag.trim() || undefined })}
              onKeyDown={(event) => event.key === 'Enter' && setParams({ tag: tag.trim() || undefined })}
            />
          </Slot>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        <Slot width="w-96 max-w-full">
          <Input
            type="search"
            aria-label="Search text"
            placeholder={`Search instruction and source text (${MIN_SEARCH_LENGTH}+ characters)`}
            value={search}
            onChange={(event) => setSearch(event.target.value)}
          />
        </Slot>
        <Slot width="w-56">
          <Select aria-label="Search in" value={get('in') || 'all'} onChange={(event) => setParams({ in: event.target.value === 'all' ? undefined : event.target.value })}>
            {searchScopes.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </Select>
        </Slot>
        <Slot width="w-40">
          <Select aria-label="Sort" value={get('sort') || 'new'} onChange={(event) => setParams({ sort: event.target.value === 'new' ? undefined : event.target.value })}>
            {sortChoices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </Select>
        </Slot>
        {anyActive && (
          <Button
            type="button"
            variant="ghost"
            onClick={() => {
              setSearch('');
              setTag('');
              setParams(Object.fromEntries(['run', 'dataset', 'topic', 'tag', 'q', ...selectFilters.map((f) => f.key)].map((key) => [key, undefined])));
            }}
          >
            Clear filters
          </Button>
        )}
        {searchTooShort && <span className="text-xs text-slate-500">Type at least {MIN_SEARCH_LENGTH} characters to search.</span>}
      </div>
    </form>
  );
}
