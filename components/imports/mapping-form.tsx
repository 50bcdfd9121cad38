'use client';

import { usePathname, useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';

import { cancelImportAction, startImportAction } from '@/lib/actions/corpora';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import type { ImportConfigInput } from '@/lib/importers/jobs/config';
import type { ImportPreview } from '@/lib/importers/preview';
import { csvDelimiters, importFormats, pairShapeNames, type CsvDelimiter, type ImportFormat, type PairShape } from '@/lib/importers/types';

const formatNames: Record<ImportFormat, string> = { csv: 'CSV', tsv: 'TSV', jsonl: 'JSONL', json: 'JSON array', parquet: 'Parquet', text: 'Plain text (one item per line)' };
const delimiterNames: Record<CsvDelimiter, string> = { ',': 'comma', '\t': 'tab', ';': 'semicolon', '|': 'pipe' };
const shapeNames: Record<PairShape, string> = {
  columns: 'Columns (instruction, chosen, rejected — e.g. the Safer-Instruct CSV)',
  trl: 'TRL preference, standard (prompt, chosen, rejected)',
  'trl-conversational': 'TRL preference, conversational (messages)',
  openai: 'OpenAI preference fine-tuning JSONL',
  'hh-rlhf': 'Anthropic HH-RLHF (chosen/rejected transcripts)',
};

type TopicKind = 'none' | 'column' | 'fixed';

export type MappingFormProps = {
  importId: string;
  fileName: string;
  preview: ImportPreview | null;
  previewError: string | null;
  declaredFormat: ImportFormat | null;
  declaredDelimiter: CsvDelimiter | null;
  corpora: { id: string; name: string }[];
  blurHarmful: boolean;
};

function ColumnSelect({ id, label, columns, value, onChange, optional = false, hint }: { id: string; label: string; columns: string[]; value: string; onChange: (value: string) => void; optional?: boolean; hint?: string }) {
  return (
    <Field label={label} htmlFor={id} hint={hint}>
      <Select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {optional && <option value="">— none —</option>}
        {columns.map((column) => (
          <option key={column} value={column}>
            {column}
          </option>
        ))}
      </Select>
    </Field>
  );
}

function PreviewTable({ preview, blurHarmful }: { preview: ImportPreview; blurHarmful: boolean }) {
  const [revealed, setRevealed] = useState(!blurHarmful);
  return (
    <div className="space-y-2">
      <div className="flex items-center justify-between">
        <p className="text-sm text-slate-600 dark:text-slate-400">
          First {preview.rows.length} rows ({formatNames[preview.format]}
          {preview.compressed ? ', gzip' : ''}
          {preview.detectedDelimiter ? `, ${delimiterNames[preview.detectedDelimiter]}-separated` : ''}).
        </p>
        {blurHarmful && (
          <Button type="button" variant="ghost" onClick={() => setRevealed(!revealed)}>
            {revealed ? 'Hide preview' : 'Reveal preview'}
          </Button>
        )}
      </div>
      <div className="max-h-80 overflow-auto rounded border border-slate-200 dark:border-slate-800">
        <table className="w-full text-left text-xs" aria-label="Preview of the first rows">
          <thead className="sticky top-0 bg-slate-100 dark:bg-slate-800">
            <tr>
              {preview.columns.map((column) => (
                <th key={column} className="px-2 py-1 font-mono font-medium">
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className={`divide-y divide-slate-100 dark:divide-slate-800 ${revealed ? '' : 'harmful-blur'}`} aria-hidden={!revealed}>
            {preview.rows.map((row, index) => (
              <tr key={index}>
                {preview.columns.map((column) => {
                  const cell = row[column];
                  return (
                    <td key={column} className="max-w-xs px-2 py-1 align-top whitespace-pre-wrap break-words font-mono">
                      {cell === null ? <span className="italic text-slate-400">empty</span> : cell.length > 300 ? `${cell.slice(0, 300)}…` : cell}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.errors.length > 0 && (
        <p className="text-xs text-amber-700 dark:text-amber-400">
          {preview.errors.length} of the first rows have problems (e.g. line {preview.errors[0].line}: {preview.errors[0].reason}); they will be listed in the import report.
        </p>
      )}
    </div>
  );
}

/** The mapping step: which column is what, where the rows go, and what to do with bad rows. */
export function MappingForm({ importId, fileName, preview, previewError, declaredFormat, declaredDelimiter, corpora, blurHarmful }: MappingFormProps) {
  const router = useRouter();
  const pathname = usePathname();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});

  const columns = preview?.columns ?? [];
  const source = preview?.suggestedMapping.source ?? null;
  const pair = preview?.suggestedMapping.pair ?? null;
  const baseName = fileName.replace(/\.gz$/i, '').replace(/\.[^.]+$/, '') || fileName;

  const [kind, setKind] = useState<'corpus' | 'dataset'>(preview?.pairShape ? 'dataset' : 'corpus');
  const [targetMode, setTargetMode] = useState<'new' | 'existing'>('new');
  const [name, setName] = useState(baseName);
  const [existingId, setExistingId] = useState(corpora[0]?.id ?? '');
  const [textColumn, setTextColumn] = useState(source?.textColumn ?? columns[0] ?? '');
  const suggestedTopic = (kind === 'dataset' ? pair?.topic : source?.topic) ?? { kind: 'none' as const };
  const [topicKind, setTopicKind] = useState<TopicKind>(suggestedTopic.kind);
  const [topicColumn, setTopicColumn] = useState(suggestedTopic.kind === 'column' ? suggestedTopic.column : (columns[0] ?? ''));
  const [topicValue, setTopicValue] = useState('');
  const [idColumn, setIdColumn] = useState(source?.idColumn ?? pair?.idColumn ?? '');
  const [shape, setShape] = useState<PairShape>(pair?.shape ?? 'columns');
  const [instructionColumn, setInstructionColumn] = useState(pair?.shape === 'columns' ? pair.instructionColumn : (columns[0] ?? ''));
  const [chosenColumn, setChosenColumn] = useState(pair?.shape === 'columns' ? (pair.chosenColumn ?? '') : '');
  const [rejectedColumn, setRejectedColumn] = useState(pair?.shape === 'columns' ? (pair.rejectedColumn ?? '') : '');
  const [metadata, setMetadata] = useState<Set<string>>(new Set(source?.metadataColumns ?? []));
  const [onRowError, setOnRowError] = useState<'skip' | 'abort'>('skip');
  const [maxTextLength, setMaxTextLength] = useState('32000');

  function reloadPreview(format: string, delimiter: string) {
    const params = new URLSearchParams();
    if (format) params.set('format', format);
    if (delimiter) params.set('delimiter', delimiter);
    router.replace(`${pathname}${params.size > 0 ? `?${params}` : ''}`);
  }

  const used = new Set<string>(
    [
      kind === 'corpus' ? textColumn : null,
      kind === 'dataset' && shape === 'columns' ? instructionColumn : null,
      kind === 'dataset' && shape === 'columns' ? chosenColumn : null,
      kind === 'dataset' && shape === 'columns' ? rejectedColumn : null,
      topicKind === 'column' ? topicColumn : null,
      idColumn,
    ].filter((column): column is string => Boolean(column)),
  );
  const metadataChoices = columns.filter((column) => !used.has(column));

  function buildConfig(): ImportConfigInput {
    const topic = topicKind === 'none' ? { kind: 'none' as const } : topicKind === 'column' ? { kind: 'column' as const, column: topicColumn } : { kind: 'fixed' as const, value: topicValue };
    const shared = { topic, idColumn: idColumn || null, metadataColumns: metadataChoices.filter((column) => metadata.has(column)) };
    const common = { format: declaredFormat, delimiter: declaredDelimiter, onRowError, maxTextLength: Number(maxTextLength) };
    if (kind === 'corpus') {
      return {
        kind: 'corpus',
        target: targetMode === 'new' ? { mode: 'new', name, description: null } : { mode: 'existing', corpusId: existingId },
        mapping: { textColumn, ...shared },
        ...common,
      };
    }
    const mapping =
      shape === 'columns'
        ? { shape, instructionColumn, chosenColumn: chosenColumn || null, rejectedColumn: rejectedColumn || null, ...shared }
        : { shape, ...shared };
    return { kind: 'dataset', target: { mode: 'new', name, description: null }, mapping, ...common };
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    setError(null);
    setFieldErrors({});
    startTransition(async () => {
      const result = await startImportAction({ importId, config: buildConfig() });
      if (!result.ok) {
        setError(result.error);
        setFieldErrors(result.fieldErrors ?? {});
        return;
      }
      router.refresh();
    });
  }

  function discard() {
    startTransition(async () => {
      const result = await cancelImportAction({ importId });
      if (!result.ok) setError(result.error);
      else router.push('/corpora');
    });
  }

  const fieldError = (...keys: string[]) => keys.flatMap((key) => fieldErrors[`config.${key}`] ?? []).join(' ') || undefined;

  return (
    <form aria-label="Column mapping" onSubmit={submit} className="space-y-4">
      <Card title="File">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label="Format" htmlFor="import-format" hint="Detected from the name and the content unless you choose.">
            <Select id="import-format" value={declaredFormat ?? ''} onChange={(event) => reloadPreview(event.target.value, declaredDelimiter ?? '')}>
              <option value="">Detect</option>
              {importFormats.map((format) => (
                <option key={format} value={format}>
                  {formatNames[format]}
                </option>
              ))}
            </Select>
          </Field>
          {(preview?.format === 'csv' || declaredFormat === 'csv') && (
            <Field label="Delimiter" htmlFor="import-delimiter">
              <Select id="import-delimiter" value={declaredDelimiter ?? ''} onChange={(event) => reloadPreview(declaredFormat ?? '', event.target.value)}>
                <option value="">Detect{preview?.detectedDelimiter ? ` (${delimiterNames[preview.detectedDelimiter]})` : ''}</option>
                {csvDelimiters.map((delimiter) => (
                  <option key={delimiter} value={delimiter}>
                    {delimiterNames[delimiter]}
                  </option>
                ))}
              </Select>
            </Field>
          )}
        </div>
        <div className="mt-4">
          {previewError ? (
            <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
              {previewError}
            </p>
          ) : (
            preview && <PreviewTable preview={preview} blurHarmful={blurHarmful} />
          )}
        </div>
      </Card>

      {!preview && (
        <Button type="button" variant="ghost" disabled={pending} onClick={discard}>
          Discard this upload
        </Button>
      )}
      {preview && (
        <>
          <Card title="What the file holds">
            <fieldset className="flex flex-wrap gap-6 text-sm">
              <legend className="sr-only">Import as</legend>
              <label className="flex items-center gap-2">
                <input type="radio" name="kind" checked={kind === 'corpus'} onChange={() => setKind('corpus')} />
                Source texts (a corpus)
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="kind" checked={kind === 'dataset'} onChange={() => setKind('dataset')} />
                Preference pairs (a dataset)
              </label>
            </fieldset>
          </Card>

          <Card title={kind === 'corpus' ? 'Corpus and columns' : 'Dataset and columns'}>
            <div className="grid gap-4 sm:grid-cols-2">
              {kind === 'corpus' && corpora.length > 0 && (
                <Field label="Import into" htmlFor="import-target-mode">
                  <Select id="import-target-mode" value={targetMode} onChange={(event) => setTargetMode(event.target.value as 'new' | 'existing')}>
                    <option value="new">A new corpus</option>
                    <option value="existing">An existing corpus</option>
                  </Select>
                </Field>
              )}
              {kind === 'corpus' && targetMode === 'existing' ? (
                <Field label="Corpus" htmlFor="import-existing">
                  <Select id="import-existing" value={existingId} onChange={(event) => setExistingId(event.target.value)}>
                    {corpora.map((corpus) => (
                      <option key={corpus.id} value={corpus.id}>
                        {corpus.name}
                      </option>
                    ))}
                  </Select>
                </Field>
              ) : (
                <Field label={kind === 'corpus' ? 'Corpus name' : 'Dataset name'} htmlFor="import-name" error={fieldError('target.name')}>
                  <Input id="import-name" value={name} maxLength={200} onChange={(event) => setName(event.target.value)} required />
                </Field>
              )}

              {kind === 'corpus' ? (
                <ColumnSelect id="import-text-column" label="Text column" columns={columns} value={textColumn} onChange={setTextColumn} hint="Stored exactly as in the file." />
              ) : (
                <>
                  <Field label="Shape" htmlFor="import-shape">
                    <Select id="import-shape" value={shape} onChange={(event) => setShape(event.target.value as PairShape)}>
                      {pairShapeNames.map((name_) => (
                        <option key={name_} value={name_}>
                          {shapeNames[name_]}
                        </option>
                      ))}
                    </Select>
                  </Field>
                  {shape === 'columns' && (
                    <>
                      <ColumnSelect id="import-instruction-column" label="Instruction column" columns={columns} value={instructionColumn} onChange={setInstructionColumn} />
                      <ColumnSelect id="import-chosen-column" label="Chosen column" columns={columns} value={chosenColumn} onChange={setChosenColumn} optional hint="Empty cells are kept as missing." />
                      <ColumnSelect id="import-rejected-column" label="Rejected column" columns={columns} value={rejectedColumn} onChange={setRejectedColumn} optional hint="Empty cells are kept as missing." />
                    </>
                  )}
                </>
              )}

              <Field label="Topic" htmlFor="import-topic-kind" error={fieldError('mapping.topic.value', 'mapping.topic.column')}>
                <Select id="import-topic-kind" value={topicKind} onChange={(event) => setTopicKind(event.target.value as TopicKind)}>
                  <option value="none">No topic{kind === 'corpus' ? ' (“unlabelled”)' : ''}</option>
                  <option value="column">From a column</option>
                  <option value="fixed">One topic for every row</option>
                </Select>
              </Field>
              {topicKind === 'column' && <ColumnSelect id="import-topic-column" label="Topic column" columns={columns} value={topicColumn} onChange={setTopicColumn} />}
              {topicKind === 'fixed' && (
                <Field label="Topic value" htmlFor="import-topic-value">
                  <Input id="import-topic-value" value={topicValue} maxLength={200} onChange={(event) => setTopicValue(event.target.value)} required />
                </Field>
              )}
              <ColumnSelect id="import-id-column" label="Id column" columns={columns} value={idColumn} onChange={setIdColumn} optional />
            </div>
            {metadataChoices.length > 0 && (
              <fieldset className="mt-4">
                <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Keep as metadata</legend>
                <div className="mt-2 flex flex-wrap gap-4 text-sm">
                  {metadataChoices.map((column) => (
                    <label key={column} className="flex items-center gap-2 font-mono text-xs">
                      <input
                        type="checkbox"
                        checked={metadata.has(column)}
                        onChange={(event) => {
                          const next = new Set(metadata);
                          if (event.target.checked) next.add(column);
                          else next.delete(column);
                          setMetadata(next);
                        }}
                      />
                      {column}
                    </label>
                  ))}
                </div>
              </fieldset>
            )}
          </Card>

          <Card title="Bad rows">
            <div className="grid gap-4 sm:grid-cols-2">
              <fieldset className="space-y-2 text-sm">
                <legend className="sr-only">Bad rows</legend>
                <label className="flex items-start gap-2">
                  <input type="radio" name="on-row-error" checked={onRowError === 'skip'} onChange={() => setOnRowError('skip')} />
                  <span>
                    Skip bad rows and list them in the report
                    <span className="block text-xs text-slate-500">Recommended for large files.</span>
                  </span>
                </label>
                <label className="flex items-start gap-2">
                  <input type="radio" name="on-row-error" checked={onRowError === 'abort'} onChange={() => setOnRowError('abort')} />
                  <span>
                    All or nothing
                    <span className="block text-xs text-slate-500">Store nothing if any row has a problem.</span>
                  </span>
                </label>
              </fieldset>
              <Field label="Maximum text length (characters)" htmlFor="import-max-length" error={fieldError('maxTextLength')} hint="Longer texts are reported as bad rows.">
                <Input id="import-max-length" type="number" min={1} max={1000000} value={maxTextLength} onChange={(event) => setMaxTextLength(event.target.value)} />
              </Field>
            </div>
          </Card>

          {error && (
            <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
              {error} {Object.entries(fieldErrors).map(([key, messages]) => `${key}: ${messages.join(' ')}`).join('; ')}
            </p>
          )}
          <div className="flex gap-2">
            <Button type="submit" disabled={pending || (kind === 'corpus' && targetMode === 'existing' && !existingId)}>
              {pending ? 'Starting…' : 'Start import'}
            </Button>
            <Button type="button" variant="ghost" disabled={pending} onClick={discard}>
              Discard this upload
            </Button>
          </div>
        </>
      )}
    </form>
  );
}
