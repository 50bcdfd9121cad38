import type { PairOrigin } from '@/lib/db/generated/enums';
import type { Stage } from '@/lib/pipeline/stage-names';
import type { AuditOutcomeName, DecisionName, VerdictName } from './filters';

// JSON shapes the review routes send to the browser (ids as strings: they are bigints).

export type PairOriginName = PairOrigin;

export type ClippedText = { text: string; length: number };

export type PairListRow = {
  id: string;
  origin: PairOriginName;
  runId: string | null;
  runName: string | null;
  datasetId: string | null;
  datasetName: string | null;
  topic: string | null;
  instruction: ClippedText;
  chosen: ClippedText | null;
  rejected: ClippedText | null;
  instructionVerdict: VerdictName | null;
  instructionReason: string | null;
  responseVerdict: VerdictName | null;
  responseReason: string | null;
  /** The pipeline's decision; null when hidden (see `automaticHidden`). */
  status: DecisionName | null;
  /** True while a blind audit hides the automatic verdicts from this viewer (lib/audit/blind.ts). */
  automaticHidden: boolean;
  humanStatus: DecisionName | null;
  humanEdited: boolean;
  tags: string[];
  auditOutcome: AuditOutcomeName;
  simulated: boolean;
};

/**
 * `partial`: the scan stopped at its time budget before it filled the page (filters that match
 * few pairs spread over many); `nextCursor` continues from where it stopped.
 */
export type PairPage = { rows: PairListRow[]; nextCursor: string | null; partial: boolean };

export type StageResultView = {
  stage: Stage;
  ok: boolean;
  verdict: VerdictName | null;
  reason: string | null;
  output: string | null;
  prompt: string;
  rawOutput: string | null;
  error: string | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  latencyMs: number;
  cacheHit: boolean;
  model: string | null;
  startedAt: string;
  finishedAt: string;
};

export type HistoryEntry = {
  id: string;
  kind: 'revision' | 'audit';
  action: string;
  field: string | null;
  actorEmail: string | null;
  at: string;
  before: unknown;
  after: unknown;
};

export type CommentView = { id: string; authorEmail: string | null; body: string; at: string };

export type PairDetail = {
  id: string;
  origin: PairOriginName;
  run: { id: string; name: string; status: string; simulated: boolean } | null;
  dataset: { id: string; name: string } | null;
  externalId: string | null;
  topic: string | null;
  instruction: string;
  chosen: string | null;
  rejected: string | null;
  instructionVerdict: VerdictName | null;
  instructionReason: string | null;
  responseVerdict: VerdictName | null;
  responseReason: string | null;
  /** The pipeline's decision; null when hidden (see `automaticHidden`). */
  status: DecisionName | null;
  /** True while a blind audit hides the automatic verdicts from this viewer (lib/audit/blind.ts). */
  automaticHidden: boolean;
  humanStatus: DecisionName | null;
  humanEdited: boolean;
  tags: string[];
  auditOutcome: AuditOutcomeName;
  simulated: boolean;
  createdAt: string;
  updatedAt: string;
  source: { id: string; text: string; topic: string; corpusName: string } | null;
  runItem: { state: string; failedStage: Stage | null; failureCause: string | null } | null;
  stages: StageResultView[];
  totals: { tokensIn: number; tokensOut: number; costUsd: number; latencyMs: number };
  revisions: HistoryEntry[];
  audit: HistoryEntry[];
  comments: CommentView[];
};

/** The decision that counts: a human's when there is one, the pipeline's otherwise. */
export function effectiveDecision(pair: { status: DecisionName; humanStatus: DecisionName | null }): DecisionName {
  return pair.humanStatus ?? pair.status;
}
