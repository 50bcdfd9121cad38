'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Select } from '@/components/ui/field';
import { flipInstructionDataset, type InstructionDatasetFormat, type RowError } from '@/lib/pipeline/reversed-data';
import { formatCount } from './format';

type FormatChoice = InstructionDatasetFormat | 'auto';

interface Check {
  records: number;
  skippedPairs: number;
  errorCount: number;
  errors: RowError[];
  preview: { prompt: string; completion: string } | null;
}

/**
 * Checks an Alpaca/ShareGPT file in the browser (the same code the server uses) and downloads the
 * flipped training file streamed from /api/runs/reversed-data.
 */
export function ReversedDataTool() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<FormatChoice>('auto');
  const [check, setCheck] = useState<Check | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function runCheck() {
    if (!file) return;
    setBusy(true);
    setError(null);
    setCheck(null);
    const result: Check = { records: 0, skippedPairs: 0, errorCount: 0, errors: [], preview: null };
    try {
      const reader = file.stream().getReader();
      const chunks = (async function* () {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      })();
      for await (const event of flipInstructionDataset(chunks, { format })) {
        if (event.kind === 'record') {
          result.records += 1;
          result.preview ??= event.record;
        } else if (event.kind === 'skipped') result.skippedPairs += event.pairs;
        else {
          result.errorCount += 1;
          if (result.errors.length < 20) result.errors.push(event.error);
        }
      }
      setCheck(result);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  async function download() {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(`/api/runs/reversed-data?${new URLSearchParams({ format, name: file.name })}`, { method: 'POST', body: file });
      if (!response.ok) throw new Error(((await response.json().catch(() => null)) as { error?: string } | null)?.error ?? `HTTP ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = `${file.name.replace(/\.(jsonl?|json)$/i, '')}.reversed.jsonl`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-4">
        <Field label="Instruction dataset (JSON array or JSONL)" htmlFor="reversed-file">
          <input
            id="reversed-file"
            type="file"
            accept=".json,.jsonl,application/json"
            className="block text-sm"
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setCheck(null);
            }}
          />
        </Field>
        <Field label="Format" htmlFor="reversed-format">
          <Select id="reversed-format" value={format} onChange={(event) => setFormat(event.target.value as FormatChoice)}>
            <option value="auto">detect</option>
            <option value="alpaca">Alpaca (instruction, input, output)</option>
            <option value="sharegpt">ShareGPT (conversations)</option>
          </Select>
        </Field>
        <Button variant="secondary" onClick={runCheck} disabled={!file || busy}>
          Check file
        </Button>
        <Button onClick={download} disabled={!file || busy}>
          Download flipped file
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
          {error}
        </p>
      )}
      {check && (
        <div className="space-y-2 text-sm" data-testid="reversed-check">
          <p>
            <span data-testid="reversed-records">{formatCount(check.records)}</span> training records
            {check.skippedPairs > 0 && `, ${formatCount(check.skippedPairs)} turns with empty text skipped`}
            {check.errorCount > 0 ? `, ${formatCount(check.errorCount)} records unreadable (left out):` : '; no problems.'}
          </p>
          {check.errors.length > 0 && (
            <ul className="list-disc pl-5 text-xs text-rose-700 dark:text-rose-300">
              {check.errors.map((row, index) => (
                <li key={index}>
                  line {row.line}
                  {row.field ? ` (${row.field})` : ''}: {row.message}
                </li>
              ))}
            </ul>
          )}
          {check.preview && (
            <div className="grid gap-2 md:grid-cols-2">
              <div>
                <p className="text-xs font-semibold uppercase text-slate-500">First prompt (model input)</p>
                <pre className="max-h-60 overflow-auto whitespace-pre-wrap rounded border border-slate-200 p-2 font-mono text-xs dark:border-slate-700">{check.preview.prompt}</pre>
              </div>
              <div>
                <p className="text-xs font-semibold uppercase text-slate-500">Its completion (target)</p>
                <pre className="max-h-60 overflow-auto whitespace-pre-wrap rounded border border-slate-200 p-2 font-mono text-xs dark:border-slate-700">{check.preview.completion}</pre>
              </div>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
