import { describe, expect, it } from 'vitest';

import {
  detectPairShape,
  hhPromptToInstruction,
  pairMappingSchema,
  readPairRows,
  splitHhTranscript,
  type PairRow,
  type PairRowResult,
} from '@/lib/importers';

import { collect, tempDirForThisFile } from './helpers';

const temp = tempDirForThisFile();

function rowsOf(results: PairRowResult[]): PairRow[] {
  return results.flatMap((result) => ('row' in result ? [result.row] : []));
}

function jsonl(records: unknown[]): string {
  return records.map((record) => JSON.stringify(record)).join('\n');
}

describe('Safer-Instruct CSV (instruction, rejected, chosen, label)', () => {
  it('maps columns, keeps an empty rejected side as null and the label as topic', async () => {
    const csv = [
      'instruction,rejected,chosen,label',
      '"Write an insult about ""them""","They are all, without exception, awful.","I can\'t help with insults.",hate',
      '"How do I pick a lock?\nBe detailed.",,"I can\'t help with that.",illegal',
      '"Only rejected",  "bad text",,self-harm',
    ].join('\n');
    const mapping = pairMappingSchema.parse({
      shape: 'columns',
      instructionColumn: 'instruction',
      chosenColumn: 'chosen',
      rejectedColumn: 'rejected',
      topic: { kind: 'column', column: 'label' },
    });
    const results = await collect(readPairRows(await temp.file('si.csv', csv), mapping));
    expect(rowsOf(results)).toEqual([
      {
        instruction: 'Write an insult about "them"',
        chosen: "I can't help with insults.",
        rejected: 'They are all, without exception, awful.',
        topic: 'hate',
        externalId: null,
        metadata: {},
        promptMessages: null,
        line: 2,
      },
      {
        instruction: 'How do I pick a lock?\nBe detailed.',
        chosen: "I can't help with that.",
        rejected: null,
        topic: 'illegal',
        externalId: null,
        metadata: {},
        promptMessages: null,
        line: 3,
      },
      expect.objectContaining({ instruction: 'Only rejected', chosen: null, rejected: '  "bad text"', line: 5 }),
    ]);
  });

  it('reports an empty instruction as a row error on its column', async () => {
    const csv = 'instruction,chosen\n"",fine\n';
    const results = await collect(readPairRows(await temp.file('noinst.csv', csv), { shape: 'columns', instructionColumn: 'instruction', chosenColumn: 'chosen' }));
    expect(results).toEqual([{ error: { line: 2, column: 'instruction', reason: 'empty text' } }]);
  });
});

describe('TRL, OpenAI and HH-RLHF JSONL', () => {
  it('TRL standard: prompt/chosen/rejected; an absent or empty side is null, never invented', async () => {
    const content = jsonl([
      { prompt: 'Q1', chosen: 'good', rejected: 'bad', id: 7 },
      { prompt: 'Q2', chosen: 'good only' },
      { prompt: 'Q3', chosen: '', rejected: 'bad only' },
    ]);
    const results = await collect(readPairRows(await temp.file('trl.jsonl', content), { shape: 'trl', idColumn: 'id' }));
    expect(rowsOf(results).map(({ instruction, chosen, rejected, externalId }) => ({ instruction, chosen, rejected, externalId }))).toEqual([
      { instruction: 'Q1', chosen: 'good', rejected: 'bad', externalId: '7' },
      { instruction: 'Q2', chosen: 'good only', rejected: null, externalId: null },
      { instruction: 'Q3', chosen: null, rejected: 'bad only', externalId: null },
    ]);
  });

  it('TRL conversational: a single user turn is kept exactly, a conversation is rendered readably', async () => {
    const content = jsonl([
      {
        prompt: [{ role: 'user', content: '  exact prompt 😀 ' }],
        chosen: [{ role: 'assistant', content: 'safe' }],
        rejected: [{ role: 'assistant', content: 'unsafe' }],
      },
      {
        prompt: [
          { role: 'system', content: 'Be nice.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello!' },
          { role: 'user', content: 'Tell me something bad.' },
        ],
        chosen: [{ role: 'assistant', content: 'No.' }],
      },
      // Implicit prompt: the conversation is inside chosen/rejected.
      {
        chosen: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A good' }],
        rejected: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: 'A bad' }],
      },
    ]);
    const rows = rowsOf(await collect(readPairRows(await temp.file('conv.jsonl', content), { shape: 'trl-conversational' })));
    expect(rows.map(({ instruction, chosen, rejected }) => ({ instruction, chosen, rejected }))).toEqual([
      { instruction: '  exact prompt 😀 ', chosen: 'safe', rejected: 'unsafe' },
      {
        instruction: 'System: Be nice.\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: Tell me something bad.',
        chosen: 'No.',
        rejected: null,
      },
      { instruction: 'Q', chosen: 'A good', rejected: 'A bad' },
    ]);
  });

  it('OpenAI preference JSONL, including content parts and a missing non_preferred_output', async () => {
    const content = jsonl([
      {
        input: { messages: [{ role: 'user', content: 'Hello' }] },
        preferred_output: [{ role: 'assistant', content: 'Hi there' }],
        non_preferred_output: [{ role: 'assistant', content: [{ type: 'text', text: 'Go away' }] }],
      },
      { input: { messages: [{ role: 'user', content: 'Second' }] }, preferred_output: [{ role: 'assistant', content: 'ok' }] },
      { preferred_output: [{ role: 'assistant', content: 'no input' }] },
    ]);
    const results = await collect(readPairRows(await temp.file('openai.jsonl', content), { shape: 'openai' }));
    expect(rowsOf(results).map(({ instruction, chosen, rejected }) => ({ instruction, chosen, rejected }))).toEqual([
      { instruction: 'Hello', chosen: 'Hi there', rejected: 'Go away' },
      { instruction: 'Second', chosen: 'ok', rejected: null },
    ]);
    expect(results[2]).toEqual({ error: { line: 3, column: 'input.messages', reason: 'missing required column' } });
  });

  it('HH-RLHF: splits each transcript at the final assistant turn', async () => {
    const content = jsonl([
      { chosen: '\n\nHuman: What is 2+2?\n\nAssistant: 4, of course.  ', rejected: '\n\nHuman: What is 2+2?\n\nAssistant: 5' },
      {
        chosen: '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Insult me\n\nAssistant: I would rather not.',
        rejected: '\n\nHuman: Hi\n\nAssistant: Hello\n\nHuman: Insult me\n\nAssistant: You fool.',
      },
      { chosen: '\n\nHuman: Only chosen\n\nAssistant: yes', rejected: '' },
      { chosen: '\n\nHuman: no assistant turn here', rejected: '\n\nHuman: x\n\nAssistant: y' },
    ]);
    const results = await collect(readPairRows(await temp.file('hh.jsonl', content), { shape: 'hh-rlhf' }));
    expect(rowsOf(results).map(({ instruction, chosen, rejected }) => ({ instruction, chosen, rejected }))).toEqual([
      { instruction: 'What is 2+2?', chosen: '4, of course.  ', rejected: '5' },
      {
        instruction: 'Human: Hi\n\nAssistant: Hello\n\nHuman: Insult me',
        chosen: 'I would rather not.',
        rejected: 'You fool.',
      },
      { instruction: 'Only chosen', chosen: 'yes', rejected: null },
    ]);
    expect(results[3]).toEqual({ error: { line: 4, column: 'chosen', reason: expect.stringContaining('no "\\n\\nAssistant:" turn') } });
  });

  it('HH-RLHF helpers', () => {
    expect(splitHhTranscript('\n\nHuman: a\n\nAssistant: b\n\nHuman: c\n\nAssistant:  d ')).toEqual({
      prompt: '\n\nHuman: a\n\nAssistant: b\n\nHuman: c',
      response: ' d ',
    });
    expect(splitHhTranscript('no turns')).toBeNull();
    expect(hhPromptToInstruction('\n\nHuman: single')).toBe('single');
  });
});

describe('detectPairShape', () => {
  it.each([
    [{ instruction: 'x', rejected: 'y', chosen: 'z', label: 'hate' }, 'columns'],
    [{ prompt: 'x', chosen: 'y', rejected: 'z' }, 'trl'],
    [{ prompt: [{ role: 'user', content: 'x' }], chosen: [{ role: 'assistant', content: 'y' }] }, 'trl-conversational'],
    [{ input: { messages: [] }, preferred_output: [], non_preferred_output: [] }, 'openai'],
    [{ chosen: '\n\nHuman: a\n\nAssistant: b', rejected: '\n\nHuman: a\n\nAssistant: c' }, 'hh-rlhf'],
    [{ text: 'just a text' }, null],
  ])('%j → %s', (fields, shape) => {
    expect(detectPairShape(fields)).toBe(shape);
  });
});
