import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db, disconnectDb } from '@/lib/db/client';
import { createAudit, setAuditStatus } from '@/lib/audit/create';
import { createAuditInputSchema } from '@/lib/audit/config';
import { claimNextItem, submitLabel } from '@/lib/audit/review';
import { computeAuditStatistics, getAuditProgress } from '@/lib/audit/statistics';
import { auditReportMarkdown, buildAuditReport } from '@/lib/audit/report';
import { auditIdsCovering } from '@/lib/audit/queries';
import { createTestUser } from '../helpers';
import { createDatasetWithPairs } from './fixtures';

let auditId: string;
let datasetId: string;
let researcher: { id: string; email: string };
const reviewers: { id: string; email: string }[] = [];
/** What each reviewer answered, by pair id. */
const answers = new Map<string, boolean[]>();
const cellOfPair = new Map<string, string>();

function reviewerAnswer(reviewerIndex: number, pairId: bigint, cell: string): boolean {
  const n = Number(pairId);
  const base = cell.startsWith('kept') ? n % 5 !== 0 : n % 4 === 0;
  return reviewerIndex === 1 && n % 7 === 0 ? !base : base;
}

beforeAll(async () => {
  const user = await createTestUser('RESEARCHER');
  researcher = { id: user.id, email: user.email };
  for (let i = 0; i < 2; i += 1) {
    const reviewer = await createTestUser('REVIEWER');
    reviewers.push({ id: reviewer.id, email: reviewer.email });
  }
  const created = await createDatasetWithPairs([
    { topic: 'hate', status: 'KEPT', count: 100, instructionVerdict: 'PASS', responseVerdict: 'PASS' },
    { topic: 'nsfw', status: 'KEPT', count: 50, instructionVerdict: 'PASS', responseVerdict: 'PASS' },
    { topic: 'hate', status: 'DROPPED', count: 50, instructionVerdict: 'PASS', responseVerdict: 'FAIL' },
  ]);
  datasetId = created.datasetId;
  const input = createAuditInputSchema.parse({
    name: 'Stats | <b>audit</b> *one*',
    scope: { datasetIds: [datasetId] },
    sampleSize: 40,
    stratifyBy: ['topic', 'verdict'],
    seed: 'stats-seed',
    criteria: 'PAIR',
    reviewersPerItem: 2,
    target: { metric: 'precision', bound: 'lower', threshold: 0.4 },
  });
  auditId = (await createAudit(input, researcher)).id;
  for (const item of await db().auditItem.findMany({ where: { auditId } })) cellOfPair.set(item.pairId.toString(), item.stratum);

  for (const [index, reviewer] of reviewers.entries()) {
    for (;;) {
      const item = await claimNextItem(auditId, reviewer.id);
      if (!item) break;
      const cell = cellOfPair.get(item.pair.id)!;
      const pairCorrect = reviewerAnswer(index, BigInt(item.pair.id), cell);
      await submitLabel({ auditId, labelId: item.labelId, itemId: item.itemId, pairCorrect, reasonTags: pairCorrect ? [] : ['chosen is unsafe'] }, reviewer);
      answers.set(item.pair.id, [...(answers.get(item.pair.id) ?? []), pairCorrect]);
    }
  }
});

afterAll(async () => {
  await disconnectDb();
});

describe('audit statistics from the database', () => {
  it('weights the kept strata by population and reports false drops from the dropped stratum', async () => {
    const { statistics, overview } = await computeAuditStatistics(auditId);
    expect(overview.cells.map((cell) => [cell.key, cell.populationSize])).toEqual([
      ['dropped:hate', 50],
      ['kept:hate', 100],
      ['kept:nsfw', 50],
    ]);
    const pair = statistics.criteria[0];
    // Recompute from the raw answers: majority (tie = reject) per item, then Σ W_h p̂_h.
    const perCell = new Map<string, { audited: number; accepted: number }>();
    for (const [pairId, values] of answers) {
      const cell = cellOfPair.get(pairId)!;
      const entry = perCell.get(cell) ?? { audited: 0, accepted: 0 };
      entry.audited += 1;
      entry.accepted += values.filter(Boolean).length * 2 > values.length ? 1 : 0;
      perCell.set(cell, entry);
    }
    const p = (cell: string) => perCell.get(cell)!.accepted / perCell.get(cell)!.audited;
    expect(pair.precision!.estimate).toBeCloseTo((100 / 150) * p('kept:hate') + (50 / 150) * p('kept:nsfw'), 12);
    expect(pair.precision!.strata).toBe(2);
    expect(pair.falseDropRate!.estimate).toBeCloseTo(p('dropped:hate'), 12);
    expect(pair.byTopic.map((topic) => topic.topic)).toEqual(['hate', 'nsfw']);
    expect(pair.byTopic[1].falseDropRate).toBeNull();

    // Judge vs human: the automatic pair verdict is PASS for kept and FAIL for dropped pairs.
    const matrix = [
      [0, 0],
      [0, 0],
    ];
    for (const [pairId, values] of answers) {
      const human = values.filter(Boolean).length * 2 > values.length;
      const automatic = cellOfPair.get(pairId)!.startsWith('kept');
      matrix[human ? 0 : 1][automatic ? 0 : 1] += 1;
    }
    expect(pair.judgeAgreement.matrix).toEqual(matrix);
    expect(pair.judgeAgreement.items).toBe(40);
    // Two reviewers on every item → Cohen's κ over all 40.
    expect(pair.reviewerAgreement).toMatchObject({ method: 'cohen', items: 40 });
    const agreed = [...answers.values()].filter(([a, b]) => a === b).length;
    expect(pair.reviewerAgreement.observedAgreement).toBeCloseTo(agreed / 40, 12);
    expect(statistics.target).toMatchObject({ met: pair.precision!.lower >= 0.4, criterion: 'pair', value: pair.precision!.lower });
    expect(statistics.target!.met).toBe(true);
    expect(statistics.items).toEqual({ total: 40, answered: 40, complete: 40 });
  });

  it('reports progress per reviewer and sets every audited pair’s outcome', async () => {
    const progress = await getAuditProgress(auditId);
    expect(progress).toMatchObject({ items: 40, slots: 80, answered: 80, leased: 0, completeItems: 40 });
    expect(progress.reviewers.map((reviewer) => reviewer.answered)).toEqual([40, 40]);
    const pairs = await db().pair.findMany({ where: { datasetId }, select: { id: true, auditOutcome: true } });
    for (const pair of pairs) {
      const values = answers.get(pair.id.toString());
      const expected = !values ? 'NONE' : values.filter(Boolean).length * 2 > values.length ? 'ACCEPTED' : 'REJECTED';
      expect(pair.auditOutcome, `pair ${pair.id}`).toBe(expected);
    }
  });

  it('builds a JSON and markdown report without reviewer identities, with user text escaped', async () => {
    const report = await buildAuditReport(auditId);
    const json = JSON.stringify(report);
    for (const reviewer of reviewers) {
      expect(json).not.toContain(reviewer.email);
      expect(json).not.toContain(reviewer.id);
    }
    expect(report.audit).toMatchObject({ sampleSize: 40, populationSize: 200, seed: 'stats-seed', reviewersPerItem: 2, strategy: 'stratified:topic+verdict' });
    expect(report.audit.scope.datasets).toEqual([{ id: datasetId, name: expect.stringMatching(/^audit-test-/) }]);
    const { statistics } = await computeAuditStatistics(auditId);
    const precision = statistics.criteria[0].precision!;
    expect(report.card).toMatchObject({
      audited: precision.audited,
      accepted: precision.accepted,
      rejected: precision.audited - precision.accepted,
      precision: { estimate: precision.estimate, low: precision.lower, high: precision.upper, level: 0.95 },
    });
    expect(report.card.agreement?.map((entry) => entry.between)).toEqual(['automatic verdict and human majority', 'human reviewers']);
    const rejections = [...answers.values()].flat().filter((value) => !value).length;
    expect(report.reasonTagCounts).toEqual({ 'chosen is unsafe': rejections });

    const markdown = auditReportMarkdown(report);
    expect(markdown).toContain('# Audit report: Stats \\| \\<b\\>audit\\</b\\> \\*one\\*');
    expect(markdown).not.toContain('<b>');
    expect(markdown).toContain('| dropped | hate | 50 |');
    expect(markdown).toMatch(/target \| lower 95% bound of precision ≥ 40%: \*\*met\*\*/);
    expect(markdown).toContain('Inter-reviewer agreement (Cohen’s κ)');
  });

  it('finds the audits covering a dataset, and a closed audit hands out nothing', async () => {
    expect(await auditIdsCovering({ datasetIds: [datasetId] })).toEqual([auditId]);
    expect(await auditIdsCovering({ runIds: ['nope'] })).toEqual([]);
    await setAuditStatus(auditId, 'CLOSED', researcher);
    await expect(claimNextItem(auditId, reviewers[0].id)).rejects.toThrow(/closed/);
    expect(await db().auditLog.count({ where: { targetId: auditId, action: 'audit.close' } })).toBe(1);
  });
});
