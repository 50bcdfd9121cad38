'use client';

import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { Bar, BarChart, CartesianGrid, Cell, LabelList, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { Card } from '@/components/ui/card';
import { SimulatedBadge } from '@/components/ui/progress';
import { rateOf, type DashboardData } from '@/lib/review/dashboard-types';
import { formatCount, formatMs, formatPercent, formatUsd } from '@/lib/review/format';
import { fetchJson } from './fetch-json';

const palette = ['#6366f1', '#0ea5e9', '#10b981', '#f59e0b', '#ef4444', '#a855f7'];
const axisTick = { fontSize: 11, fill: '#64748b' };

function Funnel({ data }: { data: DashboardData }) {
  const first = data.funnel[0]?.count ?? 0;
  const rows = data.funnel.map((step) => ({ ...step, share: first ? step.count / first : null, text: `${formatCount(step.count)}${first ? ` · ${formatPercent(step.count / first)}` : ''}` }));
  return (
    <Card title="Funnel">
      <div className="h-56" role="img" aria-label={`Funnel: ${rows.map((row) => `${row.label} ${row.count}`).join(', ')}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} layout="vertical" margin={{ left: 20, right: 90 }}>
            <XAxis type="number" hide />
            <YAxis type="category" dataKey="label" width={150} tick={axisTick} />
            <Tooltip formatter={(value) => formatCount(Number(value))} />
            <Bar dataKey="count" isAnimationActive={false}>
              {rows.map((row, index) => (
                <Cell key={row.key} fill={palette[index % palette.length]} />
              ))}
              <LabelList dataKey="text" position="right" style={{ fontSize: 11, fill: '#64748b' }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="mt-2 w-full text-xs" data-testid="funnel">
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <td className="py-0.5">{row.label}</td>
              <td className="text-right font-mono">{formatCount(row.count)}</td>
              <td className="w-16 text-right text-slate-500">{formatPercent(row.share)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function StagePassRates({ data }: { data: DashboardData }) {
  if (!data.stages.length) return null;
  const rows = data.stages.map((stage) => ({ label: stage.label, rate: rateOf(stage.rate), judged: stage.rate.judged }));
  return (
    <Card title="Pass rate per stage">
      <div className="h-56">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows.map((row) => ({ ...row, percent: row.rate === null ? 0 : Math.round(row.rate * 1000) / 10 }))}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={axisTick} interval={0} />
            <YAxis domain={[0, 100]} unit="%" tick={axisTick} />
            <Tooltip formatter={(value) => `${String(value)}%`} />
            <Bar dataKey="percent" fill="#6366f1" isAnimationActive={false}>
              <LabelList dataKey="percent" position="top" formatter={(value) => `${String(value)}%`} style={{ fontSize: 11, fill: '#64748b' }} />
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </div>
    </Card>
  );
}

function TopicRates({ data }: { data: DashboardData }) {
  if (!data.topics.length) return null;
  const chartRows = data.topics.map((topic) => ({
    topic: topic.topic,
    ...Object.fromEntries(data.rateColumns.map((column) => [column.key, Math.round((rateOf(topic.rates[column.key] ?? { passed: 0, judged: 0 }) ?? 0) * 1000) / 10])),
  }));
  return (
    <Card title="Pass rates per topic" className="lg:col-span-2">
      <div className="h-64">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={chartRows}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="topic" tick={axisTick} />
            <YAxis domain={[0, 100]} unit="%" tick={axisTick} />
            <Tooltip formatter={(value) => `${String(value)}%`} />
            <Legend wrapperStyle={{ fontSize: 11 }} />
            {data.rateColumns.map((column, index) => (
              <Bar key={column.key} dataKey={column.key} name={column.label} fill={palette[index % palette.length]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <div className="mt-2 overflow-x-auto">
        <table className="w-full text-xs" data-testid="topic-rates">
          <thead className="text-slate-500">
            <tr>
              <th className="py-1 text-left">Topic</th>
              <th className="text-right">{data.kind === 'run' ? 'Source texts' : 'Pairs'}</th>
              {data.rateColumns.map((column) => (
                <th key={column.key} className="text-right">
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.topics.map((topic) => (
              <tr key={topic.topic} className="border-t border-slate-100 dark:border-slate-800">
                <td className="py-1">{topic.topic}</td>
                <td className="text-right font-mono">{formatCount(topic.items)}</td>
                {data.rateColumns.map((column) => {
                  const rate = topic.rates[column.key];
                  return (
                    <td key={column.key} className="text-right" title={rate ? `${rate.passed} of ${rate.judged}` : undefined}>
                      {rate ? formatPercent(rateOf(rate)) : '—'}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function DropReasons({ data }: { data: DashboardData }) {
  const top = data.dropReasons[0]?.count ?? 0;
  return (
    <Card title="Drop reasons, most frequent first">
      {data.dropReasons.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing was dropped.</p>
      ) : (
        <ol className="space-y-1.5 text-xs" data-testid="drop-reasons">
          {data.dropReasons.map((reason) => (
            <li key={`${reason.stage}-${reason.kind}-${reason.reason}`}>
              <div className="flex justify-between gap-2">
                <span className="min-w-0 break-words whitespace-pre-wrap">
                  <span className="text-slate-500">
                    {reason.stage.toLowerCase()} · {reason.kind.toLowerCase()}:
                  </span>{' '}
                  {reason.reason}
                </span>
                <span className="font-mono">{formatCount(reason.count)}</span>
              </div>
              <div className="mt-0.5 h-1.5 rounded bg-slate-100 dark:bg-slate-800">
                <div className="h-full rounded bg-rose-400" style={{ width: `${top ? Math.max(2, (reason.count / top) * 100) : 0}%` }} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function Costs({ data }: { data: DashboardData }) {
  if (!data.cost) {
    return (
      <Card title="Tokens and cost">
        <p className="text-sm text-slate-500">Imported pairs cost no model calls.</p>
      </Card>
    );
  }
  const cost = data.cost;
  return (
    <Card title="Tokens and cost">
      <dl className="mb-3 grid grid-cols-3 gap-2 text-sm">
        <div>
          <dt className="text-xs text-slate-500">Cost</dt>
          <dd className="font-mono" data-testid="total-cost">
            {formatUsd(cost.costUsd)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Tokens in / out</dt>
          <dd className="font-mono">
            {formatCount(cost.tokensIn)} / {formatCount(cost.tokensOut)}
          </dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Calls (cache hits, failed)</dt>
          <dd className="font-mono">
            {formatCount(cost.calls)} ({formatCount(cost.cacheHits)}, {formatCount(cost.failedCalls)})
          </dd>
        </div>
      </dl>
      <table className="w-full text-xs">
        <thead className="text-slate-500">
          <tr>
            <th className="py-1 text-left">Stage</th>
            <th className="text-right">Results</th>
            <th className="text-right">Tokens in</th>
            <th className="text-right">Tokens out</th>
            <th className="text-right">Cost</th>
            <th className="text-right">Latency avg / p95</th>
          </tr>
        </thead>
        <tbody>
          {data.stages.map((stage) => (
            <tr key={stage.key} className="border-t border-slate-100 dark:border-slate-800">
              <td className="py-1">{stage.label}</td>
              <td className="text-right font-mono">{formatCount(stage.results)}</td>
              <td className="text-right font-mono">{formatCount(stage.tokensIn)}</td>
              <td className="text-right font-mono">{formatCount(stage.tokensOut)}</td>
              <td className="text-right font-mono">{formatUsd(stage.costUsd)}</td>
              <td className="text-right font-mono">
                {formatMs(stage.avgLatencyMs)} / {formatMs(stage.p95LatencyMs)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function TimelineChart({ data }: { data: DashboardData }) {
  const { timeline } = data;
  return (
    <Card title={data.kind === 'run' ? 'Run timeline (stage results finished per interval)' : 'Review activity (human changes per interval)'} className="lg:col-span-2">
      {timeline.points.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing has happened yet.</p>
      ) : (
        <div className="h-64">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={timeline.points.map((point) => ({ ...point, label: point.t.slice(timeline.bucketSeconds >= 86400 ? 5 : 11, timeline.bucketSeconds >= 86400 ? 10 : 19) }))}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="label" tick={axisTick} minTickGap={24} />
              <YAxis tick={axisTick} allowDecimals={false} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {timeline.series.map((series, index) => (
                <Bar key={series.key} dataKey={series.key} name={series.label} stackId="1" fill={palette[index % palette.length]} isAnimationActive={false} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
      <p className="mt-1 text-xs text-slate-500">One point per {formatMs(timeline.bucketSeconds * 1000)} (UTC).</p>
    </Card>
  );
}

export function DashboardView({ initial }: { initial: DashboardData }) {
  const { data } = useQuery({
    queryKey: ['review-dashboard', initial.kind, initial.id],
    queryFn: () => fetchJson<DashboardData>(`/api/review/dashboard/${initial.kind}/${initial.id}`),
    initialData: initial,
    refetchInterval: (query) => (query.state.data?.live ? 2000 : false),
    staleTime: 2000,
  });
  const filterParam = `${data.kind === 'run' ? 'run' : 'dataset'}=${encodeURIComponent(data.id)}`;
  const d = data.decisions;
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <span className="text-slate-600 dark:text-slate-400">{data.subtitle}</span>
        {data.simulated && <SimulatedBadge />}
        {data.live && <span className="text-xs text-indigo-600 dark:text-indigo-400">live · refreshes every 2 s</span>}
        <Link href={`/review?${filterParam}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
          Review its pairs
        </Link>
        <Link href={`/review/instructions?${filterParam}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
          Its instructions
        </Link>
      </div>
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4 lg:grid-cols-8" data-testid="decision-summary">
        {[
          ['Pairs', d.total],
          ['Kept', d.kept],
          ['Dropped', d.dropped],
          ['Pending', d.pending],
          ['Human decisions', d.humanDecided],
          ['Human-edited', d.humanEdited],
          ['Audit accepted', d.auditAccepted],
          ['Audit rejected', d.auditRejected],
        ].map(([label, value]) => (
          <div key={label} className="rounded-md border border-slate-200 bg-white p-2 dark:border-slate-800 dark:bg-slate-900">
            <dt className="text-xs text-slate-500">{label}</dt>
            <dd className="font-mono">{formatCount(Number(value))}</dd>
          </div>
        ))}
      </dl>
      <div className="grid gap-4 lg:grid-cols-2">
        <Funnel data={data} />
        {data.stages.length ? <StagePassRates data={data} /> : <DropReasons data={data} />}
        <TopicRates data={data} />
        {data.stages.length > 0 && <DropReasons data={data} />}
        <Costs data={data} />
        <TimelineChart data={data} />
      </div>
      <Card title="Facts">
        <dl className="grid gap-x-6 gap-y-1 text-xs sm:grid-cols-2">
          {data.facts.map((fact) => (
            <div key={fact.label} className="flex justify-between gap-2">
              <dt className="text-slate-500">{fact.label}</dt>
              <dd className="text-right break-all">{fact.value}</dd>
            </div>
          ))}
        </dl>
      </Card>
    </div>
  );
}
