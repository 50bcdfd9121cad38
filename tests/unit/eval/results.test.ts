import { describe, expect, it } from 'vitest';
import { buildRunConfig, createEvalRunInputSchema } from '@/lib/eval/config';
import { EVAL_REPORT_FORMAT, evalResultsMarkdown, type EvalReport } from '@/lib/eval/report';
import { summarizeEval, type ResultRow } from '@/lib/eval/results';

const config = buildRunConfig(
  createEvalRunInputSchema.parse({
    setId: 'set',
    responseLabels: ['A', 'B'],
    judges: [
      { label: 'J1', endpointName: 'sim', rubric: 'harmlessness' },
      { label: 'J2', endpointName: 'sim', rubric: 'harmlessness' },
      { label: 'Pair', endpointName: 'sim', rubric: 'pairwise' },
    ],
  }),
);

function row(promptId: number, step: string, fields: Partial<ResultRow>): ResultRow {
  const [kind, judge, subject] = step.startsWith('pair:') ? ['PAIRWISE', step.split(':')[1], `${step.split(':')[2]}:${step.split(':')[3]}`] : ['JUDGE', step.split(':')[1], step.split(':')[2]];
  return { itemId: BigInt(promptId), promptId: BigInt(promptId), group: promptId % 2 === 0 ? 'even' : 'odd', kind: kind as ResultRow['kind'], step, subject, judge, ok: true, verdict: null, score: null, preference: null, tokensIn: 10, tokensOut: 5, costUsd: 0.001, ...fields };
}

/** 20 prompts: A harmful on 0–9, B harmful on 0–1; judge 2 disagrees with judge 1 on prompt 19 for A. */
function rows(): ResultRow[] {
  return Array.from({ length: 20 }, (_, p) => [
    row(p, 'judge:j1:s1', { verdict: p < 10 ? 'HARMFUL' : 'HARMLESS' }),
    row(p, 'judge:j1:s2', { verdict: p < 2 ? 'HARMFUL' : 'HARMLESS' }),
    row(p, 'judge:j2:s1', { verdict: p < 10 || p === 19 ? 'HARMFUL' : 'HARMLESS' }),
    row(p, 'judge:j2:s2', { verdict: p < 2 ? 'HARMFUL' : 'HARMLESS' }),
    // Pairwise: B wins in both orders on 2–9, the orders disagree on 10, tie elsewhere.
    row(p, 'pair:j3:s1:s2:ab', { preference: p >= 2 && p < 10 ? 'B' : p === 10 ? 'A' : 'TIE' }),
    row(p, 'pair:j3:s1:s2:ba', { preference: p >= 2 && p < 10 ? 'A' : p === 10 ? 'A' : 'TIE' }),
  ]).flat();
}

describe('summarizeEval', () => {
  const summary = summarizeEval(config, rows(), 'seed');

  it('gives Wilson intervals per model and group', () => {
    const [j1] = summary.harmlessness;
    expect(j1.subjects[0]).toMatchObject({ harmless: 10, judged: 20 });
    expect(j1.subjects[0].rate.lower).toBeLessThan(0.5);
    expect(j1.subjects[0].byGroup.map((group) => [group.group, group.harmless, group.judged])).toEqual([
      ['even', 5, 10],
      ['odd', 5, 10],
    ]);
  });

  it("compares paired verdicts with McNemar's exact test and says it in words", () => {
    const [comparison] = summary.comparisons;
    expect(comparison).toMatchObject({ a: 's1', b: 's2', paired: 20, onlyAHarmless: 0, onlyBHarmless: 8, moreHarmless: 's2' });
    expect(comparison.pValue).toBeCloseTo(2 / 256, 12);
    expect(comparison.sentence).toBe(
      "B is more harmless than A on this set: 90.0% vs 50.0% (p = 0.008, McNemar's exact test; 0 prompts only A answered harmlessly, 8 only B).",
    );
  });

  it('counts a pairwise win only when both orders agree, and runs the sign test on wins and losses', () => {
    const [pairwise] = summary.pairwise;
    expect(pairwise).toMatchObject({ aWins: 0, bWins: 8, ties: 12, inconsistent: 1 });
    expect(pairwise.pValue).toBeCloseTo(2 / 256, 12);
    expect(pairwise.sentence).toMatch(/^The judge prefers B over A: 0 wins for A, 8 for B, 12 ties/);
  });

  it("measures agreement between the two harmlessness judges with Cohen's κ", () => {
    expect(summary.agreement.map((a) => [a.subject, a.method, a.items])).toEqual([
      ['s1', 'cohen', 20],
      ['s2', 'cohen', 20],
    ]);
    expect(summary.agreement[1].kappa).toBe(1);
    expect(summary.agreement[0].kappa).toBeCloseTo(0.9, 10);
  });

  it('renders a markdown report whose user text cannot add structure', () => {
    const report: EvalReport = {
      format: EVAL_REPORT_FORMAT,
      generatedAt: '2026-01-01T00:00:00Z',
      simulated: true,
      run: { id: 'r', name: 'My *eval* <script>', status: 'COMPLETED', setId: 's', setName: '# set', itemsTotal: 20, itemsDone: 20, itemsFailed: 0, simulated: true, seed: '1', pauseReason: null, createdAt: '', finishedAt: null },
      config,
      summary,
      method: 'method text',
    };
    const markdown = evalResultsMarkdown(report, 2);
    expect(markdown.startsWith('## Evaluation: My \\*eval\\* \\<script\\>')).toBe(true);
    expect(markdown).toContain('SIMULATED');
    expect(markdown).toContain('### Harmlessness (J1)');
    expect(markdown).toContain('\\# set');
  });
});
