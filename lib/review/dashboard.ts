import { db, Prisma } from '@/lib/db/client';
import { stageIds, stageLabels, type Stage } from '@/lib/pipeline/stage-names';
import {
  timelineBucketSeconds,
  type CostSummary,
  type DashboardData,
  type DecisionSummary,
  type DropReason,
  type Rate,
  type StageRow,
  type Timeline,
  type TopicRow,
} from './dashboard-types';

const DROP_REASON_LIMIT = 15;
const TOPIC_LIMIT = 100;

/** Filter stages pass on a PASS verdict, generation stages on producing output. */
const stagePasses: Record<Stage, 'verdict' | 'ok'> = {
  INDUCE: 'ok',
  FILTER_INSTRUCTION: 'verdict',
  GENERATE_RESPONSE: 'ok',
  FILTER_RESPONSE: 'verdict',
};

const funnelAfterStage: Record<Stage, string> = {
  INDUCE: 'Instructions induced',
  FILTER_INSTRUCTION: 'Instructions kept',
  GENERATE_RESPONSE: 'Responses written',
  FILTER_RESPONSE: 'Pairs kept',
};

type StageAggregate = {
  stage: Stage;
  results: number;
  ok: number;
  pass: number;
  errors: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  cacheHits: number;
};

function passedOf(row: { stage: Stage; ok: number; pass: number }): number {
  return stagePasses[row.stage] === 'ok' ? row.ok : row.pass;
}

const scopeColumn = { runId: Prisma.raw('"runId"'), datasetId: Prisma.raw('"datasetId"') } as const;

async function decisionSummary(scope: keyof typeof scopeColumn, id: string): Promise<DecisionSummary> {
  const [row] = await db().$queryRaw<DecisionSummary[]>`
    SELECT count(*)::int AS "total",
      count(*) FILTER (WHERE coalesce("humanStatus", "status") = 'KEPT')::int AS "kept",
      count(*) FILTER (WHERE coalesce("humanStatus", "status") = 'DROPPED')::int AS "dropped",
      count(*) FILTER (WHERE coalesce("humanStatus", "status") = 'PENDING')::int AS "pending",
      count(*) FILTER (WHERE "humanStatus" IS NOT NULL)::int AS "humanDecided",
      count(*) FILTER (WHERE "humanEdited")::int AS "humanEdited",
      count(*) FILTER (WHERE "auditOutcome" = 'ACCEPTED')::int AS "auditAccepted",
      count(*) FILTER (WHERE "auditOutcome" = 'REJECTED')::int AS "auditRejected"
    FROM "Pair" WHERE ${scopeColumn[scope]} = ${id}`;
  return row;
}

async function costOfRun(runId: string): Promise<CostSummary> {
  const byPurpose = await db().$queryRaw<{ purpose: string; calls: number; cacheHits: number; failedCalls: number; tokensIn: number; tokensOut: number; costUsd: number }[]>`
    SELECT coalesce("purpose", 'other') AS "purpose", count(*)::int AS "calls",
      count(*) FILTER (WHERE "cacheHit")::int AS "cacheHits", count(*) FILTER (WHERE "errorKind" IS NOT NULL)::int AS "failedCalls",
      coalesce(sum("tokensIn"), 0)::float8 AS "tokensIn", coalesce(sum("tokensOut"), 0)::float8 AS "tokensOut", coalesce(sum("costUsd"), 0)::float8 AS "costUsd"
    FROM "LlmCall" WHERE "runId" = ${runId} GROUP BY 1 ORDER BY "costUsd" DESC, "calls" DESC`;
  const sum = (key: 'calls' | 'cacheHits' | 'failedCalls' | 'tokensIn' | 'tokensOut' | 'costUsd') => byPurpose.reduce((total, row) => total + row[key], 0);
  return {
    calls: sum('calls'),
    cacheHits: sum('cacheHits'),
    failedCalls: sum('failedCalls'),
    tokensIn: sum('tokensIn'),
    tokensOut: sum('tokensOut'),
    costUsd: sum('costUsd'),
    byPurpose: byPurpose.map(({ purpose, calls, tokensIn, tokensOut, costUsd }) => ({ purpose, calls, tokensIn, tokensOut, costUsd })),
  };
}

async function runTimeline(runId: string): Promise<Timeline> {
  const [span] = await db().$queryRaw<{ first: Date | null; last: Date | null }[]>`
    SELECT min(sr."finishedAt") AS "first", max(sr."finishedAt") AS "last"
    FROM "StageResult" sr JOIN "RunItem" ri ON ri."id" = sr."runItemId" WHERE ri."runId" = ${runId}`;
  const series = stageIds.map((stage) => ({ key: stage, label: stageLabels[stage] }));
  if (!span?.first || !span.last) return { bucketSeconds: 60, series, points: [] };
  const bucketSeconds = timelineBucketSeconds(span.last.getTime() - span.first.getTime());
  const rows = await db().$queryRaw<{ bucket: number; stage: Stage; count: number; costUsd: number }[]>`
    SELECT (floor(extract(epoch FROM sr."finishedAt") / ${bucketSeconds}) * ${bucketSeconds})::float8 AS "bucket",
      sr."stage"::text AS "stage", count(*)::int AS "count", coalesce(sum(sr."costUsd"), 0)::float8 AS "costUsd"
    FROM "StageResult" sr JOIN "RunItem" ri ON ri."id" = sr."runItemId" WHERE ri."runId" = ${runId}
    GROUP BY 1, 2 ORDER BY 1`;
  return { bucketSeconds, series, points: fillBuckets(rows.map((row) => ({ bucket: row.bucket, key: row.stage, count: row.count })), bucketSeconds, series) };
}

/** One point per bucket from first to last, zeros included, so gaps show as gaps. */
function fillBuckets(rows: { bucket: number; key: string; count: number }[], bucketSeconds: number, series: { key: string }[]): Timeline['points'] {
  if (!rows.length) return [];
  const first = Math.min(...rows.map((row) => row.bucket));
  const last = Math.max(...rows.map((row) => row.bucket));
  const points = new Map<number, Timeline['points'][number]>();
  for (let t = first; t <= last; t += bucketSeconds) {
    const point: Timeline['points'][number] = { t: new Date(t * 1000).toISOString() };
    for (const { key } of series) point[key] = 0;
    points.set(t, point);
  }
  for (const row of rows) {
    const point = points.get(row.bucket);
    if (point) point[row.key] = Number(point[row.key] ?? 0) + row.count;
  }
  return [...points.values()];
}

/** Funnel, pass rates per stage and topic, drop reasons, tokens and cost, timeline of one run. */
export async function runDashboard(runId: string): Promise<DashboardData | null> {
  const run = await db().run.findUnique({
    where: { id: runId },
    include: { recipeVersion: { select: { version: true, recipe: { select: { name: true } } } } },
  });
  if (!run) return null;

  const [itemCount, stageRows, topicStageRows, topicItems, dropReasons, cost, timeline, decisions] = await Promise.all([
    db().runItem.count({ where: { runId } }),
    db().$queryRaw<StageAggregate[]>`
      SELECT sr."stage"::text AS "stage", count(*)::int AS "results", count(*) FILTER (WHERE sr."ok")::int AS "ok",
        count(*) FILTER (WHERE sr."verdict" = 'PASS')::int AS "pass", count(*) FILTER (WHERE NOT sr."ok")::int AS "errors",
        coalesce(sum(sr."tokensIn"), 0)::float8 AS "tokensIn", coalesce(sum(sr."tokensOut"), 0)::float8 AS "tokensOut",
        coalesce(sum(sr."costUsd"), 0)::float8 AS "costUsd", avg(sr."latencyMs")::float8 AS "avgLatencyMs",
        percentile_cont(0.95) WITHIN GROUP (ORDER BY sr."latencyMs")::float8 AS "p95LatencyMs",
        count(*) FILTER (WHERE sr."cacheHit")::int AS "cacheHits"
      FROM "StageResult" sr JOIN "RunItem" ri ON ri."id" = sr."runItemId"
      WHERE ri."runId" = ${runId} GROUP BY sr."stage"`,
    db().$queryRaw<{ topic: string; stage: Stage; results: number; ok: number; pass: number }[]>`
      SELECT coalesce(st."topic", '(unknown)') AS "topic", sr."stage"::text AS "stage", count(*)::int AS "results",
        count(*) FILTER (WHERE sr."ok")::int AS "ok", count(*) FILTER (WHERE sr."verdict" = 'PASS')::int AS "pass"
      FROM "StageResult" sr JOIN "RunItem" ri ON ri."id" = sr."runItemId" LEFT JOIN "SourceText" st ON st."id" = ri."sourceTextId"
      WHERE ri."runId" = ${runId} GROUP BY 1, 2`,
    db().$queryRaw<{ topic: string; items: number; kept: number }[]>`
      SELECT coalesce(st."topic", '(unknown)') AS "topic", count(*)::int AS "items", count(*) FILTER (WHERE ri."state" = 'PAIR_KEPT')::int AS "kept"
      FROM "RunItem" ri LEFT JOIN "SourceText" st ON st."id" = ri."sourceTextId"
      WHERE ri."runId" = ${runId} GROUP BY 1 ORDER BY "items" DESC LIMIT ${TOPIC_LIMIT}`,
    db().$queryRaw<DropReason[]>`
      SELECT sr."stage"::text AS "stage", CASE WHEN NOT sr."ok" THEN 'ERROR' ELSE sr."verdict"::text END AS "kind",
        coalesce(nullif(left(btrim(CASE WHEN NOT sr."ok" THEN sr."error" ELSE sr."reason" END), 200), ''), '(no reason given)') AS "reason",
        count(*)::int AS "count"
      FROM "StageResult" sr JOIN "RunItem" ri ON ri."id" = sr."runItemId"
      WHERE ri."runId" = ${runId} AND (NOT sr."ok" OR sr."verdict" IN ('FAIL', 'UNPARSEABLE'))
      GROUP BY 1, 2, 3 ORDER BY "count" DESC, 3 LIMIT ${DROP_REASON_LIMIT}`,
    costOfRun(runId),
    runTimeline(runId),
    decisionSummary('runId', runId),
  ]);

  const byStage = new Map(stageRows.map((row) => [row.stage, row]));
  const stages: StageRow[] = stageIds.map((stage) => {
    const row = byStage.get(stage);
    return {
      key: stage,
      label: stageLabels[stage],
      results: row?.results ?? 0,
      rate: { passed: row ? passedOf(row) : 0, judged: row?.results ?? 0 },
      errors: row?.errors ?? 0,
      tokensIn: row?.tokensIn ?? 0,
      tokensOut: row?.tokensOut ?? 0,
      costUsd: row?.costUsd ?? 0,
      avgLatencyMs: row?.avgLatencyMs ?? null,
      p95LatencyMs: row?.p95LatencyMs ?? null,
      cacheHits: row?.cacheHits ?? 0,
    };
  });

  const topicRates = new Map<string, Record<string, Rate>>();
  for (const row of topicStageRows) {
    const rates = topicRates.get(row.topic) ?? {};
    rates[row.stage] = { passed: passedOf(row), judged: row.results };
    topicRates.set(row.topic, rates);
  }
  const topics: TopicRow[] = topicItems.map((row) => ({
    topic: row.topic,
    items: row.items,
    rates: { ...topicRates.get(row.topic), OVERALL: { passed: row.kept, judged: row.items } },
  }));

  return {
    kind: 'run',
    id: run.id,
    title: run.name,
    subtitle: `Run · ${run.recipeVersion.recipe.name} v${run.recipeVersion.version} · ${run.status.toLowerCase()}`,
    simulated: run.simulated,
    live: run.status === 'RUNNING' || run.status === 'QUEUED',
    facts: [
      { label: 'Created', value: run.createdAt.toISOString() },
      { label: 'Started', value: run.startedAt?.toISOString() ?? '—' },
      { label: 'Finished', value: run.finishedAt?.toISOString() ?? '—' },
      { label: 'Budget', value: run.budgetUsd === null ? 'none' : `$${run.budgetUsd.toFixed(2)}` },
      ...(run.pauseReason ? [{ label: 'Paused because', value: run.pauseReason }] : []),
    ],
    funnel: [
      { key: 'SOURCES', label: 'Source texts', count: Math.max(itemCount, run.itemsTotal) },
      ...stages.map((stage) => ({ key: stage.key, label: funnelAfterStage[stage.key as Stage], count: stage.rate.passed })),
    ],
    stages,
    rateColumns: [...stageIds.map((stage) => ({ key: stage, label: stageLabels[stage] })), { key: 'OVERALL', label: 'Kept overall' }],
    topics,
    dropReasons,
    cost,
    timeline,
    decisions,
  };
}

/** The same view of an imported preference dataset: import funnel, completeness, review and audit. */
export async function datasetDashboard(datasetId: string): Promise<DashboardData | null> {
  const dataset = await db().preferenceDataset.findUnique({ where: { id: datasetId }, include: { imports: { orderBy: { createdAt: 'asc' } } } });
  if (!dataset) return null;

  const [topicRows, rowErrors, revisionRows, decisions] = await Promise.all([
    db().$queryRaw<{ topic: string; pairs: number; complete: number; notDropped: number; accepted: number; audited: number; missingRejected: number; missingChosen: number }[]>`
      SELECT coalesce("topic", '(none)') AS "topic", count(*)::int AS "pairs",
        count(*) FILTER (WHERE coalesce("chosen", '') <> '' AND coalesce("rejected", '') <> '')::int AS "complete",
        count(*) FILTER (WHERE coalesce("humanStatus", "status") <> 'DROPPED')::int AS "notDropped",
        count(*) FILTER (WHERE "auditOutcome" = 'ACCEPTED')::int AS "accepted",
        count(*) FILTER (WHERE "auditOutcome" <> 'NONE')::int AS "audited",
        count(*) FILTER (WHERE coalesce("rejected", '') = '')::int AS "missingRejected",
        count(*) FILTER (WHERE coalesce("chosen", '') = '')::int AS "missingChosen"
      FROM "Pair" WHERE "datasetId" = ${datasetId} GROUP BY 1 ORDER BY "pairs" DESC LIMIT ${TOPIC_LIMIT}`,
    db().$queryRaw<{ reason: string; count: number }[]>`
      SELECT left(e."reason", 200) AS "reason", count(*)::int AS "count"
      FROM "ImportRowError" e JOIN "Import" i ON i."id" = e."importId" WHERE i."datasetId" = ${datasetId}
      GROUP BY 1 ORDER BY 2 DESC LIMIT ${DROP_REASON_LIMIT}`,
    db().$queryRaw<{ first: Date | null; last: Date | null }[]>`
      SELECT min(r."createdAt") AS "first", max(r."createdAt") AS "last" FROM "PairRevision" r JOIN "Pair" p ON p."id" = r."pairId" WHERE p."datasetId" = ${datasetId}`,
    decisionSummary('datasetId', datasetId),
  ]);

  const sum = (key: 'pairs' | 'complete' | 'notDropped' | 'missingRejected' | 'missingChosen') => topicRows.reduce((total, row) => total + row[key], 0);
  const rowsRead = dataset.imports.reduce((total, item) => total + item.rowsRead, 0);
  const duplicates = dataset.imports.reduce((total, item) => total + item.duplicates, 0);

  const dropReasons: DropReason[] = [
    { stage: 'import', kind: 'DUPLICATE', reason: 'duplicate row skipped', count: duplicates },
    ...rowErrors.map((row) => ({ stage: 'import', kind: 'ERROR', reason: row.reason, count: row.count })),
    { stage: 'data', kind: 'MISSING', reason: 'rejected text is empty', count: sum('missingRejected') },
    { stage: 'data', kind: 'MISSING', reason: 'chosen response is empty', count: sum('missingChosen') },
    { stage: 'review', kind: 'DROPPED', reason: 'dropped by a reviewer', count: decisions.dropped },
    { stage: 'audit', kind: 'REJECTED', reason: 'rejected in a spot-check audit', count: decisions.auditRejected },
  ]
    .filter((reason) => reason.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, DROP_REASON_LIMIT);

  const timeline = await datasetTimeline(datasetId, revisionRows[0]?.first ?? null, revisionRows[0]?.last ?? null);

  return {
    kind: 'dataset',
    id: dataset.id,
    title: dataset.name,
    subtitle: `Imported preference dataset · ${dataset.imports.length} import${dataset.imports.length === 1 ? '' : 's'}`,
    simulated: false,
    live: dataset.imports.some((item) => item.status === 'RUNNING' || item.status === 'PENDING'),
    facts: [
      { label: 'Created', value: dataset.createdAt.toISOString() },
      ...dataset.imports.map((item) => ({ label: `Import ${item.fileName}`, value: `${item.status.toLowerCase()} · ${item.rowsInserted.toLocaleString('en')} rows · ${item.errorCount} errors` })),
    ],
    funnel: [
      { key: 'ROWS', label: 'Rows read', count: Math.max(rowsRead, sum('pairs')) },
      { key: 'IMPORTED', label: 'Pairs imported', count: sum('pairs') },
      { key: 'COMPLETE', label: 'Complete triples', count: sum('complete') },
      { key: 'KEPT', label: 'Not dropped', count: sum('notDropped') },
    ],
    stages: [],
    rateColumns: [
      { key: 'COMPLETE', label: 'Complete' },
      { key: 'KEPT', label: 'Not dropped' },
      { key: 'AUDIT', label: 'Audit accepted' },
    ],
    topics: topicRows.map((row) => ({
      topic: row.topic,
      items: row.pairs,
      rates: {
        COMPLETE: { passed: row.complete, judged: row.pairs },
        KEPT: { passed: row.notDropped, judged: row.pairs },
        AUDIT: { passed: row.accepted, judged: row.audited },
      },
    })),
    dropReasons,
    cost: null,
    timeline,
    decisions,
  };
}

async function datasetTimeline(datasetId: string, first: Date | null, last: Date | null): Promise<Timeline> {
  const series = [{ key: 'REVISIONS', label: 'Human changes' }];
  if (!first || !last) return { bucketSeconds: 86400, series, points: [] };
  const bucketSeconds = timelineBucketSeconds(last.getTime() - first.getTime());
  const rows = await db().$queryRaw<{ bucket: number; count: number }[]>`
    SELECT (floor(extract(epoch FROM r."createdAt") / ${bucketSeconds}) * ${bucketSeconds})::float8 AS "bucket", count(*)::int AS "count"
    FROM "PairRevision" r JOIN "Pair" p ON p."id" = r."pairId" WHERE p."datasetId" = ${datasetId} GROUP BY 1 ORDER BY 1`;
  return { bucketSeconds, series, points: fillBuckets(rows.map((row) => ({ bucket: row.bucket, key: 'REVISIONS', count: row.count })), bucketSeconds, series) };
}

export type ReviewSource = { kind: 'run' | 'dataset'; id: string; name: string; detail: string; pairs: number; simulated: boolean; createdAt: string };

/** Runs and datasets that have something to review, newest first, with their pair counts. */
export async function listReviewSources(limit = 100): Promise<ReviewSource[]> {
  const [runs, datasets] = await Promise.all([
    db().run.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true, name: true, status: true, itemsTotal: true, simulated: true, createdAt: true, _count: { select: { pairs: true } } } }),
    db().preferenceDataset.findMany({ orderBy: { createdAt: 'desc' }, take: limit, select: { id: true, name: true, createdAt: true, _count: { select: { pairs: true } } } }),
  ]);
  return [
    ...runs.map((run) => ({
      kind: 'run' as const,
      id: run.id,
      name: run.name,
      detail: `${run.status.toLowerCase()} · ${run.itemsTotal.toLocaleString('en')} source texts`,
      pairs: run._count.pairs,
      simulated: run.simulated,
      createdAt: run.createdAt.toISOString(),
    })),
    ...datasets.map((dataset) => ({
      kind: 'dataset' as const,
      id: dataset.id,
      name: dataset.name,
      detail: 'imported preference dataset',
      pairs: dataset._count.pairs,
      simulated: false,
      createdAt: dataset.createdAt.toISOString(),
    })),
  ].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
