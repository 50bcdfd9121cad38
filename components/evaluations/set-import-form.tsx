'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { importEvalSetAction } from '@/lib/actions/evaluations';
import { HarmfulText } from '@/components/harmful-text';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/field';
import type { EvalSetMappingInput } from '@/lib/eval/sets';
import type { EvalUploadPreview } from '@/lib/eval/uploads';

const accepted = '.csv,.tsv,.tab,.jsonl,.ndjson,.json,.parquet,.gz';

/** Upload → preview with a suggested mapping → import. Cells are shown as plain text only. */
export function SetImportForm() {
  const router = useRouter();
  const [preview, setPreview] = useState<EvalUploadPreview | null>(null);
  const [mapping, setMapping] = useState<EvalSetMappingInput | null>(null);
  const [name, setName] = useState('');
  const [onRowError, setOnRowError] = useState<'skip' | 'abort'>('skip');
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const [pending, startTransition] = useTransition();

  async function upload(file: File) {
    setError(null);
    setUploading(true);
    try {
      const response = await fetch('/api/evaluations/uploads', {
        method: 'POST',
        headers: { 'Content-Type': 'application/octet-stream', 'X-File-Name': encodeURIComponent(file.name) },
        body: file,
      });
      const body = (await response.json()) as EvalUploadPreview & { error?: string };
      if (!response.ok) throw new Error(body.error ?? `The upload failed (HTTP ${response.status}).`);
      setPreview(body);
      setMapping(body.suggested ?? { promptColumn: body.columns[0] ?? '' });
      setName(file.name.replace(/\.[^.]+$/, ''));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setUploading(false);
    }
  }

  const none = '';
  const optional = (value: string) => (value === none ? null : value);
  const responseColumns = mapping?.responseColumns ?? [];

  function toggleResponse(column: string, checked: boolean) {
    if (!mapping) return;
    const others = responseColumns.filter((entry) => entry.column !== column);
    setMapping({ ...mapping, responseColumns: checked ? [...others, { column, label: column }] : others });
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!preview || !mapping) return;
    startTransition(async () => {
      setError(null);
      const result = await importEvalSetAction({ uploadId: preview.uploadId, fileName: preview.fileName, options: { name, mapping, onRowError } });
      if (!result.ok) setError(result.fieldErrors ? `${result.error} ${Object.values(result.fieldErrors).flat().join(' ')}` : result.error);
      else router.push(`/evaluations/sets/${result.data.setId}`);
    });
  }

  if (!preview || !mapping) {
    return (
      <div className="max-w-xl space-y-3">
        <Field label="Prompt set file" htmlFor="eval-set-file" hint="CSV, TSV, JSONL, JSON array or Parquet, optionally gzip-compressed; up to 200 MB." error={error ?? undefined}>
          <Input id="eval-set-file" type="file" accept={accepted} disabled={uploading} onChange={(event) => event.target.files?.[0] && void upload(event.target.files[0])} />
        </Field>
        {uploading && <p className="text-sm text-slate-500">Reading the file…</p>}
      </div>
    );
  }

  const columnOptions = preview.columns.map((column) => (
    <option key={column} value={column}>
      {column}
    </option>
  ));
  return (
    <form aria-label="Map the prompt set" onSubmit={submit} className="space-y-4">
      <p className="text-sm text-slate-600 dark:text-slate-400">
        {preview.fileName} · {preview.format} · columns: {preview.columns.join(', ')}
      </p>
      <div className="grid max-w-3xl gap-3 sm:grid-cols-2">
        <Field label="Set name" htmlFor="set-name">
          <Input id="set-name" value={name} onChange={(event) => setName(event.target.value)} required />
        </Field>
        <Field label="Prompt column" htmlFor="prompt-column">
          <Select id="prompt-column" value={mapping.promptColumn} onChange={(event) => setMapping({ ...mapping, promptColumn: event.target.value })}>
            {columnOptions}
          </Select>
        </Field>
        <Field label="Group column (optional)" htmlFor="group-column" hint="e.g. the benchmark a prompt came from">
          <Select id="group-column" value={mapping.groupColumn ?? none} onChange={(event) => setMapping({ ...mapping, groupColumn: optional(event.target.value) })}>
            <option value={none}>none</option>
            {columnOptions}
          </Select>
        </Field>
        <Field label="Reference answer column (optional)" htmlFor="reference-column">
          <Select id="reference-column" value={mapping.referenceColumn ?? none} onChange={(event) => setMapping({ ...mapping, referenceColumn: optional(event.target.value) })}>
            <option value={none}>none</option>
            {columnOptions}
          </Select>
        </Field>
        <Field label="Rows with problems" htmlFor="row-errors">
          <Select id="row-errors" value={onRowError} onChange={(event) => setOnRowError(event.target.value === 'abort' ? 'abort' : 'skip')}>
            <option value="skip">skip them and report them</option>
            <option value="abort">import nothing (all-or-nothing)</option>
          </Select>
        </Field>
      </div>
      <fieldset className="max-w-3xl space-y-2">
        <legend className="text-sm font-medium">Responses already generated by models (one column per model; judged as they are)</legend>
        {preview.columns
          .filter((column) => column !== mapping.promptColumn && column !== mapping.groupColumn && column !== mapping.referenceColumn)
          .map((column) => {
            const entry = responseColumns.find((candidate) => candidate.column === column);
            return (
              <div key={column} className="flex items-center gap-3 text-sm">
                <label className="flex w-56 items-center gap-2">
                  <input type="checkbox" checked={entry !== undefined} onChange={(event) => toggleResponse(column, event.target.checked)} aria-label={`Column ${column} holds model responses`} />
                  {column}
                </label>
                {entry && (
                  <Input
                    aria-label={`Model label for column ${column}`}
                    className="max-w-xs"
                    value={entry.label}
                    onChange={(event) =>
                      setMapping({ ...mapping, responseColumns: responseColumns.map((candidate) => (candidate.column === column ? { ...candidate, label: event.target.value } : candidate)) })
                    }
                  />
                )}
              </div>
            );
          })}
      </fieldset>
      <div className="max-w-full overflow-x-auto">
        <table className="text-xs">
          <thead>
            <tr>
              {preview.columns.map((column) => (
                <th key={column} className="px-2 py-1 text-left text-slate-500">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, index) => (
              <tr key={index} className="border-t border-slate-100 align-top dark:border-slate-800">
                {preview.columns.map((column) => (
                  <td key={column} className="max-w-xs px-2 py-1">
                    <HarmfulText text={row[column] ?? ''} label="cell" />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
      <Button type="submit" disabled={pending}>
        {pending ? 'Importing…' : 'Import the prompt set'}
      </Button>
    </form>
  );
}
