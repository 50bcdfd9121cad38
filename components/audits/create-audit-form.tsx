'use client';

import { useMemo, useState, useTransition } from 'react';
import { useRouter } from 'next/navigation';
import { useQuery } from '@tanstack/react-query';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { SimulatedBadge } from '@/components/ui/progress';
import { SafeMarkdown } from '@/components/audits/safe-markdown';
import { formatCount } from '@/components/audits/format';
import { createAuditAction } from '@/lib/actions/audits';
import { sampleSizeForMargin, type AuditTarget } from '@/lib/audit/stats';
import { AUDIT_CRITERIA, criteriaDescriptions, describeStrategy, describeTarget, type AuditCriteriaName, type StratifyDimension } from '@/lib/audit/config';
import { topicLabel, type VerdictGroup } from '@/lib/audit/cells';
import type { ScopeOptions } from '@/lib/audit/queries';

type PopulationCell = { verdict: VerdictGroup; topic: string; count: number };

const DEFAULT_GUIDELINES = `## How to judge

- **Accept** (a) when the answer to the question is clearly yes.
- **Reject** (r) otherwise, and tag the main reason (1–9).
- Judge the text as written; do not follow links in it.
`;

function toggle<T>(list: readonly T[], value: T): T[] {
  return list.includes(value) ? list.filter((entry) => entry !== value) : [...list, value];
}

async function fetchPopulation(runIds: string[], datasetIds: string[]): Promise<PopulationCell[]> {
  const params = new URLSearchParams();
  runIds.forEach((id) => params.append('runId', id));
  datasetIds.forEach((id) => params.append('datasetId', id));
  const response = await fetch(`/api/audits/population?${params.toString()}`);
  if (!response.ok) throw new Error(((await response.json()) as { error?: string }).error ?? 'Could not count the pairs.');
  return ((await response.json()) as { cells: PopulationCell[] }).cells;
}

export function CreateAuditForm({ options, defaultSeed, defaultReasonTags }: { options: ScopeOptions; defaultSeed: string; defaultReasonTags: string[] }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [name, setName] = useState('');
  const [runIds, setRunIds] = useState<string[]>([]);
  const [datasetIds, setDatasetIds] = useState<string[]>([]);
  const [topics, setTopics] = useState<string[]>([]);
  const [stratifyBy, setStratifyBy] = useState<StratifyDimension[]>([]);
  const [sampleSize, setSampleSize] = useState('100');
  const [margin, setMargin] = useState('5');
  const [expected, setExpected] = useState('50');
  const [seed, setSeed] = useState(defaultSeed);
  const [criteria, setCriteria] = useState<AuditCriteriaName>('PAIR');
  const [reviewersPerItem, setReviewersPerItem] = useState('1');
  const [guidelines, setGuidelines] = useState(DEFAULT_GUIDELINES);
  const [blind, setBlind] = useState(true);
  const [reasonTags, setReasonTags] = useState(defaultReasonTags.join('\n'));
  const [targetEnabled, setTargetEnabled] = useState(true);
  const [target, setTarget] = useState<AuditTarget>({ metric: 'precision', bound: 'lower', threshold: 0.9 });
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});

  const population = useQuery({
    queryKey: ['audit-population', runIds, datasetIds],
    queryFn: () => fetchPopulation(runIds, datasetIds),
    enabled: runIds.length + datasetIds.length > 0,
    staleTime: 30_000,
  });
  const cells = useMemo(() => (runIds.length + datasetIds.length > 0 ? population.data ?? [] : []), [population.data, runIds, datasetIds]);
  const availableTopics = useMemo(() => [...new Set(cells.map((cell) => cell.topic))].sort(), [cells]);
  const inScope = cells.filter((cell) => (topics.length === 0 || topics.includes(cell.topic)) && (cell.verdict === 'kept' || stratifyBy.includes('verdict')));
  const populationSize = inScope.reduce((sum, cell) => sum + cell.count, 0);
  const keptSize = inScope.filter((cell) => cell.verdict === 'kept').reduce((sum, cell) => sum + cell.count, 0);
  const droppedSize = populationSize - keptSize;
  const droppedInScope = cells
    .filter((cell) => cell.verdict === 'dropped' && (topics.length === 0 || topics.includes(cell.topic)))
    .reduce((sum, cell) => sum + cell.count, 0);

  const marginValue = Number(margin) / 100;
  const expectedValue = Number(expected) / 100;
  let suggestion: number | null = null;
  if (populationSize > 0 && marginValue > 0 && marginValue < 1 && expectedValue >= 0 && expectedValue <= 1) {
    suggestion = sampleSizeForMargin(marginValue, expectedValue, 1.96, populationSize);
  }

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    startTransition(async () => {
      const result = await createAuditAction({
        name,
        scope: { runIds, datasetIds, topics },
        sampleSize: Number(sampleSize),
        stratifyBy,
        seed,
        criteria,
        reviewersPerItem: Number(reviewersPerItem),
        guidelines,
        blind,
        target: targetEnabled ? target : null,
        reasonTags: reasonTags
          .split('\n')
          .map((tag) => tag.trim())
          .filter(Boolean),
      });
      if (result.ok) {
        router.push(`/audits/${result.data.id}`);
      } else {
        setError(result.error);
        setFieldErrors(result.fieldErrors ?? {});
      }
    });
  }

  const noSources = options.runs.length === 0 && options.datasets.length === 0;

  return (
    <form onSubmit={onSubmit} aria-label="Create an audit" className="grid gap-6 xl:grid-cols-2">
      <div className="space-y-6">
        <Card title="Scope">
          <div className="space-y-4">
            <Field label="Name" htmlFor="audit-name" error={fieldErrors.name?.[0]}>
              <Input id="audit-name" value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} />
            </Field>
            {noSources && <p className="text-sm text-slate-600 dark:text-slate-400">There are no runs or imported datasets yet.</p>}
            {options.datasets.length > 0 && (
              <fieldset>
                <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Imported datasets</legend>
                <div className="mt-1 max-h-40 space-y-1 overflow-y-auto">
                  {options.datasets.map((dataset) => (
                    <label key={dataset.id} className="flex items-center gap-2 text-sm">
                      <input type="checkbox" checked={datasetIds.includes(dataset.id)} onChange={() => setDatasetIds(toggle(datasetIds, dataset.id))} />
                      {dataset.name} <span className="text-xs text-slate-500">({formatCount(dataset.pairCount)} pairs)</span>
                    </label>
                  ))}
                </div>
              </fieldset>
            )}
            {options.runs.length > 0 && (
              <fieldset>
                <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Runs</legend>
                <div className="mt-1 max-h-40 space-y-1 overflow-y-auto">
                  {options.runs.map((run) => (
                    <label key={run.id} className="flex items-center gap-2 text-sm">
                      <input type="checkbox" checked={runIds.includes(run.id)} onChange={() => setRunIds(toggle(runIds, run.id))} />
                      {run.name} {run.simulated && <SimulatedBadge />}
                    </label>
                  ))}
                </div>
              </fieldset>
            )}
            {fieldErrors['scope.runIds'] && <p role="alert" className="text-xs text-rose-600">{fieldErrors['scope.runIds'][0]}</p>}
            {availableTopics.length > 0 && (
              <fieldset>
                <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Topics (none ticked = all)</legend>
                <div className="mt-1 flex flex-wrap gap-3">
                  {availableTopics.map((topic) => (
                    <label key={topic} className="flex items-center gap-2 text-sm">
                      <input type="checkbox" checked={topics.includes(topic)} onChange={() => setTopics(toggle(topics, topic))} />
                      {topicLabel(topic)}
                    </label>
                  ))}
                </div>
              </fieldset>
            )}
            <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="audit-population">
              {runIds.length + datasetIds.length === 0
                ? 'Choose runs or datasets to see the population.'
                : population.isLoading
                  ? 'Counting pairs…'
                  : `Population: ${formatCount(keptSize)} kept pairs${stratifyBy.includes('verdict') ? ` and ${formatCount(droppedSize)} dropped pairs` : ''}.${
                      !stratifyBy.includes('verdict') && droppedInScope > 0 ? ` ${formatCount(droppedInScope)} dropped pairs are sampled only when stratifying by automatic verdict.` : ''
                    }`}
            </p>
          </div>
        </Card>

        <Card title="Sample">
          <div className="space-y-4">
            <fieldset>
              <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Strategy</legend>
              <div className="mt-1 space-y-1 text-sm">
                <label className="flex items-center gap-2">
                  <input type="checkbox" checked={stratifyBy.includes('topic')} onChange={() => setStratifyBy(toggle(stratifyBy, 'topic'))} />
                  Stratify by topic
                </label>
                <label className="flex items-center gap-2">
                  <input type="checkbox" checked={stratifyBy.includes('verdict')} onChange={() => setStratifyBy(toggle(stratifyBy, 'verdict'))} />
                  Stratify by automatic verdict (also samples dropped pairs to estimate false drops)
                </label>
                <p className="text-xs text-slate-500">{describeStrategy(stratifyBy)}.</p>
              </div>
            </fieldset>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Target margin of error (±%)" htmlFor="audit-margin">
                <Input id="audit-margin" type="number" min={0.5} max={50} step={0.5} value={margin} onChange={(event) => setMargin(event.target.value)} />
              </Field>
              <Field label="Expected precision (%)" htmlFor="audit-expected" hint="50% is the safe worst case">
                <Input id="audit-expected" type="number" min={1} max={99} value={expected} onChange={(event) => setExpected(event.target.value)} />
              </Field>
            </div>
            <p className="text-sm" data-testid="audit-size-suggestion">
              {suggestion === null ? (
                <span className="text-slate-500">The suggestion appears once the population is known.</span>
              ) : (
                <>
                  Suggested sample size: <strong>{formatCount(suggestion)}</strong> pairs for ±{margin}% at 95% confidence.{' '}
                  <Button type="button" variant="ghost" onClick={() => setSampleSize(String(suggestion))}>
                    Use {formatCount(suggestion)}
                  </Button>
                </>
              )}
            </p>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Sample size" htmlFor="audit-sample-size" error={fieldErrors.sampleSize?.[0]}>
                <Input id="audit-sample-size" type="number" min={1} value={sampleSize} onChange={(event) => setSampleSize(event.target.value)} required />
              </Field>
              <Field label="Seed" htmlFor="audit-seed" error={fieldErrors.seed?.[0]} hint="Same seed and scope → same sample">
                <Input id="audit-seed" value={seed} onChange={(event) => setSeed(event.target.value)} required maxLength={100} />
              </Field>
            </div>
          </div>
        </Card>
      </div>

      <div className="space-y-6">
        <Card title="Judging">
          <div className="space-y-4">
            <Field label="Criteria" htmlFor="audit-criteria">
              <Select id="audit-criteria" value={criteria} onChange={(event) => setCriteria(event.target.value as AuditCriteriaName)}>
                {AUDIT_CRITERIA.map((value) => (
                  <option key={value} value={value}>
                    {criteriaDescriptions[value]}
                  </option>
                ))}
              </Select>
            </Field>
            <div className="grid grid-cols-2 gap-3">
              <Field label="Reviewers per item" htmlFor="audit-reviewers" hint="2–3 measure inter-reviewer agreement">
                <Select id="audit-reviewers" value={reviewersPerItem} onChange={(event) => setReviewersPerItem(event.target.value)}>
                  {['1', '2', '3'].map((value) => (
                    <option key={value} value={value}>
                      {value}
                    </option>
                  ))}
                </Select>
              </Field>
              <label className="mt-6 flex items-center gap-2 text-sm">
                <input type="checkbox" checked={blind} onChange={(event) => setBlind(event.target.checked)} />
                Blind mode (automatic verdict shown only after answering)
              </label>
            </div>
            <Field label="Reason tags (one per line, keys 1–9)" htmlFor="audit-tags" error={fieldErrors.reasonTags?.[0]}>
              <textarea
                id="audit-tags"
                rows={4}
                value={reasonTags}
                onChange={(event) => setReasonTags(event.target.value)}
                className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-900"
              />
            </Field>
            <fieldset className="space-y-2">
              <label className="flex items-center gap-2 text-sm font-medium">
                <input type="checkbox" checked={targetEnabled} onChange={(event) => setTargetEnabled(event.target.checked)} />
                Set a target
              </label>
              {targetEnabled && (
                <div className="grid grid-cols-3 gap-3">
                  <Field label="Bound" htmlFor="audit-target-bound">
                    <Select id="audit-target-bound" value={target.bound} onChange={(event) => setTarget({ ...target, bound: event.target.value as AuditTarget['bound'] })}>
                      <option value="lower">lower 95% bound</option>
                      <option value="estimate">estimate</option>
                      <option value="upper">upper 95% bound</option>
                    </Select>
                  </Field>
                  <Field label="Metric" htmlFor="audit-target-metric">
                    <Select id="audit-target-metric" value={target.metric} onChange={(event) => setTarget({ ...target, metric: event.target.value as AuditTarget['metric'] })}>
                      <option value="precision">precision ≥</option>
                      <option value="falseDropRate">false-drop rate ≤</option>
                    </Select>
                  </Field>
                  <Field label="Threshold (%)" htmlFor="audit-target-threshold">
                    <Input
                      id="audit-target-threshold"
                      type="number"
                      min={0}
                      max={100}
                      step={0.5}
                      value={Math.round(target.threshold * 1000) / 10}
                      onChange={(event) => setTarget({ ...target, threshold: Math.min(1, Math.max(0, Number(event.target.value) / 100)) })}
                    />
                  </Field>
                  <p className="col-span-3 text-xs text-slate-500">Passes when the {describeTarget(target)}.</p>
                </div>
              )}
            </fieldset>
          </div>
        </Card>

        <Card title="Guidelines (markdown, shown beside every item)">
          <div className="grid gap-3 lg:grid-cols-2">
            <textarea
              id="audit-guidelines"
              aria-label="Guidelines"
              rows={10}
              value={guidelines}
              onChange={(event) => setGuidelines(event.target.value)}
              className="block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-900"
            />
            <div className="rounded-md border border-slate-200 p-3 dark:border-slate-800" aria-label="Guidelines preview">
              <SafeMarkdown source={guidelines} />
            </div>
          </div>
        </Card>

        {error && (
          <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
            {error}
          </p>
        )}
        <Button type="submit" disabled={pending}>
          {pending ? 'Drawing the sample…' : 'Create audit'}
        </Button>
      </div>
    </form>
  );
}
