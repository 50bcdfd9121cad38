import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeAuditStatistics } from '@/lib/audit/statistics';
import { claimNextItem, submitLabel } from '@/lib/audit/review';
import { db } from '@/lib/db/client';
import { buildEvalReport, evalResponsesCsv, evalResponsesJsonl, evalResultsMarkdown } from '@/lib/eval/report';
import { loadEvalResults } from '@/lib/eval/results';
import { createEvalRun } from '@/lib/eval/runs';
import { importEvalSet } from '@/lib/eval/sets';
import { createEvalSpotCheck } from '@/lib/eval/spot-check';
import { startEvalWorker, type EvalWorker } from '@/lib/eval/worker';
import { getBoss, stopBoss } from '@/lib/jobs/boss';
import { createLlmService, type LlmService } from '@/lib/llm/service';
import { HARMFUL_OPENING } from '@/lib/llm/simulator/eval-targets';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { uniqueTag } from '../pipeline/helpers';
import { createSimEndpoint, waitForEvalRun } from './helpers';

const ROWS = 40;
/** Row i: model "old" answers harmfully when i % 4 === 0, model "new" when i % 20 === 0. */
const harmfulOld = (i: number) => i % 4 === 0;
const harmfulNew = (i: number) => i % 20 === 0;
const answer = (harmful: boolean, i: number) => (harmful ? `${HARMFUL_OPENING}. Step 1: do thing ${i}.` : `I can't help with that, but here is a safer idea number ${i}.`);

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

describe('a prompt set with two models’ responses, judged, reported and spot-checked', () => {
  let sim: SimulatorHandle;
  let service: LlmService;
  let worker: EvalWorker;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator();
    service = createLlmService();
    worker = await startEvalWorker({ boss: await getBoss(), llm: service, concurrentChunks: 2, reconcileEveryMs: 0, log: () => {} });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'eval-import-'));
  });

  afterAll(async () => {
    await worker?.stop();
    await service?.close();
    await stopBoss();
    await sim?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('imports with row errors, judges the imported responses and reports the comparison', async () => {
    const tag = uniqueTag('evalimport');
    const lines = ['id,benchmark,prompt,response_old,response_new'];
    for (let i = 0; i < ROWS; i += 1) {
      lines.push([`q${i}`, i % 2 === 0 ? 'bench-a' : 'bench-b', `[${tag}] How do I handle case ${i}, really?`, answer(harmfulOld(i), i), answer(harmfulNew(i), i)].map(csvCell).join(','));
    }
    lines.push(['q-bad', 'bench-a', '', 'x', 'y'].join(','));
    const file = path.join(dir, 'set.csv');
    await fs.writeFile(file, `${lines.join('\n')}\n`);

    const imported = await importEvalSet(
      file,
      {
        name: `${tag} set`,
        mapping: { promptColumn: 'prompt', groupColumn: 'benchmark', idColumn: 'id', responseColumns: [{ column: 'response_old', label: 'Old' }, { column: 'response_new', label: 'New' }] },
      },
      null,
    );
    expect(imported).toMatchObject({ prompts: ROWS, rowErrors: 1 });
    const errors = await db().evalSetRowError.findMany({ where: { setId: imported.setId } });
    expect(errors).toEqual([expect.objectContaining({ line: ROWS + 2, column: 'prompt', reason: 'empty text' })]);
    expect(await db().evalImportedResponse.count({ where: { prompt: { setId: imported.setId } } })).toBe(ROWS * 2);

    const endpointName = await createSimEndpoint(tag, sim.url);
    const { evalRunId } = await createEvalRun(
      {
        setId: imported.setId,
        responseLabels: ['Old', 'New'],
        judges: [
          { label: 'Judge', endpointName, model: 'sim-judge', rubric: 'harmlessness' },
          { label: 'Noisy judge', endpointName, model: 'sim-judge-noisy', rubric: 'harmlessness' },
          { label: 'Helpfulness', endpointName, model: 'sim-judge', rubric: 'helpfulness' },
        ],
      },
      null,
      { boss: await getBoss(), chunkSize: 8 },
    );
    await waitForEvalRun(evalRunId, ['COMPLETED'], 120_000);
    // No generations: the responses are judged as they are (3 judges × 2 models per prompt).
    expect(await db().evalResult.count({ where: { item: { runId: evalRunId } } })).toBe(ROWS * 6);
    expect(await db().evalResult.count({ where: { item: { runId: evalRunId }, kind: 'GENERATE' } })).toBe(0);

    const { summary } = await loadEvalResults(evalRunId);
    const exact = summary.harmlessness.find((block) => block.judge === 'j1');
    expect(exact?.subjects.map((s) => [s.subject, s.harmless, s.judged])).toEqual([
      ['s1', ROWS - ROWS / 4, ROWS],
      ['s2', ROWS - ROWS / 20, ROWS],
    ]);
    expect(summary.agreement).toHaveLength(2);
    expect(summary.agreement[0]).toMatchObject({ method: 'cohen', items: ROWS });
    expect(summary.helpfulness[0].subjects[0].n).toBe(ROWS);
    // Seeded bootstrap: the same run gives the same interval.
    expect((await loadEvalResults(evalRunId)).summary.helpfulness).toEqual(summary.helpfulness);
    const comparison = summary.comparisons.find((c) => c.judge === 'j1');
    expect(comparison).toMatchObject({ onlyAHarmless: 0, onlyBHarmless: ROWS / 4 - ROWS / 20, moreHarmless: 's2' });
    expect(comparison?.sentence).toContain('New is more harmless than Old on this set: 95.0% vs 75.0%');

    const report = await buildEvalReport(evalRunId);
    const markdown = evalResultsMarkdown(report);
    expect(markdown).toContain('New is more harmless than Old on this set');
    expect(markdown).toContain('SIMULATED');
    expect(markdown).toContain("Cohen's κ");
    const csv = await evalResponsesCsv(evalRunId, report.config);
    expect(csv.trim().split('\r\n')).toHaveLength(1 + ROWS * 2);
    const jsonl = (await evalResponsesJsonl(evalRunId, report.config)).trim().split('\n').map((line) => JSON.parse(line) as { model: string; judgements: { verdict: string | null }[] });
    expect(jsonl).toHaveLength(ROWS * 2);
    expect(jsonl.filter((row) => row.model === 'Old' && row.judgements[0].verdict === 'HARMFUL')).toHaveLength(ROWS / 4);

    // Spot-check the exact judge: a blind seeded audit over its verdicts, both verdicts sampled.
    const reviewer = await db().user.create({ data: { email: `${crypto.randomUUID()}@eval.test`, passwordHash: 'x', role: 'RESEARCHER' } });
    const actor = { id: reviewer.id, email: reviewer.email };
    const spot = await createEvalSpotCheck({ evalRunId, judge: 'j1', sampleSize: 10, seed: 'spot' }, actor);
    expect(spot.sampleSize).toBe(10);
    const copied = await db().pair.findMany({ where: { datasetId: spot.datasetId }, select: { chosen: true, status: true, responseVerdict: true } });
    expect(copied).toHaveLength(ROWS * 2);
    expect(copied.filter((pair) => pair.status === 'DROPPED')).toHaveLength(ROWS / 4 + ROWS / 20);
    // A reviewer who agrees with the judge everywhere: judge-vs-human κ = 1.
    for (;;) {
      const item = await claimNextItem(spot.auditId, reviewer.id);
      if (!item) break;
      expect(item.automatic).toBeNull();
      const harmful = (item.pair.chosen ?? '').startsWith(HARMFUL_OPENING);
      await submitLabel({ auditId: spot.auditId, labelId: item.labelId, itemId: item.itemId, pairCorrect: !harmful }, actor);
    }
    const { statistics } = await computeAuditStatistics(spot.auditId);
    const pair = statistics.criteria.find((criterion) => criterion.criterion === 'pair');
    expect(pair?.judgeAgreement.kappa).toBe(1);
    expect(pair?.precision?.estimate).toBe(1);
  }, 180_000);
});
