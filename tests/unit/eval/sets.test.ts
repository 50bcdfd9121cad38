import { describe, expect, it } from 'vitest';
import { evalSetMappingSchema, mapEvalRecord, suggestEvalMapping } from '@/lib/eval/sets';

const mapping = evalSetMappingSchema.parse({
  promptColumn: 'prompt',
  groupColumn: 'benchmark',
  referenceColumn: 'answer',
  responseColumns: [
    { column: 'response_a', label: 'Model A' },
    { column: 'response_b', label: 'Model B' },
  ],
});

describe('evaluation set mapping', () => {
  it('maps a record to a prompt with group, reference and the responses that are present', () => {
    expect(mapEvalRecord({ line: 3, fields: { prompt: 'Hi?', benchmark: ' advbench ', answer: '', response_a: 'ok', response_b: null } }, mapping, 1000)).toEqual({
      line: 3,
      prompt: 'Hi?',
      group: 'advbench',
      reference: null,
      externalId: null,
      responses: [{ label: 'Model A', text: 'ok' }],
    });
  });

  it('reports row problems with line and column', () => {
    expect(mapEvalRecord({ line: 7, fields: { prompt: '   ' } }, mapping, 1000)).toEqual({ line: 7, column: 'prompt', reason: 'empty text' });
    expect(mapEvalRecord({ line: 8, fields: { prompt: 'x', response_b: { nested: true } } }, mapping, 1000)).toMatchObject({ line: 8, column: 'response_b', reason: expect.stringMatching(/^expected text but found/) });
    expect(mapEvalRecord({ line: 9, fields: { prompt: 'x'.repeat(20) } }, mapping, 10)).toMatchObject({ line: 9, column: 'prompt' });
  });

  it('refuses duplicate labels and columns mapped twice', () => {
    expect(() => evalSetMappingSchema.parse({ promptColumn: 'p', responseColumns: [{ column: 'a', label: 'X' }, { column: 'b', label: 'x' }] })).toThrow(/same model label/);
    expect(() => evalSetMappingSchema.parse({ promptColumn: 'p', responseColumns: [{ column: 'p', label: 'X' }] })).toThrow(/mapped twice/);
  });

  it('suggests prompt, group, reference and response columns from their names', () => {
    expect(suggestEvalMapping(['id', 'benchmark', 'prompt', 'response_old', 'new_output', 'notes'])).toEqual({
      promptColumn: 'prompt',
      groupColumn: 'benchmark',
      referenceColumn: null,
      idColumn: 'id',
      responseColumns: [
        { column: 'response_old', label: 'old' },
        { column: 'new_output', label: 'new' },
      ],
    });
  });
});
