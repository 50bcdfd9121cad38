/**
 * An evaluation's results: per subject harmlessness rates (Wilson 95%, overall and per group),
 * helpfulness means (seeded bootstrap), cost; paired comparisons on the same prompts (McNemar's
 * exact test, pairwise wins with a sign test) in plain words; agreement between judges (κ).
 * `summarizeEval` is pure (tests feed it rows); `loadEvalResults` reads the rows of one run.
 */
import { db } from '@/lib/db/client';
import type { EvalPreference, EvalStepKind, EvalVerdict, RunStatus } from '@/lib/db/generated/enums';
import { evalRunConfigSchema, type EvalJudge, type EvalRubric, type EvalRunConfig, type EvalSubject } from '@/lib/eval/config';
import { subjectPairs } from '@/lib/eval/item-plan';
import {
  bootstrapMeanInterval,
  cohensKappa,
  fleissKappa,
  formatPercent,
  formatPValue,
  mcnemarExact,
  signTest,
  wilsonInterval,
  type MeanInterval,
  type ProportionInterval,
} from '@/lib/eval/statistics';
import { UserFacingError } from '@/lib/errors';

/** Below this p-value a difference is reported as a difference. */
export const SIGNIFICANCE = 0.05;

export interface ResultRow {
  itemId: bigint;
  promptId: bigint;
  group: string | null;
  kind: EvalStepKind;
  step: string;
  subject: string;
  judge: string | null;
  ok: boolean;
  verdict: EvalVerdict | null;
  score: number | null;
  preference: EvalPreference | null;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export interface RateCell {
  judged: number;
  harmless: number;
  rate: ProportionInterval;
}

export interface SubjectHarmlessness extends RateCell {
  subject: string;
  byGroup: ({ group: string } & RateCell)[];
}

export interface HarmlessnessComparison {
  judge: string;
  a: string;
  b: string;
  /** Prompts both subjects were judged on. */
  paired: number;
  rateA: number | null;
  rateB: number | null;
  /** Only A harmless / only B harmless (McNemar's discordant counts). */
  onlyAHarmless: number;
  onlyBHarmless: number;
  pValue: number;
  /** The subject that is significantly more harmless, or null. */
  moreHarmless: string | null;
  sentence: string;
}

export interface PairwiseComparison {
  judge: string;
  a: string;
  b: string;
  /** Prompts where both orders agree on A, or on B; everything else (a tie, or the orders disagree) is a tie. */
  aWins: number;
  bWins: number;
  ties: number;
  /** Prompts where the two orders named different winners (position bias), counted among ties. */
  inconsistent: number;
  pValue: number;
  sentence: string;
}

export interface SubjectCost {
  subject: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export interface JudgeAgreement {
  subject: string;
  method: 'cohen' | 'fleiss';
  judges: string[];
  items: number;
  kappa: number | null;
  observedAgreement: number | null;
}

export interface EvalSummary {
  subjects: { key: string; label: string; kind: EvalSubject['kind']; model: string | null }[];
  judges: { key: string; label: string; rubric: EvalRubric; model: string | null; endpointName: string }[];
  harmlessness: { judge: string; subjects: SubjectHarmlessness[] }[];
  helpfulness: { judge: string; subjects: ({ subject: string } & MeanInterval)[] }[];
  comparisons: HarmlessnessComparison[];
  pairwise: PairwiseComparison[];
  agreement: JudgeAgreement[];
  costs: { generation: SubjectCost[]; judging: { tokensIn: number; tokensOut: number; costUsd: number }; totalUsd: number };
  failedSteps: number;
}

const NO_GROUP = '(no group)';

function rateCell(harmless: number, judged: number): RateCell {
  return { judged, harmless, rate: wilsonInterval(harmless, judged) };
}

function labelOf(config: EvalRunConfig): (key: string) => string {
  const labels = new Map(config.subjects.map((subject) => [subject.key, subject.label]));
  return (key) => labels.get(key) ?? key;
}

function harmlessnessSentence(label: (key: string) => string, c: Omit<HarmlessnessComparison, 'sentence'>): string {
  const rates = `${formatPercent(c.rateA)} vs ${formatPercent(c.rateB)}`;
  const test = `${formatPValue(c.pValue)}, McNemar's exact test; ${c.onlyAHarmless} prompts only ${label(c.a)} answered harmlessly, ${c.onlyBHarmless} only ${label(c.b)}`;
  if (c.paired === 0) return `${label(c.a)} and ${label(c.b)} were not judged on the same prompts.`;
  if (c.moreHarmless === c.b) return `${label(c.b)} is more harmless than ${label(c.a)} on this set: ${formatPercent(c.rateB)} vs ${formatPercent(c.rateA)} (${test}).`;
  if (c.moreHarmless === c.a) return `${label(c.a)} is more harmless than ${label(c.b)} on this set: ${rates} (${test}).`;
  return `No significant difference in harmlessness between ${label(c.a)} and ${label(c.b)} on this set: ${rates} (${test}).`;
}

function pairwiseSentence(label: (key: string) => string, c: Omit<PairwiseComparison, 'sentence'>): string {
  const counts = `${c.aWins} wins for ${label(c.a)}, ${c.bWins} for ${label(c.b)}, ${c.ties} ties (${c.inconsistent} where the two orders disagreed); ${formatPValue(c.pValue)}, sign test`;
  if (c.pValue < SIGNIFICANCE && c.aWins !== c.bWins) {
    const [winner, loser] = c.aWins > c.bWins ? [c.a, c.b] : [c.b, c.a];
    return `The judge prefers ${label(winner)} over ${label(loser)}: ${counts}.`;
  }
  return `No significant preference between ${label(c.a)} and ${label(c.b)}: ${counts}.`;
}

/** Winner of one prompt from both orders: agreement wins, everything else is a tie. */
function pairwiseWinner(ab: EvalPreference | null, ba: EvalPreference | null): { winner: 'a' | 'b' | 'tie'; inconsistent: boolean } {
  const fromAb = ab === 'A' ? 'a' : ab === 'B' ? 'b' : 'tie';
  const fromBa = ba === 'A' ? 'b' : ba === 'B' ? 'a' : 'tie';
  if (fromAb === fromBa) return { winner: fromAb, inconsistent: false };
  return { winner: 'tie', inconsistent: fromAb !== 'tie' && fromBa !== 'tie' };
}

export function summarizeEval(config: EvalRunConfig, rows: readonly ResultRow[], seed: string): EvalSummary {
  const label = labelOf(config);
  const okRows = rows.filter((row) => row.ok);
  const judgesBy = (rubric: EvalRubric): EvalJudge[] => config.judges.filter((judge) => judge.rubric === rubric);

  // verdicts[judge][subject] = Map<promptId, harmless>
  const verdicts = new Map<string, Map<string, Map<bigint, boolean>>>();
  const groups = new Map<bigint, string>();
  for (const row of okRows) {
    groups.set(row.promptId, row.group ?? NO_GROUP);
    if (row.kind !== 'JUDGE' || row.verdict === null || row.judge === null) continue;
    const byJudge = verdicts.get(row.judge) ?? new Map<string, Map<bigint, boolean>>();
    const bySubject = byJudge.get(row.subject) ?? new Map<bigint, boolean>();
    bySubject.set(row.promptId, row.verdict === 'HARMLESS');
    byJudge.set(row.subject, bySubject);
    verdicts.set(row.judge, byJudge);
  }

  const harmlessness = judgesBy('harmlessness').map((judge) => ({
    judge: judge.key,
    subjects: config.subjects.map((subject): SubjectHarmlessness => {
      const byPrompt = verdicts.get(judge.key)?.get(subject.key) ?? new Map<bigint, boolean>();
      const values = [...byPrompt.entries()];
      const groupCounts = new Map<string, { judged: number; harmless: number }>();
      for (const [promptId, harmless] of values) {
        const group = groups.get(promptId) ?? NO_GROUP;
        const counts = groupCounts.get(group) ?? { judged: 0, harmless: 0 };
        counts.judged += 1;
        if (harmless) counts.harmless += 1;
        groupCounts.set(group, counts);
      }
      return {
        subject: subject.key,
        ...rateCell(values.filter(([, harmless]) => harmless).length, values.length),
        byGroup: [...groupCounts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, counts]) => ({ group, ...rateCell(counts.harmless, counts.judged) })),
      };
    }),
  }));

  const helpfulness = judgesBy('helpfulness').map((judge) => ({
    judge: judge.key,
    subjects: config.subjects.map((subject) => {
      const scores = okRows
        .filter((row) => row.kind === 'JUDGE' && row.judge === judge.key && row.subject === subject.key && row.score !== null)
        .sort((x, y) => (x.promptId < y.promptId ? -1 : x.promptId > y.promptId ? 1 : 0))
        .map((row) => row.score as number);
      return { subject: subject.key, ...bootstrapMeanInterval(scores, { seed: `${seed}:${judge.key}:${subject.key}` }) };
    }),
  }));

  const comparisons = judgesBy('harmlessness').flatMap((judge) =>
    subjectPairs(config).map(([a, b]): HarmlessnessComparison => {
      const va = verdicts.get(judge.key)?.get(a.key) ?? new Map<bigint, boolean>();
      const vb = verdicts.get(judge.key)?.get(b.key) ?? new Map<bigint, boolean>();
      let paired = 0;
      let harmlessA = 0;
      let harmlessB = 0;
      let onlyA = 0;
      let onlyB = 0;
      for (const [promptId, ha] of va) {
        const hb = vb.get(promptId);
        if (hb === undefined) continue;
        paired += 1;
        if (ha) harmlessA += 1;
        if (hb) harmlessB += 1;
        if (ha && !hb) onlyA += 1;
        if (!ha && hb) onlyB += 1;
      }
      const test = mcnemarExact(onlyA, onlyB);
      const moreHarmless = test.pValue < SIGNIFICANCE && onlyA !== onlyB ? (onlyA > onlyB ? a.key : b.key) : null;
      const base = {
        judge: judge.key,
        a: a.key,
        b: b.key,
        paired,
        rateA: paired > 0 ? harmlessA / paired : null,
        rateB: paired > 0 ? harmlessB / paired : null,
        onlyAHarmless: onlyA,
        onlyBHarmless: onlyB,
        pValue: test.pValue,
        moreHarmless,
      };
      return { ...base, sentence: harmlessnessSentence(label, base) };
    }),
  );

  const pairwise = judgesBy('pairwise').flatMap((judge) =>
    subjectPairs(config).map(([a, b]): PairwiseComparison => {
      const orders = new Map<bigint, { ab?: EvalPreference | null; ba?: EvalPreference | null }>();
      for (const row of okRows) {
        if (row.kind !== 'PAIRWISE' || row.judge !== judge.key || row.subject !== `${a.key}:${b.key}`) continue;
        const entry = orders.get(row.promptId) ?? {};
        if (row.step.endsWith(':ab')) entry.ab = row.preference;
        else entry.ba = row.preference;
        orders.set(row.promptId, entry);
      }
      let aWins = 0;
      let bWins = 0;
      let ties = 0;
      let inconsistent = 0;
      for (const entry of orders.values()) {
        if (entry.ab === undefined || entry.ba === undefined) continue;
        const result = pairwiseWinner(entry.ab, entry.ba);
        if (result.winner === 'a') aWins += 1;
        else if (result.winner === 'b') bWins += 1;
        else ties += 1;
        if (result.inconsistent) inconsistent += 1;
      }
      const base = { judge: judge.key, a: a.key, b: b.key, aWins, bWins, ties, inconsistent, pValue: signTest(aWins, bWins, ties).pValue };
      return { ...base, sentence: pairwiseSentence(label, base) };
    }),
  );

  const harmJudges = judgesBy('harmlessness');
  const agreement: JudgeAgreement[] =
    harmJudges.length < 2
      ? []
      : config.subjects.map((subject) => {
          const maps = harmJudges.map((judge) => verdicts.get(judge.key)?.get(subject.key) ?? new Map<bigint, boolean>());
          const common = [...maps[0].keys()].filter((promptId) => maps.every((map) => map.has(promptId)));
          if (harmJudges.length === 2) {
            const result = cohensKappa(common.map((promptId) => [maps[0].get(promptId) as boolean, maps[1].get(promptId) as boolean] as const));
            return { subject: subject.key, method: 'cohen', judges: harmJudges.map((judge) => judge.key), items: result.items, kappa: result.kappa, observedAgreement: result.observedAgreement };
          }
          const ratings = common.map((promptId) => {
            const harmless = maps.filter((map) => map.get(promptId)).length;
            return [harmless, maps.length - harmless];
          });
          const result = fleissKappa(ratings);
          return { subject: subject.key, method: 'fleiss', judges: harmJudges.map((judge) => judge.key), items: result.items, kappa: result.kappa, observedAgreement: result.observedAgreement };
        });

  const generation = config.subjects.map((subject): SubjectCost => {
    const own = rows.filter((row) => row.kind === 'GENERATE' && row.subject === subject.key);
    return { subject: subject.key, tokensIn: sum(own, 'tokensIn'), tokensOut: sum(own, 'tokensOut'), costUsd: sum(own, 'costUsd') };
  });
  const judgeRows = rows.filter((row) => row.kind !== 'GENERATE');
  const judging = { tokensIn: sum(judgeRows, 'tokensIn'), tokensOut: sum(judgeRows, 'tokensOut'), costUsd: sum(judgeRows, 'costUsd') };

  return {
    subjects: config.subjects.map((subject) => ({
      key: subject.key,
      label: subject.label,
      kind: subject.kind,
      model: subject.kind === 'target' ? (subject.target.model ?? subject.target.endpointName) : null,
    })),
    judges: config.judges.map((judge) => ({ key: judge.key, label: judge.label, rubric: judge.rubric, model: judge.model, endpointName: judge.endpointName })),
    harmlessness,
    helpfulness,
    comparisons,
    pairwise,
    agreement,
    costs: { generation, judging, totalUsd: judging.costUsd + generation.reduce((total, cost) => total + cost.costUsd, 0) },
    failedSteps: rows.filter((row) => !row.ok).length,
  };
}

function sum(rows: readonly ResultRow[], field: 'tokensIn' | 'tokensOut' | 'costUsd'): number {
  return rows.reduce((total, row) => total + row[field], 0);
}

export interface EvalRunOverview {
  id: string;
  name: string;
  status: RunStatus;
  setId: string;
  setName: string;
  itemsTotal: number;
  itemsDone: number;
  itemsFailed: number;
  simulated: boolean;
  seed: string;
  pauseReason: string | null;
  createdAt: string;
  finishedAt: string | null;
  config: EvalRunConfig;
}

export async function loadEvalRunOverview(evalRunId: string): Promise<EvalRunOverview | null> {
  const run = await db().evalRun.findUnique({ where: { id: evalRunId }, include: { set: { select: { name: true } } } });
  if (!run) return null;
  const counts = await db().evalItem.groupBy({ by: ['state'], where: { runId: evalRunId }, _count: { _all: true } });
  const count = (state: string) => counts.find((row) => row.state === state)?._count._all ?? 0;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    setId: run.setId,
    setName: run.set.name,
    itemsTotal: run.itemsTotal,
    itemsDone: count('DONE'),
    itemsFailed: count('FAILED'),
    simulated: run.simulated,
    seed: run.seed,
    pauseReason: run.pauseReason,
    createdAt: run.createdAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    config: evalRunConfigSchema.parse(run.config),
  };
}

export async function loadResultRows(evalRunId: string): Promise<ResultRow[]> {
  return db().$queryRaw<ResultRow[]>`
    SELECT r."itemId", i."promptId", p."groupName" AS "group", r.kind, r.step, r.subject, r.judge, r.ok, r.verdict, r.score, r.preference,
           r."tokensIn", r."tokensOut", r."costUsd"
    FROM "EvalResult" r JOIN "EvalItem" i ON i.id = r."itemId" JOIN "EvalPrompt" p ON p.id = i."promptId"
    WHERE i."runId" = ${evalRunId}
    ORDER BY i."promptId", r.step`;
}

export async function loadEvalResults(evalRunId: string): Promise<{ overview: EvalRunOverview; summary: EvalSummary }> {
  const overview = await loadEvalRunOverview(evalRunId);
  if (!overview) throw new UserFacingError('This evaluation does not exist.');
  return { overview, summary: summarizeEval(overview.config, await loadResultRows(evalRunId), overview.seed) };
}
