import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flipAlpacaRecord,
  flipInstructionDataset,
  flipShareGptRecord,
  ReversedDataError,
  type FlipEvent,
  type TextChunks,
} from '@/lib/pipeline/reversed-data';
import { renderReversedPrompt } from '@/lib/pipeline/prompts/reversed-template';

async function collect(source: TextChunks, options?: Parameters<typeof flipInstructionDataset>[1]): Promise<FlipEvent[]> {
  const events: FlipEvent[] = [];
  for await (const event of flipInstructionDataset(source, options)) events.push(event);
  return events;
}

/** Splits text into pieces of `size` UTF-16 units, to exercise records spanning chunks. */
function piecesOf(text: string, size: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reversed-data-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('flipAlpacaRecord', () => {
  it('flips output into the prompt and instruction (+ input) into the completion', () => {
    expect(flipAlpacaRecord({ instruction: 'Summarise this.', input: 'Long text.', output: 'Short.' }, 3)).toEqual({
      ok: true,
      records: [{ prompt: renderReversedPrompt('Short.'), completion: 'Summarise this.\n\nLong text.' }],
      skippedPairs: 0,
    });
    for (const input of ['', '   ', undefined, null]) {
      const outcome = flipAlpacaRecord({ instruction: 'Name a colour.', input, output: 'Blue.' }, 1);
      expect(outcome).toMatchObject({ ok: true, records: [{ completion: 'Name a colour.' }] });
    }
  });

  it('names the field that is wrong', () => {
    expect(flipAlpacaRecord({ input: '', output: 'x' }, 7)).toEqual({
      ok: false,
      error: { line: 7, field: 'instruction', message: '"instruction" must be a non-empty string' },
    });
    expect(flipAlpacaRecord({ instruction: 'x', output: '  ' }, 2)).toMatchObject({ ok: false, error: { field: 'output' } });
    expect(flipAlpacaRecord({ instruction: 'x', input: 5, output: 'y' }, 2)).toMatchObject({ ok: false, error: { field: 'input' } });
    expect(flipAlpacaRecord(['x'], 4)).toMatchObject({ ok: false, error: { line: 4 } });
  });
});

describe('flipShareGptRecord', () => {
  it('yields one record per human → gpt pair and skips system turns', () => {
    const outcome = flipShareGptRecord(
      {
        id: 'c1',
        conversations: [
          { from: 'system', value: 'You are helpful.' },
          { from: 'human', value: 'Hi, what is 2+2?' },
          { from: 'gpt', value: '4.' },
          { from: 'human', value: 'And 3+3?' },
          { from: 'gpt', value: '6.' },
        ],
      },
      1,
    );
    expect(outcome).toEqual({
      ok: true,
      records: [
        { prompt: renderReversedPrompt('4.'), completion: 'Hi, what is 2+2?' },
        { prompt: renderReversedPrompt('6.'), completion: 'And 3+3?' },
      ],
      skippedPairs: 0,
    });
  });

  it('pairs only adjacent turns, accepts user/assistant names and counts empty pairs', () => {
    const outcome = flipShareGptRecord(
      {
        conversations: [
          { from: 'human', value: 'first' },
          { from: 'user', value: 'second' },
          { from: 'assistant', value: 'answer' },
          { from: 'gpt', value: 'unpaired' },
          { from: 'human', value: '' },
          { from: 'gpt', value: 'reply to nothing' },
        ],
      },
      1,
    );
    expect(outcome).toEqual({ ok: true, records: [{ prompt: renderReversedPrompt('answer'), completion: 'second' }], skippedPairs: 1 });
  });

  it('reports the turn that is wrong', () => {
    expect(flipShareGptRecord({ conversations: [{ from: 'human', value: 'a' }, { from: 'robot', value: 'b' }] }, 9)).toEqual({
      ok: false,
      error: { line: 9, field: 'conversations[1].from', message: 'unknown speaker "robot"; expected human or gpt' },
    });
    expect(flipShareGptRecord({ conversations: [{ from: 'human', value: 3 }] }, 1)).toMatchObject({ ok: false, error: { field: 'conversations[0].value' } });
    expect(flipShareGptRecord({ conversations: [{ from: 'gpt', value: 'x' }] }, 1)).toMatchObject({ ok: false, error: { field: 'conversations' } });
    expect(flipShareGptRecord({ messages: [] }, 1)).toMatchObject({ ok: false, error: { field: 'conversations' } });
  });
});

describe('flipInstructionDataset (JSONL)', () => {
  const lines = [
    JSON.stringify({ instruction: 'Translate to French.', input: 'Good night, my heart 💋', output: 'Bonne nuit, mon cœur 💋' }),
    '',
    '{"instruction": "broken", ',
    JSON.stringify({ instruction: 'Say hi in Hebrew.', input: '', output: 'שלום' }),
    JSON.stringify({ instruction: '', output: 'x' }),
    JSON.stringify({ instruction: 'Two lines?', output: 'one\ntwo' }),
  ];

  it('streams records from a file read in tiny byte chunks, with line numbers for bad rows', async () => {
    const file = path.join(dir, 'alpaca.jsonl');
    await writeFile(file, `\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
    // 5-byte chunks split multi-byte characters and CRLF pairs across chunks.
    const events = await collect(createReadStream(file, { highWaterMark: 5 }));
    expect(events).toEqual([
      { kind: 'record', line: 1, record: { prompt: renderReversedPrompt('Bonne nuit, mon cœur 💋'), completion: 'Translate to French.\n\nGood night, my heart 💋' } },
      { kind: 'error', error: { line: 3, message: expect.stringMatching(/^invalid JSON/) } },
      { kind: 'record', line: 4, record: { prompt: renderReversedPrompt('שלום'), completion: 'Say hi in Hebrew.' } },
      { kind: 'error', error: { line: 5, field: 'instruction', message: '"instruction" must be a non-empty string' } },
      { kind: 'record', line: 6, record: { prompt: renderReversedPrompt('one\ntwo'), completion: 'Two lines?' } },
    ]);
  });

  it('handles a last line without a newline and rejects records of neither format', async () => {
    const events = await collect(['{"foo": 1}\n', JSON.stringify({ conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] })]);
    expect(events).toEqual([
      { kind: 'error', error: { line: 1, message: expect.stringContaining('not an Alpaca record') } },
      { kind: 'record', line: 2, record: { prompt: renderReversedPrompt('a'), completion: 'q' } },
    ]);
  });

  it('uses the first record to fix the format unless one is given', async () => {
    const alpaca = JSON.stringify({ instruction: 'i', output: 'o' });
    const sharegpt = JSON.stringify({ conversations: [{ from: 'human', value: 'q' }, { from: 'gpt', value: 'a' }] });
    const auto = await collect([`${alpaca}\n${sharegpt}\n`]);
    expect(auto.map((event) => event.kind)).toEqual(['record', 'error']);
    const forced = await collect([`${alpaca}\n${sharegpt}\n`], { format: 'sharegpt' });
    expect(forced.map((event) => event.kind)).toEqual(['error', 'record']);
  });
});

describe('flipInstructionDataset (JSON array)', () => {
  const records = [
    { instruction: 'Quote: "x", [y], {z}', input: 'a\\b', output: 'Done: ] , } { "' },
    { instruction: 'Nested?', input: '', output: 'yes', extra: { list: [1, [2, { deep: ']' }]] } },
    'not an object',
    { instruction: 'Last', output: '🙂 ok' },
  ];
  const text = `  [\n${records.map((record) => JSON.stringify(record, null, 2)).join(',\n')}\n]\n`;

  it('splits pretty-printed elements across chunks and reports element start lines', async () => {
    for (const size of [1, 3, 17, text.length]) {
      const events = await collect(piecesOf(text, size));
      expect(events).toEqual([
        { kind: 'record', line: 2, record: { prompt: renderReversedPrompt('Done: ] , } { "'), completion: 'Quote: "x", [y], {z}\n\na\\b' } },
        { kind: 'record', line: 7, record: { prompt: renderReversedPrompt('yes'), completion: 'Nested?' } },
        { kind: 'error', error: { line: 23, message: expect.stringContaining('expected a JSON object') } },
        { kind: 'record', line: 24, record: { prompt: renderReversedPrompt('🙂 ok'), completion: 'Last' } },
      ]);
    }
  });

  it('reads ShareGPT arrays from a file', async () => {
    const file = path.join(dir, 'sharegpt.json');
    const conversations = [
      { conversations: [{ from: 'human', value: 'Hello' }, { from: 'gpt', value: 'Hi there!' }] },
      { conversations: [{ from: 'human', value: 'A' }, { from: 'gpt', value: 'B' }, { from: 'human', value: 'C' }, { from: 'gpt', value: '' }] },
    ];
    await writeFile(file, JSON.stringify(conversations), 'utf8');
    const events = await collect(createReadStream(file, { highWaterMark: 8 }));
    expect(events).toEqual([
      { kind: 'record', line: 1, record: { prompt: renderReversedPrompt('Hi there!'), completion: 'Hello' } },
      { kind: 'record', line: 1, record: { prompt: renderReversedPrompt('B'), completion: 'A' } },
      { kind: 'skipped', line: 1, pairs: 1 },
    ]);
  });

  it('accepts an empty array and throws on broken structure with the position', async () => {
    expect(await collect(['[ ]'])).toEqual([]);
    await expect(collect(['[{"instruction":"a","output":"b"},\n'])).rejects.toThrow(/not closed/);
    await expect(collect(['[{"instruction":"a","output":"b"},\n]'])).rejects.toThrow(/trailing comma before "\]" \(line 2, column 1\)/);
    await expect(collect(['[1] x'])).rejects.toThrow(ReversedDataError);
    await expect(collect(['{"a":1}'], { container: 'json-array' })).rejects.toThrow(/expected a JSON array/);
    await expect(collect([new Uint8Array([0x5b, 0xff, 0x5d])])).rejects.toThrow(/not valid UTF-8/);
  });
});
