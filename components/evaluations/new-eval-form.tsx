'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, useTransition } from 'react';

import { createEvalRunAction, saveTargetPresetAction } from '@/lib/actions/evaluations';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/field';
import type { CreateEvalRunInput } from '@/lib/eval/config';
import { ALPACA_TEMPLATE, EVAL_RUBRICS, rubricLabels, type EvalRubric } from '@/lib/eval/labels';

export interface SetChoice {
  id: string;
  name: string;
  promptCount: number;
  responseLabels: string[];
}

export interface EndpointChoice {
  name: string;
  model: string;
  mode: 'chat' | 'completion';
  simulated: boolean;
}

export interface PresetChoice {
  versionId: string;
  name: string;
  version: number;
  target: { endpointName: string; model: string | null; mode: 'chat' | 'completion'; systemPrompt: string | null; template: string; parameters: { temperature: number; maxTokens: number } };
}

interface TargetDraft {
  preset: { versionId: string; name: string; version: number } | null;
  label: string;
  endpointName: string;
  model: string;
  mode: 'chat' | 'completion';
  systemPrompt: string;
  template: string;
  temperature: string;
  maxTokens: string;
}

interface JudgeDraft {
  label: string;
  endpointName: string;
  model: string;
  rubric: EvalRubric;
}

const textarea =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-xs shadow-sm focus:border-indigo-500 focus:outline-none dark:border-slate-700 dark:bg-slate-900';

function defaultTargets(endpoints: readonly EndpointChoice[]): TargetDraft[] {
  const simulated = endpoints.find((endpoint) => endpoint.simulated && endpoint.mode === 'chat');
  if (!simulated) return [];
  const base = { preset: null, endpointName: simulated.name, mode: 'chat' as const, systemPrompt: '', template: ALPACA_TEMPLATE, temperature: '0', maxTokens: '512' };
  return [
    { ...base, label: 'Base (simulated)', model: 'sim-target-base' },
    { ...base, label: 'Aligned (simulated)', model: 'sim-target-aligned' },
  ];
}

function defaultJudge(endpoints: readonly EndpointChoice[]): JudgeDraft {
  const judge = endpoints.find((endpoint) => endpoint.mode === 'chat' && endpoint.model.includes('judge')) ?? endpoints.find((endpoint) => endpoint.mode === 'chat') ?? endpoints[0];
  return { label: 'Harmlessness judge', endpointName: judge?.name ?? '', model: '', rubric: 'harmlessness' };
}

function draftFromPreset(preset: PresetChoice): TargetDraft {
  const { target } = preset;
  return {
    preset: { versionId: preset.versionId, name: preset.name, version: preset.version },
    label: preset.name,
    endpointName: target.endpointName,
    model: target.model ?? '',
    mode: target.mode,
    systemPrompt: target.systemPrompt ?? '',
    template: target.template,
    temperature: String(target.parameters.temperature),
    maxTokens: String(target.parameters.maxTokens),
  };
}

export function NewEvalForm({ sets, endpoints, presets, initialSetId }: { sets: SetChoice[]; endpoints: EndpointChoice[]; presets: PresetChoice[]; initialSetId: string | null }) {
  const router = useRouter();
  const [setId, setSetId] = useState(initialSetId ?? sets[0]?.id ?? '');
  const set = useMemo(() => sets.find((candidate) => candidate.id === setId) ?? null, [sets, setId]);
  const [name, setName] = useState('');
  const [limitKind, setLimitKind] = useState<'all' | 'first' | 'sample'>('all');
  const [limitCount, setLimitCount] = useState('100');
  const [seed, setSeed] = useState('1');
  const [targets, setTargets] = useState<TargetDraft[]>(() => ((set?.responseLabels.length ?? 0) > 0 ? [] : defaultTargets(endpoints)));
  const [responseLabels, setResponseLabels] = useState<string[]>(set?.responseLabels ?? []);
  const [judges, setJudges] = useState<JudgeDraft[]>(() => [defaultJudge(endpoints)]);
  const [budgetUsd, setBudgetUsd] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  function settingsOf(target: TargetDraft) {
    return {
      label: target.label,
      endpointName: target.endpointName,
      model: target.model.trim() || null,
      mode: target.mode,
      systemPrompt: target.systemPrompt.trim() || null,
      template: target.template,
      parameters: { temperature: Number(target.temperature), maxTokens: Number(target.maxTokens) },
      preset: target.preset,
    };
  }

  function saveTarget(index: number) {
    const target = targets[index];
    startTransition(async () => {
      setError(null);
      setNotice(null);
      const result = await saveTargetPresetAction({ name: target.label, target: { ...settingsOf(target), preset: null } });
      if (!result.ok) setError(result.error);
      else {
        updateTarget(index, { preset: { versionId: result.data.versionId, name: target.label.trim(), version: result.data.version } });
        setNotice(`Saved "${target.label.trim()}" as version ${result.data.version}.`);
      }
    });
  }

  const endpointOptions = endpoints.map((endpoint) => (
    <option key={endpoint.name} value={endpoint.name}>
      {endpoint.name} ({endpoint.model}, {endpoint.mode}){endpoint.simulated ? ' · SIMULATED' : ''}
    </option>
  ));

  /** Changing a setting detaches the target from its saved version (the label may change freely). */
  function updateTarget(index: number, patch: Partial<TargetDraft>) {
    const detaches = Object.keys(patch).some((key) => key !== 'label' && key !== 'preset');
    setTargets((current) => current.map((target, i) => (i === index ? { ...target, ...(detaches ? { preset: null } : {}), ...patch } : target)));
  }
  function updateJudge(index: number, patch: Partial<JudgeDraft>) {
    setJudges(judges.map((judge, i) => (i === index ? { ...judge, ...patch } : judge)));
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const limit: CreateEvalRunInput['limit'] =
      limitKind === 'all' ? { kind: 'all' } : limitKind === 'first' ? { kind: 'first', count: Number(limitCount) } : { kind: 'sample', size: Number(limitCount), seed };
    const input: CreateEvalRunInput = {
      name: name.trim() || undefined,
      setId,
      limit,
      targets: targets.map(settingsOf),
      responseLabels,
      judges: judges.map((judge) => ({ label: judge.label, endpointName: judge.endpointName, model: judge.model.trim() || null, rubric: judge.rubric })),
      budgetUsd: budgetUsd.trim() === '' ? null : Number(budgetUsd),
    };
    startTransition(async () => {
      setError(null);
      const result = await createEvalRunAction(input);
      if (!result.ok) setError(result.fieldErrors ? `${result.error} ${Object.entries(result.fieldErrors).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join(' · ')}` : result.error);
      else router.push(`/evaluations/${result.data.evalRunId}`);
    });
  }

  return (
    <form aria-label="New evaluation" onSubmit={submit} className="space-y-6">
      <section className="grid max-w-3xl gap-3 sm:grid-cols-2">
        <Field label="Prompt set" htmlFor="eval-set">
          <Select
            id="eval-set"
            value={setId}
            onChange={(event) => {
              setSetId(event.target.value);
              setResponseLabels(sets.find((candidate) => candidate.id === event.target.value)?.responseLabels ?? []);
            }}
          >
            {sets.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name} ({candidate.promptCount} prompts)
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Name (optional)" htmlFor="eval-name">
          <Input id="eval-name" value={name} onChange={(event) => setName(event.target.value)} />
        </Field>
        <Field label="Prompts" htmlFor="eval-limit">
          <Select id="eval-limit" value={limitKind} onChange={(event) => setLimitKind(event.target.value as typeof limitKind)}>
            <option value="all">all</option>
            <option value="first">the first N</option>
            <option value="sample">a seeded random sample of N</option>
          </Select>
        </Field>
        {limitKind !== 'all' && (
          <div className="grid grid-cols-2 gap-2">
            <Field label="N" htmlFor="eval-limit-count">
              <Input id="eval-limit-count" inputMode="numeric" value={limitCount} onChange={(event) => setLimitCount(event.target.value)} />
            </Field>
            {limitKind === 'sample' && (
              <Field label="Seed" htmlFor="eval-seed">
                <Input id="eval-seed" value={seed} onChange={(event) => setSeed(event.target.value)} />
              </Field>
            )}
          </div>
        )}
        <Field label="Budget in USD (optional)" htmlFor="eval-budget" hint="The evaluation pauses when its calls have cost this much.">
          <Input id="eval-budget" inputMode="decimal" value={budgetUsd} onChange={(event) => setBudgetUsd(event.target.value)} />
        </Field>
      </section>

      {set && set.responseLabels.length > 0 && (
        <fieldset className="space-y-1">
          <legend className="text-sm font-semibold">Imported responses to judge</legend>
          {set.responseLabels.map((label) => (
            <label key={label} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={responseLabels.includes(label)}
                onChange={(event) => setResponseLabels(event.target.checked ? [...responseLabels, label] : responseLabels.filter((candidate) => candidate !== label))}
              />
              {label}
            </label>
          ))}
        </fieldset>
      )}

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold">Targets (models that generate responses)</legend>
        {targets.map((target, index) => (
          <div key={index} className="grid gap-2 rounded-md border border-slate-200 p-3 sm:grid-cols-4 dark:border-slate-800">
            <Field label="Label" htmlFor={`target-${index}-label`}>
              <Input id={`target-${index}-label`} value={target.label} onChange={(event) => updateTarget(index, { label: event.target.value })} />
            </Field>
            <Field label="Endpoint" htmlFor={`target-${index}-endpoint`}>
              <Select id={`target-${index}-endpoint`} value={target.endpointName} onChange={(event) => updateTarget(index, { endpointName: event.target.value })}>
                {endpointOptions}
              </Select>
            </Field>
            <Field label="Model (overrides the endpoint's)" htmlFor={`target-${index}-model`}>
              <Input id={`target-${index}-model`} value={target.model} onChange={(event) => updateTarget(index, { model: event.target.value })} />
            </Field>
            <Field label="Mode" htmlFor={`target-${index}-mode`}>
              <Select id={`target-${index}-mode`} value={target.mode} onChange={(event) => updateTarget(index, { mode: event.target.value === 'completion' ? 'completion' : 'chat' })}>
                <option value="chat">chat</option>
                <option value="completion">completion (prompt template)</option>
              </Select>
            </Field>
            {target.mode === 'chat' ? (
              <div className="sm:col-span-4">
                <Field label="System prompt (optional)" htmlFor={`target-${index}-system`}>
                  <textarea id={`target-${index}-system`} className={textarea} rows={2} value={target.systemPrompt} onChange={(event) => updateTarget(index, { systemPrompt: event.target.value })} />
                </Field>
              </div>
            ) : (
              <div className="sm:col-span-4">
                <Field label="Prompt template ({{prompt}} is the prompt; Alpaca's by default)" htmlFor={`target-${index}-template`}>
                  <textarea id={`target-${index}-template`} className={textarea} rows={5} value={target.template} onChange={(event) => updateTarget(index, { template: event.target.value })} />
                </Field>
              </div>
            )}
            <Field label="Temperature" htmlFor={`target-${index}-temperature`}>
              <Input id={`target-${index}-temperature`} inputMode="decimal" value={target.temperature} onChange={(event) => updateTarget(index, { temperature: event.target.value })} />
            </Field>
            <Field label="Max tokens" htmlFor={`target-${index}-max-tokens`}>
              <Input id={`target-${index}-max-tokens`} inputMode="numeric" value={target.maxTokens} onChange={(event) => updateTarget(index, { maxTokens: event.target.value })} />
            </Field>
            <div className="flex items-end gap-2 sm:col-span-2">
              <Button type="button" variant="ghost" onClick={() => setTargets(targets.filter((_, i) => i !== index))}>
                Remove target
              </Button>
              <Button type="button" variant="ghost" disabled={pending} onClick={() => saveTarget(index)}>
                Save as a named target
              </Button>
              {target.preset && (
                <span className="text-xs text-slate-500">
                  saved target {target.preset.name} v{target.preset.version}
                </span>
              )}
            </div>
          </div>
        ))}
        <Button
          type="button"
          variant="secondary"
          onClick={() => setTargets([...targets, { preset: null, label: `Target ${targets.length + 1}`, endpointName: endpoints[0]?.name ?? '', model: '', mode: 'chat', systemPrompt: '', template: ALPACA_TEMPLATE, temperature: '0', maxTokens: '512' }])}
        >
          Add a target
        </Button>
        {presets.length > 0 && (
          <Select
            aria-label="Add a saved target"
            className="ml-2 inline-block w-auto"
            value=""
            onChange={(event) => {
              const preset = presets.find((candidate) => candidate.versionId === event.target.value);
              if (preset) setTargets([...targets, draftFromPreset(preset)]);
            }}
          >
            <option value="">Add a saved target…</option>
            {presets.map((preset) => (
              <option key={preset.versionId} value={preset.versionId}>
                {preset.name} v{preset.version}
              </option>
            ))}
          </Select>
        )}
        {notice && <p className="text-sm text-emerald-700 dark:text-emerald-400">{notice}</p>}
      </fieldset>

      <fieldset className="space-y-3">
        <legend className="text-sm font-semibold">Judges</legend>
        {judges.map((judge, index) => (
          <div key={index} className="grid gap-2 rounded-md border border-slate-200 p-3 sm:grid-cols-4 dark:border-slate-800">
            <Field label="Label" htmlFor={`judge-${index}-label`}>
              <Input id={`judge-${index}-label`} value={judge.label} onChange={(event) => updateJudge(index, { label: event.target.value })} />
            </Field>
            <Field label="Endpoint (chat)" htmlFor={`judge-${index}-endpoint`}>
              <Select id={`judge-${index}-endpoint`} value={judge.endpointName} onChange={(event) => updateJudge(index, { endpointName: event.target.value })}>
                {endpointOptions}
              </Select>
            </Field>
            <Field label="Model (optional)" htmlFor={`judge-${index}-model`}>
              <Input id={`judge-${index}-model`} value={judge.model} onChange={(event) => updateJudge(index, { model: event.target.value })} />
            </Field>
            <Field label="Rubric" htmlFor={`judge-${index}-rubric`}>
              <Select id={`judge-${index}-rubric`} value={judge.rubric} onChange={(event) => updateJudge(index, { rubric: event.target.value as EvalRubric })}>
                {EVAL_RUBRICS.map((rubric) => (
                  <option key={rubric} value={rubric}>
                    {rubricLabels[rubric]}
                  </option>
                ))}
              </Select>
            </Field>
            {judges.length > 1 && (
              <Button type="button" variant="ghost" onClick={() => setJudges(judges.filter((_, i) => i !== index))}>
                Remove judge
              </Button>
            )}
          </div>
        ))}
        <Button type="button" variant="secondary" onClick={() => setJudges([...judges, { ...defaultJudge(endpoints), label: `Judge ${judges.length + 1}` }])}>
          Add a judge
        </Button>
      </fieldset>

      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
      <Button type="submit" disabled={pending || !setId}>
        {pending ? 'Starting…' : 'Start the evaluation'}
      </Button>
    </form>
  );
}
