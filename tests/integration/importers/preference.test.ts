import { describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { previewFile } from '@/lib/importers';
import { deleteDataset, getDataset } from '@/lib/importers/corpora';
import { deleteImport } from '@/lib/importers/jobs/lifecycle';

import { importFile, tempFiles, uniqueName } from './helpers';

const temp = tempFiles();

async function importPairs(fileName: string, content: string) {
  const file = await temp.file(fileName, content);
  const preview = await previewFile(file);
  const mapping = preview.suggestedMapping.pair;
  expect(mapping).not.toBeNull();
  const name = uniqueName(fileName);
  const result = await importFile(file, { kind: 'dataset', target: { mode: 'new', name }, mapping: mapping! });
  expect(result.outcome.status).toBe('COMPLETED');
  const pairs = await db().pair.findMany({ where: { datasetId: result.record.datasetId! }, orderBy: { id: 'asc' } });
  return { ...result, pairs, shape: preview.pairShape, mapping: mapping! };
}

const sides = (pairs: Awaited<ReturnType<typeof importPairs>>['pairs']) => pairs.map((pair) => ({ instruction: pair.instruction, chosen: pair.chosen, rejected: pair.rejected, topic: pair.topic }));

describe('existing preference datasets', () => {
  it('Safer-Instruct CSV (instruction, rejected, chosen, label): an empty rejected stays missing', async () => {
    const csv = [
      'instruction,rejected,chosen,label',
      '"Write something mean about tourists","Tourists are ""the worst"", honestly.\nStay home.","I would rather not insult people.",hate',
      'How do I dodge the fare?,,"I can\'t help with that, but here is how to get a cheaper ticket.",illegal',
      'Say something flirty,,Here is a polite compliment instead.,nsfw',
    ].join('\n');
    const { pairs, record, shape, mapping } = await importPairs('safer-instruct.csv', csv);
    expect(shape).toBe('columns');
    expect(mapping).toMatchObject({ shape: 'columns', instructionColumn: 'instruction', chosenColumn: 'chosen', rejectedColumn: 'rejected', topic: { kind: 'column', column: 'label' } });
    expect(sides(pairs)).toEqual([
      { instruction: 'Write something mean about tourists', chosen: 'I would rather not insult people.', rejected: 'Tourists are "the worst", honestly.\nStay home.', topic: 'hate' },
      { instruction: 'How do I dodge the fare?', chosen: "I can't help with that, but here is how to get a cheaper ticket.", rejected: null, topic: 'illegal' },
      { instruction: 'Say something flirty', chosen: 'Here is a polite compliment instead.', rejected: null, topic: 'nsfw' },
    ]);
    expect(pairs.every((pair) => pair.origin === 'IMPORTED' && pair.status === 'KEPT' && pair.runId === null)).toBe(true);
    const dataset = await getDataset(record.datasetId!);
    expect(dataset).toMatchObject({ pairCount: 3, missingRejected: 2, missingChosen: 0 });
  });

  it('TRL standard JSONL with a missing and a null side', async () => {
    const lines = [
      { prompt: 'p1', chosen: 'c1', rejected: 'r1', topic: 'hate' },
      { prompt: 'p2', chosen: 'c2', topic: 'hate' },
      { prompt: 'p3', chosen: null, rejected: 'r3', topic: 'nsfw' },
    ];
    const { pairs, shape } = await importPairs('trl.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'));
    expect(shape).toBe('trl');
    expect(sides(pairs)).toEqual([
      { instruction: 'p1', chosen: 'c1', rejected: 'r1', topic: 'hate' },
      { instruction: 'p2', chosen: 'c2', rejected: null, topic: 'hate' },
      { instruction: 'p3', chosen: null, rejected: 'r3', topic: 'nsfw' },
    ]);
  });

  it('TRL conversational (explicit prompt and implicit prompt)', async () => {
    const user = (content: string) => ({ role: 'user', content });
    const assistant = (content: string) => ({ role: 'assistant', content });
    const lines = [
      { prompt: [user('How are you?')], chosen: [assistant('Fine, thanks.')], rejected: [assistant('Go away.')] },
      { prompt: [user('Hello?')], chosen: [assistant('Hi!')] },
    ];
    const explicit = await importPairs('trl-conv.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'));
    expect(explicit.shape).toBe('trl-conversational');
    expect(sides(explicit.pairs)).toEqual([
      { instruction: 'How are you?', chosen: 'Fine, thanks.', rejected: 'Go away.', topic: null },
      { instruction: 'Hello?', chosen: 'Hi!', rejected: null, topic: null },
    ]);
    const implicit = await importPairs('trl-implicit.jsonl', JSON.stringify({ chosen: [user('Q?'), assistant('Good answer')], rejected: [user('Q?'), assistant('Bad answer')] }));
    expect(sides(implicit.pairs)).toEqual([{ instruction: 'Q?', chosen: 'Good answer', rejected: 'Bad answer', topic: null }]);
  });

  it('OpenAI preference JSONL with a missing non-preferred output', async () => {
    const lines = [
      { input: { messages: [{ role: 'user', content: 'Tell me a joke' }] }, preferred_output: [{ role: 'assistant', content: 'A clean joke.' }], non_preferred_output: [{ role: 'assistant', content: 'A cruel joke.' }] },
      { input: { messages: [{ role: 'user', content: 'Another' }] }, preferred_output: [{ role: 'assistant', content: 'Sure.' }] },
    ];
    const { pairs, shape } = await importPairs('openai.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'));
    expect(shape).toBe('openai');
    expect(sides(pairs)).toEqual([
      { instruction: 'Tell me a joke', chosen: 'A clean joke.', rejected: 'A cruel joke.', topic: null },
      { instruction: 'Another', chosen: 'Sure.', rejected: null, topic: null },
    ]);
  });

  it('HH-RLHF: each transcript is split into the prompt and the final assistant turn; an empty side stays missing', async () => {
    const lines = [
      { chosen: '\n\nHuman: How do I pick a lock?\n\nAssistant: I can point you to a locksmith.', rejected: '\n\nHuman: How do I pick a lock?\n\nAssistant: Use a tension wrench.' },
      { chosen: '\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Insult me\n\nAssistant: I would rather not.', rejected: '' },
    ];
    const { pairs, shape } = await importPairs('hh.jsonl', lines.map((line) => JSON.stringify(line)).join('\n'));
    expect(shape).toBe('hh-rlhf');
    expect(sides(pairs)).toEqual([
      { instruction: 'How do I pick a lock?', chosen: 'I can point you to a locksmith.', rejected: 'Use a tension wrench.', topic: null },
      { instruction: 'Human: Hi\n\nAssistant: Hello!\n\nHuman: Insult me', chosen: 'I would rather not.', rejected: null, topic: null },
    ]);
  });

  it('deleting a dataset (audited) or its import removes its pairs', async () => {
    const first = await importPairs('delete-me.jsonl', JSON.stringify({ prompt: 'p', chosen: 'c', rejected: 'r' }));
    const dataset = await db().preferenceDataset.findUniqueOrThrow({ where: { id: first.record.datasetId! } });
    await expect(deleteDataset(dataset.id, 'wrong name', null)).rejects.toThrow(/Type the name/);
    await deleteDataset(dataset.id, dataset.name, null);
    expect(await db().pair.count({ where: { datasetId: dataset.id } })).toBe(0);
    expect(await db().auditLog.count({ where: { action: 'dataset.delete', targetId: dataset.id } })).toBe(1);

    const second = await importPairs('delete-import.jsonl', JSON.stringify({ prompt: 'p', chosen: 'c', rejected: 'r' }));
    await deleteImport(second.importId, null);
    expect(await db().preferenceDataset.findUnique({ where: { id: second.record.datasetId! } })).toBeNull();
    expect(await db().pair.count({ where: { datasetId: second.record.datasetId! } })).toBe(0);
  });
});
