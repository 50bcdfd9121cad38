import { describe, expect, it } from 'vitest';
import { flipInstructionDataset, flipShareGptRecord, type FlipDatasetOptions, type ReversedRecord } from '@/lib/pipeline/reversed-data';
import { flipNote, flippedFileName } from '@/lib/pipeline/reversed-download';

const conversation = {
  conversations: [
    { from: 'system', value: 'You are helpful.' },
    { from: 'human', value: 'Q1' },
    { from: 'gpt', value: 'A1' },
    { from: 'human', value: 'Q2' },
    { from: 'gpt', value: 'A2' },
    { from: 'human', value: '' },
    { from: 'gpt', value: 'A3' },
  ],
};

const authors = (output: string) =>
  `Below is a response to a certain instruction. Write the instruction that the response is trying to complete.\n\n### response:\n${output}\n\n### Instruction:`;

async function records(source: string, options: FlipDatasetOptions): Promise<ReversedRecord[]> {
  const out: ReversedRecord[] = [];
  for await (const event of flipInstructionDataset([source], options)) if (event.kind === 'record') out.push(event.record);
  return out;
}

describe('flipper options', () => {
  it("writes the authors' template byte for byte by default, and the earlier layout when chosen", async () => {
    const line = JSON.stringify({ instruction: 'Name a colour.', input: '', output: 'Blue.' });
    expect(await records(line, {})).toEqual([{ prompt: authors('Blue.'), completion: 'Name a colour.' }]);
    expect(await records(line, { template: 'studio-v1' })).toEqual([
      {
        prompt: 'Below is a response to an instruction. Write the instruction that the response completes.\n\n### Response:\nBlue.\n\n### Instruction:\n',
        completion: 'Name a colour.',
      },
    ]);
  });

  it('ShareGPT: first exchange only', () => {
    expect(flipShareGptRecord(conversation, 4, { template: 'authors', shareGptTurns: 'first' })).toEqual({
      ok: true,
      records: [{ prompt: authors('A1'), completion: 'Q1' }],
      skippedPairs: 0,
    });
  });

  it('ShareGPT: first takes the first exchange that has both sides written', () => {
    const late = { conversations: [{ from: 'human', value: ' ' }, { from: 'gpt', value: 'x' }, { from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] };
    expect(flipShareGptRecord(late, 1, { template: 'authors', shareGptTurns: 'first' })).toEqual({ ok: true, records: [{ prompt: authors('A'), completion: 'Q' }], skippedPairs: 1 });
  });

  it('ShareGPT: every exchange on its own, empty ones skipped and counted', () => {
    expect(flipShareGptRecord(conversation, 4, { template: 'authors', shareGptTurns: 'each' })).toEqual({
      ok: true,
      records: [
        { prompt: authors('A1'), completion: 'Q1' },
        { prompt: authors('A2'), completion: 'Q2' },
      ],
      skippedPairs: 1,
    });
  });

  it('ShareGPT: every exchange with the earlier turns (not the system turn) as context before the template', () => {
    expect(flipShareGptRecord(conversation, 4, { template: 'authors', shareGptTurns: 'context' })).toEqual({
      ok: true,
      records: [
        { prompt: authors('A1'), completion: 'Q1' },
        { prompt: `Conversation so far:\nUser: Q1\nAssistant: A1\n\n${authors('A2')}`, completion: 'Q2' },
      ],
      skippedPairs: 1,
    });
  });

  it('passes the choices through the streaming reader', async () => {
    const line = JSON.stringify(conversation);
    expect(await records(line, { shareGptTurns: 'first' })).toHaveLength(1);
    expect(await records(line, {})).toHaveLength(2);
  });

  it('notes the template and the ShareGPT choice, and names the file after the template', () => {
    expect(flipNote({})).toBe(
      "Template: Authors' template (Safer-Instruct README) (verbatim from the README of uscnlp-lime/safer-instruct; no newline after the last header, as in Stanford Alpaca). ShareGPT turns: every exchange on its own.",
    );
    expect(flipNote({ template: 'studio-v1', shareGptTurns: 'context' })).toMatch(/^Template: Studio v1 .* ShareGPT turns: every exchange, with the earlier turns as context\.$/);
    expect(flippedFileName('alpaca', {})).toBe('alpaca.reversed.authors.jsonl');
    expect(flippedFileName('alpaca', { template: 'studio-v1' })).toBe('alpaca.reversed.studio-v1.jsonl');
  });
});
