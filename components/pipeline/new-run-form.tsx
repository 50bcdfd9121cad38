'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, useTransition } from 'react';
import { createRunAction, loadSampleCorpusAction } from '@/lib/actions/runs';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import type { CorpusOption } from '@/lib/pipeline/items';
import type { RecipeVersionOption } from '@/lib/pipeline/recipes';
import { formatCount } from './format';

type LimitKind = 'all' | 'first' | 'sample';

function optionalNumber(value: string): number | null {
  return value.trim() === '' ? null : Number(value);
}

export function NewRunForm({ versions, corpora, defaultVersionId, canLoadSample }: { versions: RecipeVersionOption[]; corpora: CorpusOption[]; defaultVersionId: string | null; canLoadSample: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [name, setName] = useState('');
  const [versionId, setVersionId] = useState(defaultVersionId ?? versions[0]?.id ?? '');
  const [corpusIds, setCorpusIds] = useState<string[]>(corpora.length === 1 ? [corpora[0].id] : []);
  const [topics, setTopics] = useState<string[]>([]);
  const [limitKind, setLimitKind] = useState<LimitKind>('all');
  const [count, setCount] = useState('100');
  const [seed, setSeed] = useState('1');
  const [budgetUsd, setBudgetUsd] = useState('');
  const [budgetTokens, setBudgetTokens] = useState('');

  const availableTopics = useMemo(() => {
    const counts = new Map<string, number>();
    for (const corpus of corpora) if (corpusIds.includes(corpus.id)) for (const row of corpus.topics) counts.set(row.topic, (counts.get(row.topic) ?? 0) + row.count);
    return [...counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }, [corpora, corpusIds]);
  const selectedCount = availableTopics.filter(([topic]) => topics.length === 0 || topics.includes(topic)).reduce((sum, [, n]) => sum + n, 0);

  function toggle(list: string[], value: string): string[] {
    return list.includes(value) ? list.filter((entry) => entry !== value) : [...list, value];
  }

  function loadSample() {
    setError(null);
    startTransition(async () => {
      const result = await loadSampleCorpusAction({});
      if (!result.ok) setError(result.error);
      else router.refresh();
    });
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    setFieldErrors({});
    const limit =
      limitKind === 'all'
        ? { kind: 'all' as const }
        : limitKind === 'first'
          ? { kind: 'first' as const, count: Number(count) }
          : { kind: 'sample' as const, size: Number(count), seed };
    startTransition(async () => {
      const result = await createRunAction({
        name: name.trim() || undefined,
        recipeVersionId: versionId,
        selection: { corpusIds, topics: topics.filter((topic) => availableTopics.some(([available]) => available === topic)), limit },
        budgetUsd: optionalNumber(budgetUsd),
        budgetTokens: optionalNumber(budgetTokens),
      });
      if (!result.ok) {
        setError(result.error);
        setFieldErrors(result.fieldErrors ?? {});
        return;
      }
      router.push(`/runs/${result.data.runId}`);
    });
  }

  const fieldError = (key: string) => fieldErrors[key]?.[0];

  if (corpora.length === 0) {
    return (
      <Card title="No corpus yet">
        <p className="text-sm text-slate-600 dark:text-slate-400">A run needs source texts. Import a corpus, or load the 100-text sample corpus that ships with the app.</p>
        {canLoadSample && (
          <Button className="mt-3" onClick={loadSample} disabled={pending}>
            Load the sample corpus
          </Button>
        )}
        {error && (
          <p role="alert" className="mt-2 text-sm text-rose-600 dark:text-rose-400">
            {error}
          </p>
        )}
      </Card>
    );
  }

  return (
    <form onSubmit={submit} aria-label="New run" className="space-y-4">
      <Card title="Recipe">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Recipe version" htmlFor="run-recipe" error={fieldError('recipeVersionId')} hint="A version never changes, so the run can be reproduced.">
            <Select id="run-recipe" value={versionId} onChange={(event) => setVersionId(event.target.value)}>
              {versions.map((version) => (
                <option key={version.id} value={version.id}>
                  {version.recipeName} — v{version.version}
                  {version.latest ? ' (latest)' : ''}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Run name" htmlFor="run-name" hint="Optional; defaults to recipe, version and time.">
            <Input id="run-name" value={name} onChange={(event) => setName(event.target.value)} maxLength={200} />
          </Field>
        </div>
      </Card>

      <Card title="Source texts">
        <fieldset>
          <legend className="text-sm font-medium">Corpora</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-2">
            {corpora.map((corpus) => (
              <label key={corpus.id} className="flex items-center gap-2 text-sm">
                <input type="checkbox" checked={corpusIds.includes(corpus.id)} onChange={() => setCorpusIds((list) => toggle(list, corpus.id))} />
                <span>{corpus.name}</span>
                <span className="text-xs text-slate-500">{formatCount(corpus.itemCount)} texts</span>
              </label>
            ))}
          </div>
          {fieldError('selection.corpusIds') && (
            <p role="alert" className="mt-1 text-xs text-rose-600 dark:text-rose-400">
              {fieldError('selection.corpusIds')}
            </p>
          )}
        </fieldset>
        {availableTopics.length > 0 && (
          <fieldset className="mt-4">
            <legend className="text-sm font-medium">Topics (none ticked: all)</legend>
            <div className="mt-2 flex flex-wrap gap-4">
              {availableTopics.map(([topic, n]) => (
                <label key={topic} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={topics.includes(topic)} onChange={() => setTopics((list) => toggle(list, topic))} />
                  {topic} <span className="text-xs text-slate-500">{formatCount(n)}</span>
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <fieldset className="mt-4">
          <legend className="text-sm font-medium">Which texts</legend>
          <div className="mt-2 flex flex-wrap gap-4 text-sm">
            {(
              [
                ['all', `All (${formatCount(selectedCount)})`],
                ['first', 'The first N'],
                ['sample', 'A seeded random sample of N'],
              ] as const
            ).map(([kind, label]) => (
              <label key={kind} className="flex items-center gap-2">
                <input type="radio" name="limit" value={kind} checked={limitKind === kind} onChange={() => setLimitKind(kind)} />
                {label}
              </label>
            ))}
          </div>
          {limitKind !== 'all' && (
            <div className="mt-3 flex flex-wrap gap-4">
              <Field label="N" htmlFor="run-count" error={fieldError('selection.limit.count') ?? fieldError('selection.limit.size')}>
                <Input id="run-count" inputMode="numeric" value={count} onChange={(event) => setCount(event.target.value)} className="w-32" />
              </Field>
              {limitKind === 'sample' && (
                <Field label="Seed" htmlFor="run-seed" error={fieldError('selection.limit.seed')} hint="The same seed picks the same texts.">
                  <Input id="run-seed" value={seed} onChange={(event) => setSeed(event.target.value)} className="w-40" />
                </Field>
              )}
            </div>
          )}
        </fieldset>
      </Card>

      <Card title="Budget">
        <div className="flex flex-wrap gap-4">
          <Field label="Budget (USD)" htmlFor="run-budget-usd" error={fieldError('budgetUsd')} hint="The run pauses when it has spent this much. Empty: no cap.">
            <Input id="run-budget-usd" inputMode="decimal" value={budgetUsd} onChange={(event) => setBudgetUsd(event.target.value)} className="w-40" />
          </Field>
          <Field label="Budget (tokens)" htmlFor="run-budget-tokens" error={fieldError('budgetTokens')} hint="Tokens of calls not served from the cache.">
            <Input id="run-budget-tokens" inputMode="numeric" value={budgetTokens} onChange={(event) => setBudgetTokens(event.target.value)} className="w-40" />
          </Field>
        </div>
      </Card>

      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400" data-testid="run-form-error">
          {error}
        </p>
      )}
      <Button type="submit" disabled={pending || !versionId}>
        {pending ? 'Starting…' : 'Start run'}
      </Button>
    </form>
  );
}
