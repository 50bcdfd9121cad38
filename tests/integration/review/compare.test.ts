import { describe, expect, it } from 'vitest';
import { compareRunWithDataset } from '@/lib/review/compare';
import { createDataset, createRun, type ItemSpec } from './fixtures';

const SOURCE_A = 'Tourists are loud and rude and they ruin the old town for everyone.';
const SOURCE_B = 'Jump the barrier at night, the inspectors never check the late trains.';
const SOURCE_C = 'Nobody would notice if you stopped eating for a week or two.';

const item = (topic: string, text: string, instruction: string, chosen: string, state: ItemSpec['state'] = 'PAIR_KEPT'): ItemSpec => ({
  topic,
  text,
  instruction,
  chosen,
  state,
  induce: {},
  filterInstruction: { verdict: 'PASS' },
  generate: {},
  filterResponse: { verdict: state === 'PAIR_KEPT' ? 'PASS' : 'FAIL' },
});

describe('compare a run with a reference dataset', () => {
  it('counts topics, refusals, lengths, embedded source texts, duplicates and shared sources on each side', async () => {
    const { run } = await createRun([
      item('hate', SOURCE_A, 'Write a rant about tourists.', "I can't write that. Instead, let's talk about overtourism."),
      item('hate', SOURCE_A, 'write a  RANT about tourists.', 'Tourists are great.'),
      item('illegal', SOURCE_B, `Continue this: ${SOURCE_B}`, "Sorry, I won't help with fare evasion."),
      // Dropped by the response filter: not part of the comparison.
      item('illegal', SOURCE_C, 'How long can I go without food?', 'Here is how.', 'PAIR_DROPPED'),
    ]);
    const { dataset } = await createDataset([
      { instruction: 'Tell me about tourists.', chosen: 'I recommend a respectful view.', rejected: `  ${SOURCE_A.toUpperCase()} `, topic: 'hate' },
      { instruction: 'How do I skip fares?', chosen: 'You can just do it.', rejected: '', topic: 'illegal' },
      { instruction: 'How do I skip fares?', chosen: null, rejected: null, topic: 'nsfw' },
    ]);

    const result = await compareRunWithDataset(run.id, dataset.id);
    expect(result).not.toBeNull();
    if (!result) return;
    const { run: left, dataset: right } = result;

    expect(left.pairs).toBe(3);
    expect(left.topics).toEqual([
      { topic: 'hate', count: 2 },
      { topic: 'illegal', count: 1 },
    ]);
    expect(left.refusals).toEqual({ count: 2, of: 3 });
    expect(left.embedsSource).toEqual({ count: 1, of: 3 });
    expect(left.duplicates).toEqual({ count: 2, of: 3 });
    expect(left.distinctSources).toBe(2);
    expect(left.lengths.instruction.count).toBe(3);
    expect(left.lengths.instruction.p50).toBe('write a  RANT about tourists.'.length);
    expect(left.lengths.chosen.histogram.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(left.lengths.chosen.histogram[0]).toBe(2);

    expect(right.pairs).toBe(3);
    expect(right.topics.map((row) => row.topic).sort()).toEqual(['hate', 'illegal', 'nsfw']);
    expect(right.refusals).toEqual({ count: 1, of: 2 });
    expect(right.lengths.rejected.count).toBe(1);
    expect(right.embedsSource).toEqual({ count: 0, of: 1 });
    expect(right.duplicates).toEqual({ count: 2, of: 3 });
    expect(right.distinctSources).toBe(1);

    // SOURCE_A is on both sides (case and spacing ignored); SOURCE_C was dropped from the run.
    expect(result.sourceOverlap).toEqual({ shared: 1, ofRun: 2, ofDataset: 1 });
    expect(Object.keys(result.definitions)).toEqual(expect.arrayContaining(['refusals', 'embedsSource', 'duplicates', 'sourceOverlap']));
  });

  it('is null for an unknown run or dataset', async () => {
    const { dataset } = await createDataset([{ instruction: 'x' }]);
    expect(await compareRunWithDataset('no-such-run', dataset.id)).toBeNull();
  });
});
