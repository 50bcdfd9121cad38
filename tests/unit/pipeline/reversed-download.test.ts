import { describe, expect, it } from 'vitest';
import { renderReversedPrompt } from '@/lib/pipeline/prompts/reversed-template';
import { emptySummary, readableFromLines, reversedJsonlLines, streamChunks } from '@/lib/pipeline/reversed-download';

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of streamChunks(stream)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

describe('reversed training file stream', () => {
  it('streams one JSONL record per pair and counts what it left out', async () => {
    const input = [
      JSON.stringify({ instruction: 'Say hi', input: '', output: 'Hi!' }),
      '{ not json',
      JSON.stringify({ instruction: 'Add', input: '2 and 3', output: '5' }),
      JSON.stringify({ instruction: '', output: 'x' }),
    ].join('\n');
    const summary = emptySummary();
    const body = readableFromLines(reversedJsonlLines([input.slice(0, 30), input.slice(30)], { format: 'alpaca' }, summary), () => {});
    const lines = (await collect(body)).trim().split('\n').map((line) => JSON.parse(line) as { prompt: string; completion: string });
    expect(lines).toEqual([
      { prompt: renderReversedPrompt('Hi!'), completion: 'Say hi' },
      { prompt: renderReversedPrompt('5'), completion: 'Add\n\n2 and 3' },
    ]);
    expect(summary).toMatchObject({ records: 2, errorCount: 2 });
    expect(summary.errors.map((error) => error.line)).toEqual([2, 4]);
  });

  it('flips ShareGPT conversations from a JSON array', async () => {
    const input = JSON.stringify([{ conversations: [{ from: 'human', value: 'Q1' }, { from: 'gpt', value: 'A1' }, { from: 'human', value: 'Q2' }, { from: 'gpt', value: 'A2' }] }]);
    const summary = emptySummary();
    const text = await collect(readableFromLines(reversedJsonlLines([new TextEncoder().encode(input)], {}, summary), () => {}));
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(summary.records).toBe(2);
  });
});
