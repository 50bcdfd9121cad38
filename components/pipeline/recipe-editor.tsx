'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, useTransition } from 'react';
import { createRecipeAction, saveRecipeVersionAction, tryRecipeAction } from '@/lib/actions/recipes';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { stageNameLabels } from '@/lib/pipeline/stage-names';
import { stageNames, stageTemplateVariables, type RecipeConfig, type StageName } from '@/lib/pipeline/prompts/recipe-config';
import type { EndpointOption } from '@/lib/pipeline/recipes';
import type { TryItemView } from '@/lib/pipeline/try-recipe';
import { PromptPreview, type SampleInputs } from './prompt-preview';
import { formFromConfig, issuesUnder, judgeStages, validateForm, type RecipeForm, type StageForm } from './recipe-form';
import { TryResults } from './try-results';

const textareaClasses =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900';

export type EditorTarget = { kind: 'version'; recipeId: string; latestVersion: number } | { kind: 'new' };

interface Props {
  target: EditorTarget;
  initialConfig: RecipeConfig;
  initialName?: string;
  endpoints: EndpointOption[];
  corpora: { id: string; name: string }[];
  sample: SampleInputs;
  canWrite: boolean;
  blurred: boolean;
}

function Issues({ messages }: { messages: string[] }) {
  if (messages.length === 0) return null;
  return (
    <ul role="alert" className="space-y-1 text-xs text-rose-600 dark:text-rose-400">
      {messages.map((message, index) => (
        <li key={index}>{message}</li>
      ))}
    </ul>
  );
}

export function RecipeEditor({ target, initialConfig, initialName = '', endpoints, corpora, sample: initialSample, canWrite, blurred }: Props) {
  const router = useRouter();
  const [form, setForm] = useState<RecipeForm>(() => formFromConfig(initialConfig));
  const [name, setName] = useState(initialName);
  const [description, setDescription] = useState('');
  const [active, setActive] = useState<StageName>('induce');
  const [sample, setSample] = useState<SampleInputs>(initialSample);
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tryCorpus, setTryCorpus] = useState('');
  const [tryItems, setTryItems] = useState<TryItemView[] | null>(null);

  const validation = useMemo(() => validateForm(form), [form]);
  const issues = validation.ok ? {} : validation.issues;
  const stage = form.stages[active];
  const topics = form.topics
    .split(',')
    .map((topic) => topic.trim())
    .filter(Boolean);
  const topicDescriptions = validation.ok ? validation.config.topicDescriptions : {};

  function updateStage(patch: Partial<StageForm>) {
    setForm((current) => ({ ...current, stages: { ...current.stages, [active]: { ...current.stages[active], ...patch } } }));
  }

  function save() {
    if (!validation.ok) return;
    setError(null);
    setMessage(null);
    startTransition(async () => {
      if (target.kind === 'version') {
        const result = await saveRecipeVersionAction({ recipeId: target.recipeId, config: validation.config });
        if (!result.ok) return setError(result.error);
        // A new version is a new page state (the editor shows it afresh); the page says it was saved.
        if (result.data.created) router.push(`/recipes/${target.recipeId}?version=${result.data.version}&saved=1`);
        else setMessage(`No changes; still version ${result.data.version}.`);
      } else {
        const result = await createRecipeAction({ name, description: description || undefined, config: validation.config });
        if (!result.ok) return setError(result.fieldErrors?.name?.[0] ?? result.error);
        router.push(`/recipes/${result.data.recipeId}`);
      }
    });
  }

  function tryItemsNow() {
    if (!validation.ok) return;
    setError(null);
    setTryItems(null);
    startTransition(async () => {
      const result = await tryRecipeAction({ config: validation.config, corpusId: tryCorpus || undefined });
      if (!result.ok) return setError(result.error);
      setTryItems(result.data);
    });
  }

  const endpointNames = endpoints.map((endpoint) => endpoint.name);
  const variables = stageTemplateVariables(active).map((variable) => `{{${variable}}}`).join(' ');

  return (
    <div className="space-y-4">
      {target.kind === 'new' && (
        <Card title="Recipe">
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Name" htmlFor="recipe-name">
              <Input id="recipe-name" value={name} onChange={(event) => setName(event.target.value)} maxLength={120} />
            </Field>
            <Field label="Description" htmlFor="recipe-description">
              <Input id="recipe-description" value={description} onChange={(event) => setDescription(event.target.value)} maxLength={2000} />
            </Field>
          </div>
        </Card>
      )}
      <Card title="Topics">
        <div className="grid gap-4 md:grid-cols-3">
          <Field label="Topics (comma-separated)" htmlFor="recipe-topics" error={issuesUnder(issues, 'topics')[0]}>
            <Input id="recipe-topics" value={form.topics} onChange={(event) => setForm({ ...form, topics: event.target.value })} />
          </Field>
          <Field label="Instructions per source text" htmlFor="recipe-per-source" error={issuesUnder(issues, 'instructionsPerSource')[0]}>
            <Input id="recipe-per-source" inputMode="numeric" value={form.instructionsPerSource} onChange={(event) => setForm({ ...form, instructionsPerSource: event.target.value })} />
          </Field>
          <Field label="Topic descriptions (topic: description, one per line)" htmlFor="recipe-topic-descriptions" error={issuesUnder(issues, 'topicDescriptions')[0]}>
            <textarea id="recipe-topic-descriptions" rows={4} className={textareaClasses} value={form.topicDescriptions} onChange={(event) => setForm({ ...form, topicDescriptions: event.target.value })} />
          </Field>
        </div>
      </Card>

      <div role="tablist" aria-label="Stages" className="flex flex-wrap gap-2">
        {stageNames.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={active === name}
            onClick={() => setActive(name)}
            className={`rounded-md px-3 py-1.5 text-sm ${active === name ? 'bg-indigo-600 text-white' : 'border border-slate-300 dark:border-slate-700'} ${issuesUnder(issues, `stages.${name}`).length > 0 ? 'ring-2 ring-rose-400' : ''}`}
          >
            {stageNameLabels[name]}
          </button>
        ))}
      </div>

      <div className="grid gap-4 xl:grid-cols-2">
        <Card title={stageNameLabels[active]}>
          <div className="space-y-3">
            <div className="grid gap-3 sm:grid-cols-3">
              <Field label="Endpoint" htmlFor="stage-endpoint" error={issuesUnder(issues, `stages.${active}.endpointName`)[0]}>
                <Select id="stage-endpoint" value={stage.endpointName} onChange={(event) => updateStage({ endpointName: event.target.value })}>
                  {!endpointNames.includes(stage.endpointName) && <option value={stage.endpointName}>{stage.endpointName || '—'} (not configured)</option>}
                  {endpoints.map((endpoint) => (
                    <option key={endpoint.name} value={endpoint.name}>
                      {endpoint.name} ({endpoint.mode}, {endpoint.model}){endpoint.simulated ? ' · simulated' : ''}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Model override" htmlFor="stage-model" hint="Empty: the endpoint's model">
                <Input id="stage-model" value={stage.model} onChange={(event) => updateStage({ model: event.target.value })} />
              </Field>
              <Field label="Mode" htmlFor="stage-mode">
                <Select id="stage-mode" value={stage.mode} onChange={(event) => updateStage({ mode: event.target.value === 'completion' ? 'completion' : 'chat' })}>
                  <option value="chat">chat (role markers)</option>
                  <option value="completion">completion (one prompt)</option>
                </Select>
              </Field>
            </div>
            <Field label="Template" htmlFor="stage-template" hint={`Variables: ${variables}. Chat templates split messages at lines <|system|>, <|user|>, <|assistant|>.`} error={issuesUnder(issues, `stages.${active}.template`)[0]}>
              <textarea id="stage-template" rows={16} spellCheck={false} className={textareaClasses} value={stage.template} onChange={(event) => updateStage({ template: event.target.value })} />
            </Field>
            <div className="grid gap-3 sm:grid-cols-4">
              <Field label="Temperature" htmlFor="stage-temperature" error={issuesUnder(issues, `stages.${active}.parameters.temperature`)[0]}>
                <Input id="stage-temperature" inputMode="decimal" value={stage.temperature} onChange={(event) => updateStage({ temperature: event.target.value })} />
              </Field>
              <Field label="Max tokens" htmlFor="stage-max-tokens" error={issuesUnder(issues, `stages.${active}.parameters.maxTokens`)[0]}>
                <Input id="stage-max-tokens" inputMode="numeric" value={stage.maxTokens} onChange={(event) => updateStage({ maxTokens: event.target.value })} />
              </Field>
              <Field label="Seed" htmlFor="stage-seed" error={issuesUnder(issues, `stages.${active}.parameters.seed`)[0]}>
                <Input id="stage-seed" inputMode="numeric" value={stage.seed} onChange={(event) => updateStage({ seed: event.target.value })} />
              </Field>
              <Field label="Stop (one per line)" htmlFor="stage-stop" error={issuesUnder(issues, `stages.${active}.parameters.stop`)[0]}>
                <textarea id="stage-stop" rows={2} className={textareaClasses} value={stage.stop} onChange={(event) => updateStage({ stop: event.target.value })} />
              </Field>
            </div>
            {judgeStages.includes(active) && (
              <>
                <Field label="Rubric ({{rubric}} in the template)" htmlFor="stage-rubric" error={issuesUnder(issues, `stages.${active}.rubric`)[0]}>
                  <textarea id="stage-rubric" rows={6} className={textareaClasses} value={stage.rubric} onChange={(event) => updateStage({ rubric: event.target.value })} />
                </Field>
                <Field label="Pass rule" htmlFor="stage-unparseable" hint="Pass when the judge's verdict is “pass”. A reply that is no verdict (after three repair requests):">
                  <Select id="stage-unparseable" value={stage.onUnparseable} onChange={(event) => updateStage({ onUnparseable: event.target.value === 'drop' ? 'drop' : 'error' })}>
                    <option value="error">fails the item (retry later)</option>
                    <option value="drop">counts as fail (item dropped)</option>
                  </Select>
                </Field>
              </>
            )}
          </div>
        </Card>
        <Card title="Live preview">
          <details className="mb-3">
            <summary className="cursor-pointer text-sm text-indigo-600 dark:text-indigo-400">Sample item</summary>
            <div className="mt-2 space-y-2">
              <Field label="Source text" htmlFor="sample-text">
                <textarea id="sample-text" rows={3} className={textareaClasses} value={sample.text} onChange={(event) => setSample({ ...sample, text: event.target.value })} />
              </Field>
              <Field label="Topic" htmlFor="sample-topic">
                <Select id="sample-topic" value={sample.topic} onChange={(event) => setSample({ ...sample, topic: event.target.value })}>
                  {[...new Set([sample.topic, ...topics])].map((topic) => (
                    <option key={topic} value={topic}>
                      {topic}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Induced instruction" htmlFor="sample-instruction">
                <textarea id="sample-instruction" rows={2} className={textareaClasses} value={sample.instruction} onChange={(event) => setSample({ ...sample, instruction: event.target.value })} />
              </Field>
              <Field label="Preferred response" htmlFor="sample-chosen">
                <textarea id="sample-chosen" rows={3} className={textareaClasses} value={sample.chosen} onChange={(event) => setSample({ ...sample, chosen: event.target.value })} />
              </Field>
            </div>
          </details>
          <PromptPreview stage={active} source={{ mode: stage.mode, template: stage.template, rubric: stage.rubric.trim() ? stage.rubric : undefined }} sample={sample} topicDescriptions={topicDescriptions} />
        </Card>
      </div>

      {canWrite && (
        <Card>
          <div className="flex flex-wrap items-end gap-3">
            <Button onClick={save} disabled={pending || !validation.ok || (target.kind === 'new' && name.trim() === '')}>
              {target.kind === 'version' ? `Save as version ${target.latestVersion + 1}` : 'Create recipe'}
            </Button>
            <span className="mx-2 h-6 border-l border-slate-300 dark:border-slate-700" />
            <Field label="Try on" htmlFor="try-corpus">
              <Select id="try-corpus" value={tryCorpus} onChange={(event) => setTryCorpus(event.target.value)}>
                <option value="">5 texts of the bundled sample corpus</option>
                {corpora.map((corpus) => (
                  <option key={corpus.id} value={corpus.id}>
                    first 5 texts of {corpus.name}
                  </option>
                ))}
              </Select>
            </Field>
            <Button variant="secondary" onClick={tryItemsNow} disabled={pending || !validation.ok}>
              {pending ? 'Working…' : 'Try on 5 items'}
            </Button>
          </div>
          {!validation.ok && <p className="mt-2 text-xs text-rose-600 dark:text-rose-400">Fix the marked fields to save or try the recipe.</p>}
          <Issues messages={validation.ok ? [] : Object.entries(issues).filter(([path]) => !path.startsWith('stages.') && !['topics', 'instructionsPerSource'].includes(path.split('.')[0])).flatMap(([, list]) => list)} />
          {message && (
            <p role="status" className="mt-2 text-sm text-emerald-700 dark:text-emerald-300">
              {message}
            </p>
          )}
          {error && (
            <p role="alert" className="mt-2 text-sm text-rose-600 dark:text-rose-400">
              {error}
            </p>
          )}
          {tryItems && (
            <div className="mt-4">
              <p className="mb-2 text-xs text-slate-500">Results of the try; nothing was stored.</p>
              <TryResults items={tryItems} blurred={blurred} />
            </div>
          )}
        </Card>
      )}
    </div>
  );
}
