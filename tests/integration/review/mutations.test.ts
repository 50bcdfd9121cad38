import { describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { changePairsSchema } from '@/lib/review/changes';
import { addPairComment, changePairs } from '@/lib/review/mutations';
import { getPairDetail } from '@/lib/review/detail';
import { createTestUser } from '../helpers';
import { createDataset, createRun } from './fixtures';

describe('human changes to pairs', () => {
  it('edits the instruction with a revision and an audit entry, and shows both in the detail', async () => {
    const researcher = await createTestUser('RESEARCHER');
    const { pairs } = await createDataset([{ instruction: 'original  instruction\nwith two lines' }]);
    const id = pairs[0].id;

    const outcome = await changePairs([id], { field: 'instruction', value: 'fixed instruction\n  indented', baseline: 'original  instruction\nwith two lines' }, researcher);
    expect(outcome).toEqual({ changed: [id.toString()], unchanged: [] });

    const pair = await db().pair.findUniqueOrThrow({ where: { id } });
    expect(pair).toMatchObject({ instruction: 'fixed instruction\n  indented', humanEdited: true });
    const revisions = await db().pairRevision.findMany({ where: { pairId: id } });
    expect(revisions).toEqual([expect.objectContaining({ field: 'instruction', before: 'original  instruction\nwith two lines', after: 'fixed instruction\n  indented', actorId: researcher.id, actorEmail: researcher.email })]);
    const audit = await db().auditLog.findMany({ where: { targetType: 'Pair', targetId: id.toString() } });
    expect(audit).toEqual([
      expect.objectContaining({ action: 'pair.edit_instruction', actorId: researcher.id, before: { instruction: 'original  instruction\nwith two lines' }, after: { instruction: 'fixed instruction\n  indented' } }),
    ]);

    const detail = await getPairDetail(id, researcher);
    expect(detail?.revisions).toEqual([expect.objectContaining({ field: 'instruction', actorEmail: researcher.email, after: 'fixed instruction\n  indented' })]);
    expect(detail?.audit.map((entry) => entry.action)).toEqual(['pair.edit_instruction']);
  });

  it('refuses an edit when someone changed the text meanwhile, and changes nothing', async () => {
    const researcher = await createTestUser('RESEARCHER');
    const { pairs } = await createDataset([{ instruction: 'current text' }]);
    await expect(changePairs([pairs[0].id], { field: 'chosen', value: 'new', baseline: 'what I saw before' }, researcher)).rejects.toThrow(/changed the chosen response .* while you were editing/);
    expect(await db().pairRevision.count({ where: { pairId: pairs[0].id } })).toBe(0);
    expect((await db().pair.findUniqueOrThrow({ where: { id: pairs[0].id } })).humanEdited).toBe(false);
  });

  it('keeps and drops a selection in one transaction, skipping pairs that already have that decision', async () => {
    const admin = await createTestUser('ADMIN');
    const { pairs } = await createDataset([{ instruction: 'a' }, { instruction: 'b' }, { instruction: 'c' }]);
    const ids = pairs.map((pair) => pair.id);
    await changePairs([ids[0]], { field: 'humanStatus', value: 'DROPPED' }, admin);
    const outcome = await changePairs(ids, { field: 'humanStatus', value: 'DROPPED' }, admin);
    expect(outcome.changed.sort()).toEqual([ids[1], ids[2]].map(String).sort());
    expect(outcome.unchanged).toEqual([ids[0].toString()]);
    const rows = await db().pair.findMany({ where: { id: { in: ids } }, select: { humanStatus: true, status: true } });
    expect(rows.every((row) => row.humanStatus === 'DROPPED' && row.status === 'KEPT')).toBe(true);
    expect(await db().auditLog.count({ where: { targetType: 'Pair', targetId: { in: ids.map(String) }, action: 'pair.set_decision' } })).toBe(3);

    await changePairs([ids[1]], { field: 'humanStatus', value: null }, admin);
    expect((await db().pair.findUniqueOrThrow({ where: { id: ids[1] } })).humanStatus).toBeNull();
  });

  it('adds and removes tags per pair without duplicates', async () => {
    const researcher = await createTestUser('RESEARCHER');
    const { pairs } = await createDataset([{ instruction: 'a' }, { instruction: 'b' }]);
    const ids = pairs.map((pair) => pair.id);
    await db().pair.update({ where: { id: ids[0] }, data: { tags: ['old', 'keepme'] } });
    const change = changePairsSchema.parse({ ids: ids.map(String), change: { field: 'tags', add: ['needs-fix', 'keepme'], remove: ['old'] } }).change;
    await changePairs(ids, change, researcher);
    const rows = await db().pair.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' }, select: { tags: true } });
    expect(rows.map((row) => row.tags)).toEqual([
      ['keepme', 'needs-fix'],
      ['keepme', 'needs-fix'],
    ]);
    const revision = await db().pairRevision.findFirstOrThrow({ where: { pairId: ids[0], field: 'tags' } });
    expect(revision).toMatchObject({ before: ['keepme', 'old'], after: ['keepme', 'needs-fix'] });
  });

  it('overrides an automatic verdict and keeps the judge output in the stage results', async () => {
    const researcher = await createTestUser('RESEARCHER');
    const { pairs } = await createRun([
      { topic: 'hate', text: 'src', instruction: 'ins', state: 'INSTRUCTION_DROPPED', induce: {}, filterInstruction: { verdict: 'FAIL', reason: 'off-topic' } },
    ]);
    await changePairs([pairs[0].id], { field: 'instructionVerdict', value: 'PASS' }, researcher);
    const detail = await getPairDetail(pairs[0].id, researcher);
    expect(detail?.instructionVerdict).toBe('PASS');
    expect(detail?.stages.find((stage) => stage.stage === 'FILTER_INSTRUCTION')).toMatchObject({ verdict: 'FAIL', reason: 'off-topic' });
    expect(detail?.audit[0]).toMatchObject({ action: 'pair.override_instruction_verdict', before: { instructionVerdict: 'FAIL' }, after: { instructionVerdict: 'PASS' } });
  });

  it('refuses unknown pairs, and validates changes at the edge', async () => {
    const researcher = await createTestUser('RESEARCHER');
    await expect(changePairs([BigInt(987654321987)], { field: 'humanStatus', value: 'KEPT' }, researcher)).rejects.toThrow(/no longer exists/);
    expect(changePairsSchema.safeParse({ ids: ['1'], change: { field: 'instruction', value: '   \n' } }).success).toBe(false);
    expect(changePairsSchema.safeParse({ ids: [], change: { field: 'humanStatus', value: 'KEPT' } }).success).toBe(false);
    expect(changePairsSchema.safeParse({ ids: ['1'], change: { field: 'tags', add: ['two words'] } }).success).toBe(false);
    expect(changePairsSchema.safeParse({ ids: ['1'], change: { field: 'status', value: 'KEPT' } }).success).toBe(false);
  });

  it('stores comments with their author and logs them', async () => {
    const reviewer = await createTestUser('REVIEWER');
    const { pairs } = await createDataset([{ instruction: 'a' }]);
    await addPairComment(pairs[0].id, 'Is this <b>really</b> harmful?', reviewer);
    const detail = await getPairDetail(pairs[0].id, reviewer);
    expect(detail?.comments).toEqual([expect.objectContaining({ authorEmail: reviewer.email, body: 'Is this <b>really</b> harmful?' })]);
    expect(detail?.audit[0]).toMatchObject({ action: 'pair.comment', actorEmail: reviewer.email });
  });
});

describe('pair detail', () => {
  it('carries the source text, the exact prompts, raw outputs, timings and cost of every stage', async () => {
    const viewer = await createTestUser('RESEARCHER');
    const { pairs, corpus } = await createRun([
      {
        topic: 'self-harm',
        text: 'the original  source\ntext',
        instruction: 'induced',
        chosen: 'safe',
        state: 'PAIR_KEPT',
        induce: { tokensIn: 10, tokensOut: 5, costUsd: 0.5, latencyMs: 100 },
        filterInstruction: { verdict: 'PASS', reason: 'fine', costUsd: 0.25 },
        generate: { costUsd: 0.125 },
        filterResponse: { verdict: 'PASS', costUsd: 0.125 },
      },
    ]);
    const detail = await getPairDetail(pairs[0].id, viewer);
    expect(detail?.source).toMatchObject({ text: 'the original  source\ntext', topic: 'self-harm', corpusName: corpus.name });
    expect(detail?.stages.map((stage) => stage.stage)).toEqual(['INDUCE', 'FILTER_INSTRUCTION', 'GENERATE_RESPONSE', 'FILTER_RESPONSE']);
    expect(detail?.stages[0]).toMatchObject({ prompt: 'PROMPT INDUCE for the original  source\ntext', rawOutput: 'RAW INDUCE output', tokensIn: 10, latencyMs: 100, model: 'sim-model' });
    expect(detail?.totals.costUsd).toBeCloseTo(1);
    expect(detail?.runItem).toMatchObject({ state: 'PAIR_KEPT' });
    expect(await getPairDetail(BigInt(999999999999), viewer)).toBeNull();
  });
});
