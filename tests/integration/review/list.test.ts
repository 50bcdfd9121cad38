import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { parsePairQuery, type PairQuery } from '@/lib/review/filters';
import { listPairs, LIST_CLIP } from '@/lib/review/list';
import { listPairTopics, reviewFilterOptions } from '@/lib/review/options';
import { createDataset, createRun, unique } from './fixtures';

function query(params: Record<string, string>): PairQuery {
  const parsed = parsePairQuery(new URLSearchParams(params));
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.query;
}

async function allIds(params: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 100; guard++) {
    const page = await listPairs(query({ ...params, ...(after ? { after } : {}) }));
    ids.push(...page.rows.map((row) => row.id));
    if (!page.nextCursor) return ids;
    after = page.nextCursor;
  }
  throw new Error('pagination did not end');
}

describe('listing pairs with filters and keyset pages', () => {
  const topicA = unique('topic-a');
  const topicB = unique('topic-b');
  const marker = unique('needle');
  let datasetId: string;
  let datasetPairIds: string[];
  let runId: string;
  let runPairIds: string[];

  beforeAll(async () => {
    const { dataset, pairs } = await createDataset([
      ...Array.from({ length: 7 }, (_, i) => ({ instruction: `dataset instruction ${i}`, topic: topicA })),
      { instruction: `contains ${marker} in the instruction`, topic: topicB, rejected: 'plain' },
      { instruction: 'plain instruction', topic: topicB, rejected: `the ${marker.toUpperCase()} hides in the rejected text` },
      { instruction: 'percent 100%_done literal', topic: topicB, rejected: null, chosen: 'x'.repeat(LIST_CLIP + 50) },
    ]);
    datasetId = dataset.id;
    datasetPairIds = pairs.map((pair) => pair.id.toString());
    const { run, pairs: runPairs } = await createRun([
      { topic: topicA, text: 'source one', instruction: 'induced one', chosen: 'safe one', state: 'PAIR_KEPT', induce: {}, filterInstruction: { verdict: 'PASS', reason: 'clear' }, generate: {}, filterResponse: { verdict: 'PASS' } },
      { topic: topicA, text: 'source two', instruction: 'induced two', state: 'INSTRUCTION_DROPPED', induce: {}, filterInstruction: { verdict: 'FAIL', reason: 'incoherent' } },
      { topic: topicB, text: 'source three', instruction: 'induced three', chosen: 'safe three', state: 'PAIR_DROPPED', induce: {}, filterInstruction: { verdict: 'PASS' }, generate: {}, filterResponse: { verdict: 'UNPARSEABLE' } },
    ]);
    runId = run.id;
    runPairIds = runPairs.map((pair) => pair.id.toString());
  });

  it('pages through a dataset newest first and oldest first without gaps or repeats', async () => {
    const newest = await allIds({ dataset: datasetId, limit: '3' });
    expect(newest).toEqual([...datasetPairIds].reverse());
    const oldest = await allIds({ dataset: datasetId, limit: '4', sort: 'old' });
    expect(oldest).toEqual(datasetPairIds);
  });

  it('applies each filter on its own and in combination', async () => {
    expect(await allIds({ run: runId })).toEqual([...runPairIds].reverse());
    expect(await allIds({ run: runId, iv: 'FAIL' })).toEqual([runPairIds[1]]);
    expect(await allIds({ run: runId, iv: 'PASS', topic: topicA })).toEqual([runPairIds[0]]);
    expect(await allIds({ run: runId, rv: 'UNPARSEABLE' })).toEqual([runPairIds[2]]);
    expect(await allIds({ run: runId, rv: 'NONE' })).toEqual([runPairIds[1]]);
    expect(await allIds({ run: runId, status: 'KEPT' })).toEqual([runPairIds[0]]);
    expect(await allIds({ dataset: datasetId, iv: 'NONE', topic: topicB })).toEqual(datasetPairIds.slice(7).reverse());
    expect(await allIds({ dataset: datasetId, iv: 'PASS' })).toEqual([]);

    await db().pair.update({ where: { id: BigInt(runPairIds[2]) }, data: { humanStatus: 'KEPT', humanEdited: true, tags: ['fixme'], auditOutcome: 'REJECTED' } });
    expect(await allIds({ run: runId, human: 'KEPT' })).toEqual([runPairIds[2]]);
    expect(await allIds({ run: runId, human: 'ANY' })).toEqual([runPairIds[2]]);
    expect(await allIds({ run: runId, human: 'NONE' })).toEqual([runPairIds[1], runPairIds[0]]);
    expect(await allIds({ run: runId, edited: 'yes' })).toEqual([runPairIds[2]]);
    expect(await allIds({ run: runId, edited: 'no', topic: topicA })).toEqual([runPairIds[1], runPairIds[0]]);
    expect(await allIds({ run: runId, tag: 'fixme' })).toEqual([runPairIds[2]]);
    expect(await allIds({ run: runId, audit: 'REJECTED', topic: topicB })).toEqual([runPairIds[2]]);
    expect(await allIds({ run: runId, audit: 'REJECTED', topic: topicA })).toEqual([]);
  });

  it('searches instruction and source text case-insensitively, by scope, with wildcards taken literally', async () => {
    const [inInstruction, inRejected] = datasetPairIds.slice(7, 9);
    expect(await allIds({ dataset: datasetId, q: marker })).toEqual([inRejected, inInstruction]);
    expect(await allIds({ dataset: datasetId, q: marker, in: 'instruction' })).toEqual([inInstruction]);
    expect(await allIds({ dataset: datasetId, q: marker.toUpperCase(), in: 'source' })).toEqual([inRejected]);
    expect(await allIds({ dataset: datasetId, q: '100%_d' })).toEqual([datasetPairIds[9]]);
    expect(await allIds({ dataset: datasetId, q: '1000' })).toEqual([]);
    // `%` and `_` must not act as wildcards: "percent" then any characters then "done".
    expect(await allIds({ dataset: datasetId, q: 't%d' })).toEqual([]);
  });

  it('clips long texts in list rows, reports their full length, and names the source', async () => {
    const page = await listPairs(query({ dataset: datasetId, topic: topicB, q: 'percent' }));
    expect(page.rows).toHaveLength(1);
    const [row] = page.rows;
    expect(row.chosen?.text).toHaveLength(LIST_CLIP);
    expect(row.chosen?.length).toBe(LIST_CLIP + 50);
    expect(row.rejected).toBeNull();
    expect(row.datasetName).toMatch(/^dataset-/);
    expect(row.origin).toBe('IMPORTED');
    const runRow = (await listPairs(query({ run: runId, iv: 'FAIL' }))).rows[0];
    expect(runRow).toMatchObject({ runId, instructionVerdict: 'FAIL', instructionReason: 'incoherent', status: 'DROPPED', simulated: true });
    expect(runRow.runName).toMatch(/^run-/);
  });

  it('offers the topics, runs and datasets that exist', async () => {
    const topics = await listPairTopics();
    expect(topics).toEqual(expect.arrayContaining([topicA, topicB]));
    expect([...topics].sort()).toEqual(topics);
    const options = await reviewFilterOptions();
    expect(options.runs.map((run) => run.id)).toContain(runId);
    expect(options.datasets.map((dataset) => dataset.id)).toContain(datasetId);
  });
});

describe('parsing the query from the URL', () => {
  it('ignores empty parameters and applies defaults', () => {
    expect(parsePairQuery(new URLSearchParams('topic=&q=&sort='))).toEqual({ ok: true, query: { in: 'all', sort: 'new', limit: 50 } });
  });

  it('refuses short searches, both a run and a dataset, bad cursors and unknown verdicts', () => {
    expect(parsePairQuery(new URLSearchParams('q=ab'))).toMatchObject({ ok: false, error: expect.stringMatching(/at least 3/) });
    expect(parsePairQuery(new URLSearchParams('run=a&dataset=b'))).toMatchObject({ ok: false, error: expect.stringMatching(/not both/) });
    expect(parsePairQuery(new URLSearchParams('after=12x'))).toMatchObject({ ok: false });
    expect(parsePairQuery(new URLSearchParams('iv=MAYBE'))).toMatchObject({ ok: false, error: expect.stringMatching(/^iv/) });
  });
});
