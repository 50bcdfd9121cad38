'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Select } from '@/components/ui/field';
import { DEFAULT_REVERSED_TEMPLATE, REVERSED_TEMPLATE_IDS, reversedTemplates, type ReversedTemplateId } from '@/lib/pipeline/prompts/reversed-template';
import { flipInstructionDataset, SHAREGPT_TURNS, shareGptTurnsLabels, type InstructionDatasetFormat, type RowError, type ShareGptTurns } from '@/lib/pipeline/reversed-data';
import { flipNote, flippedFileName } from '@/lib/pipeline/reversed-download';
import { formatCount } from './format';

type FormatChoice = InstructionDatasetFormat | 'auto';

interface Check {
  records: number;
  skippedPairs: number;
  errorCount: number;
  errors: RowError[];
  preview: { prompt: string; completion: string } | null;
  note: string;
}

/**
 * Checks an Alpaca/ShareGPT file in the browser (the same code the server uses) and downloads the
 * flipped training file streamed from /api/runs/reversed-data.
 */
export function ReversedDataTool() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<FormatChoice>('auto');
  const [template, setTemplate] = useState<ReversedTemplateId>(DEFAULT_REVERSED_TEMPLATE);
  const [turns, setTurns] = useState<ShareGptTurns>('each');
  const flipOptions = { format, template, shareGptTurns: turns };
  const [check, setCheck] = useState<Check | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function runCheck() {
    if (!file) return;
    setBusy(true);
    setError(null);
    setCheck(null);
    const result: Check = { records: 0, skippedPairs: 0, errorCount: 0, errors: [], preview: null, note: flipNote(flipOptions) };
    try {
      const reader = file.stream().getReader();
      const chunks = (async function* () {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      })();
      for await (const event of flipInstructionDataset(chunks, flipOptions)) {
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
      const response = await fetch(`/api/runs/reversed-data?${new URLSearchParams({ format, template, turns, name: file.name })}`, { method: 'POST', body: file });
      if (!response.ok) throw new Error(((await response.json().catch(() => null)) as { error?: string } | null)?.error ?? `HTTP ${response.status}`);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement('a');
      link.href = url;
      link.download = flippedFileName(file.name.replace(/\.(jsonl?|json)$/i, ''), flipOptions);
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
        <Field label="Reversed template" htmlFor="reversed-template">
          <Select
            id="reversed-template"
            value={template}
            onChange={(event) => {
              setTemplate(event.target.value as ReversedTemplateId);
              setCheck(null);
            }}
          >
            {REVERSED_TEMPLATE_IDS.map((id) => (
              <option key={id} value={id}>
                {reversedTemplates[id].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="ShareGPT turns" htmlFor="reversed-turns">
          <Select
            id="reversed-turns"
            value={turns}
            onChange={(event) => {
              setTurns(event.target.value as ShareGptTurns);
              setCheck(null);
            }}
          >
            {SHAREGPT_TURNS.map((choice) => (
              <option key={choice} value={choice}>
                {shareGptTurnsLabels[choice]}
              </option>
            ))}
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
          <p className="text-xs text-slate-500" data-testid="reversed-note">
            {check.note}
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
