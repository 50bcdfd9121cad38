import { verdictsHiddenFrom, type Viewer } from '@/lib/audit/blind';
import { db } from '@/lib/db/client';
import { stageIds, type Stage } from '@/lib/pipeline/stage-names';
import type { HistoryEntry, PairDetail, StageResultView } from './types';

const HISTORY_LIMIT = 200;

/** Stages whose output is a judge's verdict. */
const judgeStages: ReadonlySet<Stage> = new Set<Stage>(['FILTER_INSTRUCTION', 'FILTER_RESPONSE']);

/**
 * What `viewer` may see about one pair, or null when it does not exist. Under a blind audit the
 * viewer still has to answer, everything automatic is left out: verdicts, reasons, the pipeline's
 * decision, the judge stages, the run item's state and the decision history.
 */
export async function getPairDetail(pairId: bigint, viewer: Viewer): Promise<PairDetail | null> {
  const detail = await readPairDetail(pairId);
  if (!detail || !(await verdictsHiddenFrom(viewer, pairId))) return detail;
  return {
    ...detail,
    automaticHidden: true,
    instructionVerdict: null,
    instructionReason: null,
    responseVerdict: null,
    responseReason: null,
    status: null,
    runItem: null,
    stages: detail.stages.filter((stage) => !judgeStages.has(stage.stage)),
    audit: [],
  };
}

async function readPairDetail(pairId: bigint): Promise<PairDetail | null> {
  const pair = await db().pair.findUnique({
    where: { id: pairId },
    include: {
      run: { select: { id: true, name: true, status: true, simulated: true } },
      dataset: { select: { id: true, name: true } },
      runItem: { select: { state: true, failedStage: true, failureCause: true, sourceTextId: true, results: true } },
    },
  });
  if (!pair) return null;

  const sourceTextId = pair.runItem?.sourceTextId ?? pair.sourceTextId;
  const [source, revisions, auditEntries, comments] = await Promise.all([
    sourceTextId === null
      ? null
      : db().sourceText.findUnique({ where: { id: sourceTextId }, select: { id: true, text: true, topic: true, corpus: { select: { name: true } } } }),
    db().pairRevision.findMany({ where: { pairId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: HISTORY_LIMIT }),
    db().auditLog.findMany({ where: { targetType: 'Pair', targetId: pairId.toString() }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: HISTORY_LIMIT }),
    db().pairComment.findMany({ where: { pairId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: HISTORY_LIMIT }),
  ]);

  const stages: StageResultView[] = (pair.runItem?.results ?? [])
    .map((result) => ({
      stage: result.stage as Stage,
      ok: result.ok,
      verdict: result.verdict,
      reason: result.reason,
      output: result.output,
      prompt: result.prompt,
      rawOutput: result.rawOutput,
      error: result.error,
      tokensIn: result.tokensIn,
      tokensOut: result.tokensOut,
      costUsd: result.costUsd,
      latencyMs: result.latencyMs,
      cacheHit: result.cacheHit,
      model: result.model,
      startedAt: result.startedAt.toISOString(),
      finishedAt: result.finishedAt.toISOString(),
    }))
    .sort((a, b) => stageIds.indexOf(a.stage) - stageIds.indexOf(b.stage));

  const totals = stages.reduce(
    (sum, stage) => ({
      tokensIn: sum.tokensIn + stage.tokensIn,
      tokensOut: sum.tokensOut + stage.tokensOut,
      costUsd: sum.costUsd + stage.costUsd,
      latencyMs: sum.latencyMs + stage.latencyMs,
    }),
    { tokensIn: 0, tokensOut: 0, costUsd: 0, latencyMs: 0 },
  );

  return {
    id: pair.id.toString(),
    origin: pair.origin,
    run: pair.run,
    dataset: pair.dataset,
    externalId: pair.externalId,
    topic: pair.topic,
    instruction: pair.instruction,
    chosen: pair.chosen,
    rejected: pair.rejected,
    instructionVerdict: pair.instructionVerdict,
    instructionReason: pair.instructionReason,
    responseVerdict: pair.responseVerdict,
    responseReason: pair.responseReason,
    status: pair.status,
    automaticHidden: false,
    humanStatus: pair.humanStatus,
    humanEdited: pair.humanEdited,
    tags: pair.tags,
    auditOutcome: pair.auditOutcome,
    simulated: pair.simulated,
    createdAt: pair.createdAt.toISOString(),
    updatedAt: pair.updatedAt.toISOString(),
    source: source && { id: source.id.toString(), text: source.text, topic: source.topic, corpusName: source.corpus.name },
    runItem: pair.runItem && { state: pair.runItem.state, failedStage: pair.runItem.failedStage, failureCause: pair.runItem.failureCause },
    stages,
    totals,
    revisions: revisions.map(
      (revision): HistoryEntry => ({
        id: `r${revision.id}`,
        kind: 'revision',
        action: `edit ${revision.field}`,
        field: revision.field,
        actorEmail: revision.actorEmail,
        at: revision.createdAt.toISOString(),
        before: revision.before,
        after: revision.after,
      }),
    ),
    audit: auditEntries.map(
      (entry): HistoryEntry => ({
        id: `a${entry.id}`,
        kind: 'audit',
        action: entry.action,
        field: null,
        actorEmail: entry.actorEmail,
        at: entry.createdAt.toISOString(),
        before: entry.before,
        after: entry.after,
      }),
    ),
    comments: comments.map((comment) => ({ id: comment.id.toString(), authorEmail: comment.authorEmail, body: comment.body, at: comment.createdAt.toISOString() })),
  };
}
