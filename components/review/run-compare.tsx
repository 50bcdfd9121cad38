'use client';

import { useState } from 'react';
import { Button, buttonClasses } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Field, Select } from '@/components/ui/field';
import { LENGTH_BUCKETS, LENGTH_FIELDS, shareOf, type CompareResult, type CompareSide, type LengthStats, type Share } from '@/lib/review/compare-types';
import { formatCount, formatPercent } from '@/lib/review/format';
import { fetchJson } from './fetch-json';

function ShareCell({ share }: { share: Share }) {
  return (
    <td className="px-2 py-1 text-right font-mono">
      {formatPercent(shareOf(share))} <span className="text-slate-500">({formatCount(share.count)}/{formatCount(share.of)})</span>
    </td>
  );
}

const formatLength = (value: number | null) => (value === null ? '–' : formatCount(Math.round(value)));

function LengthCell({ stats }: { stats: LengthStats }) {
  return (
    <td className="px-2 py-1 text-right font-mono" title={`histogram (buckets end at ${LENGTH_BUCKETS.join(', ')}): ${stats.histogram.join(' · ')}`}>
      {formatLength(stats.p10)} / {formatLength(stats.p50)} / {formatLength(stats.p90)}
    </td>
  );
}

function Row({ label, testId, children }: { label: string; testId: string; children: React.ReactNode }) {
  return (
    <tr data-testid={testId} className="border-t border-slate-100 dark:border-slate-800">
      <th scope="row" className="px-2 py-1 text-left font-normal text-slate-600 dark:text-slate-400">
        {label}
      </th>
      {children}
    </tr>
  );
}

function topicCount(side: CompareSide, topic: string): number {
  return side.topics.find((row) => row.topic === topic)?.count ?? 0;
}

function CompareTable({ result }: { result: CompareResult }) {
  const sides = [result.run, result.dataset];
  const topics = [...new Set(sides.flatMap((side) => side.topics.map((row) => row.topic)))];
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" data-testid="compare-table">
        <thead>
          <tr>
            <th />
            <th className="px-2 py-1 text-right">Run: {result.run.name}</th>
            <th className="px-2 py-1 text-right">Dataset: {result.dataset.name}</th>
          </tr>
        </thead>
        <tbody>
          <Row label="Pairs (not dropped)" testId="compare-pairs">
            {sides.map((side) => (
              <td key={side.kind} className="px-2 py-1 text-right font-mono">
                {formatCount(side.pairs)}
              </td>
            ))}
          </Row>
          {topics.map((topic) => (
            <Row key={topic} label={`Topic: ${topic}`} testId={`compare-topic-${topic}`}>
              {sides.map((side) => (
                <td key={side.kind} className="px-2 py-1 text-right font-mono">
                  {formatCount(topicCount(side, topic))}
                </td>
              ))}
            </Row>
          ))}
          <Row label="Chosen responses that refuse or redirect" testId="compare-refusals">
            {sides.map((side) => (
              <ShareCell key={side.kind} share={side.refusals} />
            ))}
          </Row>
          {LENGTH_FIELDS.map((field) => (
            <Row key={field} label={`Length of ${field} (p10 / median / p90 characters)`} testId={`compare-length-${field}`}>
              {sides.map((side) => (
                <LengthCell key={side.kind} stats={side.lengths[field]} />
              ))}
            </Row>
          ))}
          <Row label="Instructions that embed the source text" testId="compare-embeds">
            {sides.map((side) => (
              <ShareCell key={side.kind} share={side.embedsSource} />
            ))}
          </Row>
          <Row label="Duplicate instructions" testId="compare-duplicates">
            {sides.map((side) => (
              <ShareCell key={side.kind} share={side.duplicates} />
            ))}
          </Row>
          <Row label="Distinct source texts" testId="compare-sources">
            {sides.map((side) => (
              <td key={side.kind} className="px-2 py-1 text-right font-mono">
                {formatCount(side.distinctSources)}
              </td>
            ))}
          </Row>
        </tbody>
      </table>
      <p className="mt-2 text-sm" data-testid="compare-overlap">
        Source texts on both sides: <span className="font-mono">{formatCount(result.sourceOverlap.shared)}</span> ({formatPercent(result.sourceOverlap.ofRun ? result.sourceOverlap.shared / result.sourceOverlap.ofRun : null)} of the run&apos;s,{' '}
        {formatPercent(result.sourceOverlap.ofDataset ? result.sourceOverlap.shared / result.sourceOverlap.ofDataset : null)} of the dataset&apos;s).
      </p>
    </div>
  );
}

/** Picks an imported preference dataset and shows it next to the run; the same figures download as JSON. */
export function RunCompare({ runId, datasets }: { runId: string; datasets: { id: string; name: string; pairs: number }[] }) {
  const [datasetId, setDatasetId] = useState(datasets[0]?.id ?? '');
  const [result, setResult] = useState<CompareResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const query = new URLSearchParams({ run: runId, dataset: datasetId });

  async function compare() {
    setBusy(true);
    setError(null);
    try {
      setResult(await fetchJson<CompareResult>(`/api/review/compare?${query}`));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title="Compare with a reference dataset">
      {datasets.length === 0 ? (
        <p className="text-sm text-slate-500">Import a preference dataset (for example the authors&apos; released Safer-Instruct CSV) to compare this run with it.</p>
      ) : (
        <div className="space-y-3">
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Reference dataset" htmlFor="compare-dataset">
              <Select
                id="compare-dataset"
                value={datasetId}
                onChange={(event) => {
                  setDatasetId(event.target.value);
                  setResult(null);
                }}
              >
                {datasets.map((dataset) => (
                  <option key={dataset.id} value={dataset.id}>
                    {dataset.name} ({formatCount(dataset.pairs)} pairs)
                  </option>
                ))}
              </Select>
            </Field>
            <Button variant="secondary" onClick={compare} disabled={!datasetId || busy}>
              Compare
            </Button>
            {result && (
              <a className={buttonClasses('secondary')} href={`/api/review/compare?${new URLSearchParams({ run: runId, dataset: datasetId, download: '1' })}`} download>
                Download comparison (JSON)
              </a>
            )}
          </div>
          {error && (
            <p role="alert" className="text-sm text-rose-600 dark:text-rose-400">
              {error}
            </p>
          )}
          {result && <CompareTable result={result} />}
        </div>
      )}
    </Card>
  );
}
