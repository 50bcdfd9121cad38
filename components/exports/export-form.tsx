'use client';

import { useEffect, useMemo, useState, useTransition } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';

import { createExportAction, previewExportAction } from '@/lib/actions/exports';
import { Button } from '@/components/ui/button';
import { Badge, Card } from '@/components/ui/card';
import { Field, Input, Select } from '@/components/ui/field';
import { SimulatedBadge } from '@/components/ui/progress';
import type { ExportOptions } from '@/lib/exporters/options';
import type { ExportPreview } from '@/lib/exporters/preview';
import { TRL_TEMPLATES } from '@/lib/exporters/prompt';
import { CARD_LICENSES, PAIR_STATUSES, STREAM_SPLITS, type ExportSelectionInput, type PairStatusName, type StreamSplit } from '@/lib/exporters/request';
import { TRL_PROMPT_TEMPLATES, type ExportFormat, type FormatOptions, type TrlPromptTemplate } from '@/lib/exporters/types';

export type FormatOption = { id: ExportFormat; label: string; extension: string };

const STATUS_LABELS: Record<PairStatusName, string> = { KEPT: 'Kept by the filters', PENDING: 'Pending', DROPPED: 'Dropped' };
const DEFAULT_FORMATS: ExportFormat[] = ['trl-standard', 'parquet'];

function toggle<T>(list: readonly T[], value: T, on: boolean): T[] {
  return on ? [...new Set([...list, value])] : list.filter((item) => item !== value);
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

function Checkbox({ label, checked, onChange, hint }: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: React.ReactNode }) {
  return (
    <label className="flex items-start gap-2 text-sm">
      <input type="checkbox" className="mt-0.5" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span>
        {label}
        {hint && <span className="ml-1 text-xs text-slate-500">{hint}</span>}
      </span>
    </label>
  );
}

function Fieldset({ legend, children }: { legend: string; children: React.ReactNode }) {
  return (
    <fieldset className="space-y-1.5">
      <legend className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{legend}</legend>
      {children}
    </fieldset>
  );
}

/** The selection, formats and card options of a new export, with a live count of what it would hold. */
export type EvaluationOption = { id: string; label: string };

export function ExportForm({ options, formats, evaluations = [] }: { options: ExportOptions; formats: FormatOption[]; evaluations?: EvaluationOption[] }) {
  const queryClient = useQueryClient();
  const [runIds, setRunIds] = useState<string[]>([]);
  const [datasetIds, setDatasetIds] = useState<string[]>([]);
  const [topics, setTopics] = useState<string[]>([]);
  const [statuses, setStatuses] = useState<PairStatusName[]>(['KEPT']);
  const [auditPassedOnly, setAuditPassedOnly] = useState(false);
  const [excludeAuditRejected, setExcludeAuditRejected] = useState(true);
  const [includeHumanEdited, setIncludeHumanEdited] = useState(true);
  const [dedupInstructions, setDedupInstructions] = useState(true);
  const [splitOn, setSplitOn] = useState(true);
  const [trainPercent, setTrainPercent] = useState('90');
  const [splitSeed, setSplitSeed] = useState('42');
  const [stratify, setStratify] = useState(true);
  const [limit, setLimit] = useState('');
  const [shuffleOn, setShuffleOn] = useState(false);
  const [shuffleSeed, setShuffleSeed] = useState('1');
  const [chosenFormats, setChosenFormats] = useState<ExportFormat[]>(DEFAULT_FORMATS);
  const [title, setTitle] = useState('Safer-Instruct preference data');
  const [license, setLicense] = useState<(typeof CARD_LICENSES)[number]>('cc-by-nc-4.0');
  const [licenseName, setLicenseName] = useState('');
  const [licenseLink, setLicenseLink] = useState('');
  const [gatedAccess, setGatedAccess] = useState(true);
  const [evaluationId, setEvaluationId] = useState('');
  const [trlPromptTemplate, setTrlPromptTemplate] = useState<TrlPromptTemplate>('none');
  // On by default here (not in the API, whose default keeps texts byte-exact): people open CSV files in spreadsheets.
  const [csvSpreadsheetSafe, setCsvSpreadsheetSafe] = useState(true);
  const [csvBom, setCsvBom] = useState(false);
  const [streamFormat, setStreamFormat] = useState<ExportFormat>('trl-standard');
  const [streamSplit, setStreamSplit] = useState<StreamSplit>('all');
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<{ tone: 'good' | 'bad'; text: string } | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});

  const selection: ExportSelectionInput = useMemo(
    () => ({
      runIds,
      datasetIds,
      topics,
      statuses,
      auditPassedOnly,
      excludeAuditRejected,
      includeHumanEdited,
      dedupInstructions,
      split: splitOn ? { trainRatio: Math.min(100, Math.max(0, Number(trainPercent) || 0)) / 100, seed: splitSeed, stratifyByTopic: stratify } : null,
      limit: limit.trim() === '' ? null : Math.floor(Number(limit)),
      shuffleSeed: shuffleOn ? shuffleSeed : null,
    }),
    [runIds, datasetIds, topics, statuses, auditPassedOnly, excludeAuditRejected, includeHumanEdited, dedupInstructions, splitOn, trainPercent, splitSeed, stratify, limit, shuffleOn, shuffleSeed],
  );
  const debouncedSelection = useDebounced(selection, 300);
  const preview = useQuery({
    queryKey: ['export-preview', debouncedSelection],
    queryFn: async (): Promise<ExportPreview> => {
      const result = await previewExportAction(debouncedSelection);
      if (!result.ok) throw new Error(Object.values(result.fieldErrors ?? {}).flat()[0] ?? result.error);
      return result.data;
    },
    staleTime: 2_000,
    retry: false,
  });

  const formatOptions: FormatOptions = { trlPromptTemplate, csvSpreadsheetSafe, csvBom };
  const streamHref = `/api/exports/stream?request=${encodeURIComponent(JSON.stringify({ selection, format: streamFormat, split: splitOn ? streamSplit : 'all', formatOptions }))}`;
  const usesFormat = (format: ExportFormat): boolean => chosenFormats.includes(format) || streamFormat === format;

  function create() {
    setMessage(null);
    startTransition(async () => {
      const custom = license === 'other' ? { licenseName: licenseName.trim() || null, licenseLink: licenseLink.trim() || null } : {};
      const result = await createExportAction({
        selection,
        formats: chosenFormats,
        formatOptions,
        card: { title, license, ...custom, gatedAccess, language: ['en'], ...(evaluationId ? { evaluationId } : {}) },
      });
      if (result.ok) {
        setFieldErrors({});
        setMessage(
          result.data.status === 'FAILED'
            ? { tone: 'bad', text: `The export failed: ${result.data.error ?? 'unknown error'}` }
            : {
                tone: 'good',
                text: result.data.background ? 'The export is running in the background; it appears below with its progress.' : 'The export is ready below.',
              },
        );
      } else {
        setFieldErrors(result.fieldErrors ?? {});
        setMessage({ tone: 'bad', text: Object.values(result.fieldErrors ?? {}).flat()[0] ?? result.error });
      }
      await queryClient.invalidateQueries({ queryKey: ['exports'] });
    });
  }

  const noSources = options.runs.length === 0 && options.datasets.length === 0;

  return (
    <Card title="New export">
      <div className="grid gap-6 lg:grid-cols-3">
        <Fieldset legend="Sources (none ticked = all)">
          {noSources && <p className="text-sm text-slate-500">No pairs yet: import a preference dataset or run a recipe first.</p>}
          {options.datasets.map((dataset) => (
            <Checkbox
              key={dataset.id}
              label={dataset.name}
              hint={`imported · ${dataset.pairs.toLocaleString('en')} pairs`}
              checked={datasetIds.includes(dataset.id)}
              onChange={(on) => setDatasetIds((list) => toggle(list, dataset.id, on))}
            />
          ))}
          {options.runs.map((run) => (
            <Checkbox
              key={run.id}
              label={run.name}
              hint={
                <>
                  run · {run.pairs.toLocaleString('en')} pairs {run.simulated && <SimulatedBadge />}
                </>
              }
              checked={runIds.includes(run.id)}
              onChange={(on) => setRunIds((list) => toggle(list, run.id, on))}
            />
          ))}
        </Fieldset>

        <div className="space-y-4">
          <Fieldset legend="Topics (none ticked = all)">
            {options.topics.map((topic) => (
              <Checkbox key={topic.topic} label={topic.topic} hint={topic.pairs.toLocaleString('en')} checked={topics.includes(topic.topic)} onChange={(on) => setTopics((list) => toggle(list, topic.topic, on))} />
            ))}
          </Fieldset>
          <Fieldset legend="Status (the human decision overrides the filters)">
            {PAIR_STATUSES.map((status) => (
              <Checkbox key={status} label={STATUS_LABELS[status]} checked={statuses.includes(status)} onChange={(on) => setStatuses((list) => toggle(list, status, on))} />
            ))}
          </Fieldset>
          <Fieldset legend="Audit and review">
            <Checkbox label="Audit-passed pairs only" checked={auditPassedOnly} onChange={setAuditPassedOnly} />
            <Checkbox label="Exclude audit-rejected pairs" checked={excludeAuditRejected || auditPassedOnly} onChange={setExcludeAuditRejected} />
            <Checkbox label="Include human-edited pairs" checked={includeHumanEdited} onChange={setIncludeHumanEdited} />
            <Checkbox label="Remove repeated instructions" hint="(case, spacing and Unicode form ignored)" checked={dedupInstructions} onChange={setDedupInstructions} />
          </Fieldset>
        </div>

        <div className="space-y-4">
          <Fieldset legend="Split, order and size">
            <Checkbox label="Train/test split" checked={splitOn} onChange={setSplitOn} />
            {splitOn && (
              <div className="grid grid-cols-2 gap-2 pl-6">
                <Field label="Train %" htmlFor="export-train">
                  <Input id="export-train" type="number" min={0} max={100} value={trainPercent} onChange={(event) => setTrainPercent(event.target.value)} />
                </Field>
                <Field label="Split seed" htmlFor="export-split-seed" error={fieldErrors['selection.split.seed']?.[0]}>
                  <Input id="export-split-seed" value={splitSeed} onChange={(event) => setSplitSeed(event.target.value)} />
                </Field>
                <div className="col-span-2">
                  <Checkbox label="Stratified by topic (exact proportions)" checked={stratify} onChange={setStratify} />
                </div>
              </div>
            )}
            <Checkbox label="Seeded shuffle" checked={shuffleOn} onChange={setShuffleOn} />
            {shuffleOn && (
              <div className="pl-6">
                <Field label="Shuffle seed" htmlFor="export-shuffle-seed">
                  <Input id="export-shuffle-seed" value={shuffleSeed} onChange={(event) => setShuffleSeed(event.target.value)} />
                </Field>
              </div>
            )}
            <Field label="Row limit" htmlFor="export-limit" hint="Empty for no limit; with a shuffle it is a seeded random sample." error={fieldErrors['selection.limit']?.[0]}>
              <Input id="export-limit" type="number" min={1} value={limit} onChange={(event) => setLimit(event.target.value)} />
            </Field>
          </Fieldset>
        </div>
      </div>

      <div className="mt-6 rounded-md bg-slate-50 p-3 text-sm dark:bg-slate-800/60" aria-live="polite" data-testid="export-preview">
        {preview.isError ? (
          <span className="text-rose-600 dark:text-rose-400">{preview.error.message}</span>
        ) : !preview.data ? (
          <span className="text-slate-500">Counting…</span>
        ) : (
          <>
            <PreviewLine preview={preview.data} />
            <FormatCounts preview={preview.data} formats={formats.filter((format) => chosenFormats.includes(format.id))} />
          </>
        )}
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-2">
        <div className="space-y-3">
          <Fieldset legend="Bundle: formats, dataset card and manifest in one .zip">
            <div className="grid grid-cols-1 gap-1 sm:grid-cols-2">
              {formats.map((format) => (
                <Checkbox key={format.id} label={format.label} checked={chosenFormats.includes(format.id)} onChange={(on) => setChosenFormats((list) => toggle(list, format.id, on))} />
              ))}
            </div>
          </Fieldset>
          {(usesFormat('trl-standard') || usesFormat('csv')) && (
            <Fieldset legend="Format options">
              {usesFormat('trl-standard') && (
                <Field label="TRL standard prompt template" htmlFor="export-trl-template" hint="Chat models: use TRL conversational, which keeps the messages.">
                  <Select id="export-trl-template" value={trlPromptTemplate} onChange={(event) => setTrlPromptTemplate(event.target.value as TrlPromptTemplate)}>
                    {TRL_PROMPT_TEMPLATES.map((template) => (
                      <option key={template} value={template}>
                        {TRL_TEMPLATES[template].label}
                      </option>
                    ))}
                  </Select>
                </Field>
              )}
              {usesFormat('csv') && (
                <>
                  <Checkbox label="CSV safe for spreadsheets" hint="(a ' before cells starting with = + - @, tab or CR)" checked={csvSpreadsheetSafe} onChange={setCsvSpreadsheetSafe} />
                  <Checkbox label="CSV with UTF-8 byte order mark" hint="(for Excel)" checked={csvBom} onChange={setCsvBom} />
                </>
              )}
            </Fieldset>
          )}
          <div className="grid grid-cols-2 gap-2">
            <Field label="Dataset title" htmlFor="export-title" error={fieldErrors['card.title']?.[0]}>
              <Input id="export-title" value={title} onChange={(event) => setTitle(event.target.value)} />
            </Field>
            <Field label="License" htmlFor="export-license">
              <Select id="export-license" value={license} onChange={(event) => setLicense(event.target.value as (typeof CARD_LICENSES)[number])}>
                {CARD_LICENSES.map((id) => (
                  <option key={id}>{id}</option>
                ))}
              </Select>
            </Field>
            {license === 'other' && (
              <>
                <Field label="License id" htmlFor="export-license-name" hint="e.g. my-license-1.0" error={fieldErrors['card.licenseName']?.[0]}>
                  <Input id="export-license-name" value={licenseName} onChange={(event) => setLicenseName(event.target.value)} />
                </Field>
                <Field label="License link" htmlFor="export-license-link" hint="URL of the license text" error={fieldErrors['card.licenseLink']?.[0]}>
                  <Input id="export-license-link" type="url" value={licenseLink} onChange={(event) => setLicenseLink(event.target.value)} />
                </Field>
              </>
            )}
          </div>
          <Checkbox label="Gated access on the Hub" hint="(the card asks for name, affiliation and intended use)" checked={gatedAccess} onChange={setGatedAccess} />
          {evaluations.length > 0 && (
            <Field label="Evaluation results in the card" htmlFor="export-evaluation" hint="a finished evaluation of models trained on this data, added as a section of the card">
              <Select id="export-evaluation" value={evaluationId} onChange={(event) => setEvaluationId(event.target.value)}>
                <option value="">None</option>
                {evaluations.map((evaluation) => (
                  <option key={evaluation.id} value={evaluation.id}>
                    {evaluation.label}
                  </option>
                ))}
              </Select>
            </Field>
          )}
          <Button onClick={create} disabled={pending || chosenFormats.length === 0}>
            {pending ? 'Exporting…' : 'Create bundle'}
          </Button>
          {message && (
            <p role={message.tone === 'bad' ? 'alert' : 'status'} className={`text-sm ${message.tone === 'bad' ? 'text-rose-600 dark:text-rose-400' : 'text-emerald-700 dark:text-emerald-400'}`}>
              {message.text}
            </p>
          )}
        </div>
        <div className="space-y-3">
          <Fieldset legend="Direct download: one file, streamed as it is read">
            <div className="grid grid-cols-2 gap-2">
              <Field label="Format" htmlFor="export-stream-format">
                <Select id="export-stream-format" value={streamFormat} onChange={(event) => setStreamFormat(event.target.value as ExportFormat)}>
                  {formats.map((format) => (
                    <option key={format.id} value={format.id}>
                      {format.label}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Rows" htmlFor="export-stream-split">
                <Select id="export-stream-split" value={splitOn ? streamSplit : 'all'} disabled={!splitOn} onChange={(event) => setStreamSplit(event.target.value as StreamSplit)}>
                  {STREAM_SPLITS.map((split) => (
                    <option key={split} value={split}>
                      {split === 'all' ? 'all rows' : `${split} split`}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>
          </Fieldset>
          <a href={streamHref} download className="inline-flex items-center rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
            Download file
          </a>
          <p className="text-xs text-slate-500">No card or manifest; recorded in the export list and the audit log with its SHA-256.</p>
        </div>
      </div>
    </Card>
  );
}

/** What each chosen format will actually write: pairwise formats leave out pairs that lack a side. */
function FormatCounts({ preview, formats }: { preview: ExportPreview; formats: FormatOption[] }) {
  if (formats.length === 0) return null;
  if (preview.perFormat === null) return <p className="mt-1 text-xs text-slate-500">Rows per format are counted while exporting.</p>;
  const perFormat = preview.perFormat;
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs" aria-label="Rows per format">
      {formats.map((format) => {
        const rows = perFormat[format.id];
        const skipped = (preview.rowsToExport ?? rows) - rows;
        return (
          <li key={format.id}>
            {format.label}: <strong data-testid={`preview-format-${format.id}`}>{rows.toLocaleString('en')}</strong> rows
            {skipped > 0 && <span className="text-slate-500"> ({skipped.toLocaleString('en')} without the sides it needs)</span>}
          </li>
        );
      })}
    </ul>
  );
}

function PreviewLine({ preview }: { preview: ExportPreview }) {
  return (
    <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
      <span>
        <strong data-testid="preview-matching">{preview.matching.toLocaleString('en')}</strong> matching pairs
      </span>
      {preview.rowsToExport !== null ? (
        <span>
          <strong data-testid="preview-rows">{preview.rowsToExport.toLocaleString('en')}</strong> rows selected
          {preview.duplicates ? ` (${preview.duplicates.toLocaleString('en')} repeated instructions removed)` : ''}
        </span>
      ) : (
        <span className="text-slate-500">repeated instructions are counted while exporting</span>
      )}
      {preview.split && (
        <span>
          train {preview.split.train.toLocaleString('en')} / test {preview.split.test.toLocaleString('en')}
          {!preview.split.exact && ' (expected)'}
        </span>
      )}
      {preview.simulated > 0 && (
        <span className="flex items-center gap-1">
          <SimulatedBadge /> {preview.simulated.toLocaleString('en')} simulated
        </span>
      )}
      {preview.background && <Badge tone="info">runs in the background (over 100,000 rows)</Badge>}
    </div>
  );
}
