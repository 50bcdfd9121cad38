'use client';

import { useState, useTransition } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/field';
import { createEndpointAction, updateEndpointAction } from '@/lib/actions/providers';
import type { EndpointView } from '@/lib/llm/endpoint-view';
import { endpointPayloadFromForm, formDefaults, type KeyMode } from './form-values';

type Props = {
  /** null to add a new endpoint. */
  endpoint: EndpointView | null;
  onSaved: (endpoint: EndpointView) => void;
  onCancel?: () => void;
};

const textareaClasses =
  'block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500 dark:border-slate-700 dark:bg-slate-900';

export function EndpointForm({ endpoint, onSaved, onCancel }: Props) {
  const defaults = formDefaults(endpoint);
  const [keyMode, setKeyMode] = useState<KeyMode>(endpoint?.apiKeySource ?? 'stored');
  const [pending, startTransition] = useTransition();
  const [formError, setFormError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const id = endpoint ? `edit-${endpoint.id}` : 'new';
  const hasStoredKey = endpoint?.apiKeySource === 'stored';
  const error = (path: string) => fieldErrors[path]?.[0];
  const title = endpoint ? `Edit ${endpoint.name}` : 'Add an endpoint';

  function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const payload = endpointPayloadFromForm(new FormData(formElement), keyMode);
    startTransition(async () => {
      const result = endpoint
        ? await updateEndpointAction({ ...payload, id: endpoint.id, keepStoredKey: keyMode === 'stored' })
        : await createEndpointAction(payload);
      if (result.ok) {
        setFormError(null);
        setFieldErrors({});
        // The typed key must not linger in the page.
        formElement.reset();
        onSaved(result.data);
      } else {
        setFormError(result.error);
        setFieldErrors(result.fieldErrors ?? {});
      }
    });
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" aria-label={title} autoComplete="off">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" htmlFor={`${id}-name`} error={error('name')}>
          <Input id={`${id}-name`} name="name" defaultValue={defaults.name} required />
        </Field>
        <Field label="Model" htmlFor={`${id}-model`} error={error('model')} hint="e.g. gpt-4o-mini, llama3.1:8b">
          <Input id={`${id}-model`} name="model" defaultValue={defaults.model} required />
        </Field>
      </div>
      <Field label="Base URL" htmlFor={`${id}-baseUrl`} error={error('baseUrl')} hint="OpenAI-compatible, usually ending in /v1">
        <Input id={`${id}-baseUrl`} name="baseUrl" defaultValue={defaults.baseUrl} placeholder="https://api.openai.com/v1" required />
      </Field>
      <Field label="Mode" htmlFor={`${id}-mode`} error={error('mode')} hint="Completion for a reversed model fine-tuned on a template">
        <Select id={`${id}-mode`} name="mode" defaultValue={defaults.mode}>
          <option value="chat">chat (/v1/chat/completions)</option>
          <option value="completion">completion (/v1/completions)</option>
        </Select>
      </Field>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">API key</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          {(
            [
              ['stored', 'Stored (encrypted)'],
              ['env', 'Environment variable'],
              ['none', 'No key'],
            ] as const
          ).map(([mode, label]) => (
            <label key={mode} className="flex items-center gap-1.5">
              <input type="radio" name="keyMode" value={mode} checked={keyMode === mode} onChange={() => setKeyMode(mode)} />
              {label}
            </label>
          ))}
        </div>
        {keyMode === 'stored' && (
          <Field
            label="API key value"
            htmlFor={`${id}-apiKey`}
            error={error('apiKey')}
            hint={hasStoredKey ? `A key ending in ${endpoint?.apiKeyMasked} is stored; leave empty to keep it (enter it again when the base URL moves to another server).` : 'Encrypted at rest; never shown again.'}
          >
            <Input id={`${id}-apiKey`} name="apiKey" type="password" autoComplete="new-password" spellCheck={false} />
          </Field>
        )}
        {keyMode === 'env' && (
          <Field label="Variable name" htmlFor={`${id}-apiKeyEnv`} error={error('apiKeyEnv')} hint="Read from the server's environment at call time; a name ending in _API_KEY, _KEY or _TOKEN (never the app's own secrets)">
            <Input id={`${id}-apiKeyEnv`} name="apiKeyEnv" defaultValue={defaults.apiKeyEnv} placeholder="OPENAI_API_KEY" spellCheck={false} />
          </Field>
        )}
      </fieldset>

      <details className="rounded-md border border-slate-200 p-3 dark:border-slate-800" open={Object.keys(fieldErrors).some((path) => path !== 'name')}>
        <summary className="cursor-pointer text-sm font-medium">Limits, prices and defaults</summary>
        <div className="mt-3 grid gap-3 sm:grid-cols-3">
          <Field label="Concurrency" htmlFor={`${id}-concurrency`} error={error('limits.concurrency')}>
            <Input id={`${id}-concurrency`} name="concurrency" inputMode="numeric" defaultValue={defaults.concurrency} />
          </Field>
          <Field label="Requests / min" htmlFor={`${id}-rpm`} error={error('limits.rpm')} hint="empty = no limit">
            <Input id={`${id}-rpm`} name="rpm" inputMode="numeric" defaultValue={defaults.rpm} />
          </Field>
          <Field label="Tokens / min" htmlFor={`${id}-tpm`} error={error('limits.tpm')} hint="empty = no limit">
            <Input id={`${id}-tpm`} name="tpm" inputMode="numeric" defaultValue={defaults.tpm} />
          </Field>
          <Field label="Input $ / 1M tokens" htmlFor={`${id}-priceIn`} error={error('priceInputPerMTok')}>
            <Input id={`${id}-priceIn`} name="priceInputPerMTok" inputMode="decimal" defaultValue={defaults.priceInputPerMTok} />
          </Field>
          <Field label="Output $ / 1M tokens" htmlFor={`${id}-priceOut`} error={error('priceOutputPerMTok')}>
            <Input id={`${id}-priceOut`} name="priceOutputPerMTok" inputMode="decimal" defaultValue={defaults.priceOutputPerMTok} />
          </Field>
          <Field label="Timeout (ms)" htmlFor={`${id}-timeout`} error={error('timeoutMs')}>
            <Input id={`${id}-timeout`} name="timeoutMs" inputMode="numeric" defaultValue={defaults.timeoutMs} />
          </Field>
          <Field label="Retry budget (ms)" htmlFor={`${id}-retryBudget`} error={error('retryBudgetMs')} hint="retries 429, 5xx, dropped calls this long; 0 = never">
            <Input id={`${id}-retryBudget`} name="retryBudgetMs" inputMode="numeric" defaultValue={defaults.retryBudgetMs} />
          </Field>
          <Field label="Temperature" htmlFor={`${id}-temperature`} error={error('defaultParams.temperature')}>
            <Input id={`${id}-temperature`} name="temperature" inputMode="decimal" defaultValue={defaults.temperature} />
          </Field>
          <Field label="Max tokens" htmlFor={`${id}-maxTokens`} error={error('defaultParams.maxTokens')}>
            <Input id={`${id}-maxTokens`} name="maxTokens" inputMode="numeric" defaultValue={defaults.maxTokens} />
          </Field>
          <Field label="Top-p" htmlFor={`${id}-topP`} error={error('defaultParams.topP')}>
            <Input id={`${id}-topP`} name="topP" inputMode="decimal" defaultValue={defaults.topP} />
          </Field>
          <Field label="Seed" htmlFor={`${id}-seed`} error={error('defaultParams.seed')}>
            <Input id={`${id}-seed`} name="seed" inputMode="numeric" defaultValue={defaults.seed} />
          </Field>
          <Field label="Stop sequences" htmlFor={`${id}-stop`} error={error('defaultParams.stop')} hint="one per line">
            <textarea id={`${id}-stop`} name="stop" rows={2} className={textareaClasses} defaultValue={defaults.stop} />
          </Field>
          <label className="flex items-center gap-2 self-end text-sm">
            <input type="checkbox" name="supportsJsonMode" defaultChecked={endpoint?.supportsJsonMode ?? false} />
            Supports JSON mode
          </label>
        </div>
      </details>

      {formError && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {formError}
        </p>
      )}
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>
          {endpoint ? 'Save changes' : 'Add endpoint'}
        </Button>
        {onCancel && (
          <Button type="button" variant="secondary" onClick={onCancel} disabled={pending}>
            Cancel
          </Button>
        )}
      </div>
    </form>
  );
}
