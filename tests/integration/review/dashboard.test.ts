import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { datasetDashboard, listReviewSources, runDashboard } from '@/lib/review/dashboard';
import { rateOf } from '@/lib/review/dashboard-types';
import { createDataset, createRun, type ItemSpec } from './fixtures';

const kept = (topic: string): ItemSpec => ({
  topic,
  text: `kept ${topic}`,
  instruction: 'i',
  chosen: 'c',
  state: 'PAIR_KEPT',
  induce: {},
  filterInstruction: { verdict: 'PASS' },
  generate: {},
  filterResponse: { verdict: 'PASS' },
});

describe('run dashboard', () => {
  it('computes the funnel, pass rates per stage and topic, ranked drop reasons, cost and a timeline', async () => {
    const { run } = await createRun([
      kept('hate'),
      kept('hate'),
      kept('nsfw'),
      { topic: 'hate', text: 'a', instruction: 'i', state: 'INSTRUCTION_DROPPED', induce: {}, filterInstruction: { verdict: 'FAIL', reason: 'Incoherent' } },
      { topic: 'nsfw', text: 'b', instruction: 'i', state: 'INSTRUCTION_DROPPED', induce: {}, filterInstruction: { verdict: 'FAIL', reason: 'Incoherent' } },
      { topic: 'nsfw', text: 'c', instruction: 'i', state: 'INSTRUCTION_DROPPED', induce: {}, filterInstruction: { verdict: 'FAIL', reason: 'does not match the text' } },
      { topic: 'nsfw', text: 'd', instruction: 'i', chosen: 'c', state: 'PAIR_DROPPED', induce: {}, filterInstruction: { verdict: 'PASS' }, generate: {}, filterResponse: { verdict: 'UNPARSEABLE', reason: 'no JSON' } },
      { topic: 'hate', text: 'e', state: 'FAILED', induce: { ok: false, error: 'timeout after 60 s' } },
    ]);
    const dashboard = await runDashboard(run.id);
    expect(dashboard).not.toBeNull();
    if (!dashboard) return;
    expect(dashboard.funnel.map((step) => step.count)).toEqual([8, 7, 4, 4, 3]);
    expect(dashboard.stages.map((stage) => [stage.key, stage.rate.passed, stage.rate.judged])).toEqual([
      ['INDUCE', 7, 8],
      ['FILTER_INSTRUCTION', 4, 7],
      ['GENERATE_RESPONSE', 4, 4],
      ['FILTER_RESPONSE', 3, 4],
    ]);
    expect(dashboard.stages[0].errors).toBe(1);
    expect(dashboard.dropReasons[0]).toEqual({ stage: 'FILTER_INSTRUCTION', kind: 'FAIL', reason: 'Incoherent', count: 2 });
    expect(dashboard.dropReasons.map((reason) => reason.reason)).toEqual(expect.arrayContaining(['does not match the text', 'no JSON', 'timeout after 60 s']));

    const hate = dashboard.topics.find((topic) => topic.topic === 'hate');
    expect(hate?.items).toBe(4);
    expect(hate && rateOf(hate.rates.FILTER_INSTRUCTION)).toBeCloseTo(2 / 3);
    expect(hate?.rates.OVERALL).toEqual({ passed: 2, judged: 4 });
    const nsfw = dashboard.topics.find((topic) => topic.topic === 'nsfw');
    expect(nsfw?.rates.FILTER_RESPONSE).toEqual({ passed: 1, judged: 2 });

    const stageResults = 8 + 7 + 4 + 4;
    expect(dashboard.cost?.calls).toBe(stageResults);
    expect(dashboard.cost?.tokensIn).toBe(2300);
    expect(dashboard.cost?.costUsd).toBeCloseTo(0.023);
    expect(dashboard.stages.reduce((sum, stage) => sum + stage.costUsd, 0)).toBeCloseTo(0.023);

    const counted = dashboard.timeline.points.reduce((sum, point) => sum + dashboard.timeline.series.reduce((s, series) => s + Number(point[series.key]), 0), 0);
    expect(counted).toBe(stageResults);
    expect(dashboard.timeline.points.length).toBeLessThanOrEqual(61);
    expect(dashboard.decisions).toMatchObject({ total: 7, kept: 3, dropped: 4 });
    expect(dashboard.simulated).toBe(true);
  });

  it('returns null for an unknown run', async () => {
    expect(await runDashboard('no-such-run')).toBeNull();
  });
});

describe('dataset dashboard', () => {
  it('counts the import funnel, completeness per topic, review decisions and ranks the problems', async () => {
    const { dataset, pairs } = await createDataset([
      { instruction: 'a', topic: 'illegal', rejected: null },
      { instruction: 'b', topic: 'illegal', rejected: '' },
      { instruction: 'c', topic: 'hate' },
      { instruction: 'd', topic: 'hate' },
      { instruction: 'e', topic: 'hate', chosen: null },
    ]);
    await db().import.create({ data: { kind: 'PREFERENCE_DATASET', status: 'COMPLETED', fileName: 'x.csv', filePath: '/tmp/x.csv', format: 'csv', datasetId: dataset.id, rowsRead: 7, rowsInserted: 5, duplicates: 1, errorCount: 1 } });
    await db().pair.update({ where: { id: pairs[2].id }, data: { humanStatus: 'DROPPED', auditOutcome: 'REJECTED' } });
    await db().pair.update({ where: { id: pairs[3].id }, data: { auditOutcome: 'ACCEPTED' } });

    const dashboard = await datasetDashboard(dataset.id);
    expect(dashboard?.funnel.map((step) => [step.key, step.count])).toEqual([
      ['ROWS', 7],
      ['IMPORTED', 5],
      ['COMPLETE', 2],
      ['KEPT', 4],
    ]);
    expect(dashboard?.dropReasons[0]).toMatchObject({ reason: 'rejected text is empty', count: 2 });
    expect(dashboard?.dropReasons.map((reason) => reason.reason)).toEqual(expect.arrayContaining(['duplicate row skipped', 'dropped by a reviewer', 'rejected in a spot-check audit', 'chosen response is empty']));
    const hate = dashboard?.topics.find((topic) => topic.topic === 'hate');
    expect(hate?.rates).toEqual({ COMPLETE: { passed: 2, judged: 3 }, KEPT: { passed: 2, judged: 3 }, AUDIT: { passed: 1, judged: 2 } });
    expect(dashboard?.cost).toBeNull();

    const sources = await listReviewSources();
    expect(sources.find((source) => source.id === dataset.id)).toMatchObject({ kind: 'dataset', pairs: 5 });
  });
});
