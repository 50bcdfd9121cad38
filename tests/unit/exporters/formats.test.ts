import { describe, expect, it } from 'vitest';

import { CSV_HEADER, encodeCsvField } from '@/lib/exporters/csv';
import { exporters } from '@/lib/exporters/registry';
import { toAlpacaRecord } from '@/lib/exporters/alpaca';
import { toHhRlhfRecord } from '@/lib/exporters/hhRlhf';
import { toOpenAiPreferenceRecord } from '@/lib/exporters/openai';
import { renderReversedPrompt, toReversedTuningRecord } from '@/lib/exporters/reversedTuning';
import { toTrlConversationalRecord, toTrlStandardRecord } from '@/lib/exporters/trl';
import { EXPORT_FORMATS, type ExportFormat, type ExportRow } from '@/lib/exporters/types';

import { encodeToBuffer, makeRow, makeRows } from './rows';

const JSONL_FORMATS = EXPORT_FORMATS.filter((format) => exporters[format].extension === 'jsonl');

async function jsonlRecords(format: ExportFormat, rows: readonly ExportRow[]): Promise<unknown[]> {
  const text = (await encodeToBuffer(exporters[format].create(), rows)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as unknown);
}

const pair = makeRow(1, { instruction: 'How do I X?', chosen: 'Safely, like this.', rejected: 'Harmfully, like that.' });

describe('record shapes', () => {
  it('TRL standard is {prompt, chosen, rejected}', async () => {
    expect(await jsonlRecords('trl-standard', [pair])).toEqual([
      { prompt: 'How do I X?', chosen: 'Safely, like this.', rejected: 'Harmfully, like that.' },
    ]);
  });

  it('TRL conversational wraps each side in a one-message list', async () => {
    expect(await jsonlRecords('trl-conversational', [pair])).toEqual([
      {
        prompt: [{ role: 'user', content: 'How do I X?' }],
        chosen: [{ role: 'assistant', content: 'Safely, like this.' }],
        rejected: [{ role: 'assistant', content: 'Harmfully, like that.' }],
      },
    ]);
  });

  it('OpenAI preference fine-tuning has input.messages and preferred/non-preferred outputs', async () => {
    expect(await jsonlRecords('openai-preference', [pair])).toEqual([
      {
        input: { messages: [{ role: 'user', content: 'How do I X?' }] },
        preferred_output: [{ role: 'assistant', content: 'Safely, like this.' }],
        non_preferred_output: [{ role: 'assistant', content: 'Harmfully, like that.' }],
      },
    ]);
  });

  it('HH-RLHF holds two full transcripts', async () => {
    expect(await jsonlRecords('hh-rlhf', [pair])).toEqual([
      {
        chosen: '\n\nHuman: How do I X?\n\nAssistant: Safely, like this.',
        rejected: '\n\nHuman: How do I X?\n\nAssistant: Harmfully, like that.',
      },
    ]);
  });

  it('Alpaca is {instruction, input: "", output: chosen}', async () => {
    expect(await jsonlRecords('alpaca', [pair])).toEqual([
      { instruction: 'How do I X?', input: '', output: 'Safely, like this.' },
    ]);
  });

  it('reversed tuning puts the response in the prompt and the instruction in the completion', async () => {
    const [record] = await jsonlRecords('reversed-tuning', [pair]);
    expect(record).toEqual({
      prompt:
        'Below is a response to a certain instruction. Write the instruction that the response is trying to complete.\n\n### response:\nSafely, like this.\n\n### Instruction:',
      completion: 'How do I X?',
    });
    expect(renderReversedPrompt('R')).toMatch(/^[^\n]+\n\n### response:\nR\n\n### Instruction:$/);
  });

  it('CSV has a header with topic, ids, verdicts, source and audit status, and CRLF records', async () => {
    expect(CSV_HEADER).toBe(
      'id,instruction,chosen,rejected,topic,source_kind,source_id,source_name,instruction_verdict,instruction_reason,response_verdict,response_reason,audit_status,human_edited,simulated\r\n',
    );
    const row = makeRow(1, {
      id: 'r1',
      instruction: 'How do I X?',
      chosen: 'Safely, like this.',
      rejected: 'Say "no"',
      topic: null,
      sourceKind: 'run',
      sourceId: 'run-9',
      sourceName: 'Run 9',
      instructionVerdict: 'pass',
      instructionReason: null,
      responseVerdict: 'safe',
      responseReason: '',
      auditStatus: 'accepted',
      humanEdited: true,
      simulated: false,
    });
    const text = (await encodeToBuffer(exporters.csv.create(), [row])).toString('utf8');
    expect(text).toBe(
      `${CSV_HEADER}r1,How do I X?,"Safely, like this.","Say ""no""",,run,run-9,Run 9,pass,,safe,"",accepted,true,false\r\n`,
    );
  });

  it('CSV quotes per RFC 4180 and keeps null apart from the empty string', () => {
    expect(encodeCsvField('a "b", c')).toBe('"a ""b"", c"');
    expect(encodeCsvField('x\ny')).toBe('"x\ny"');
    expect(encodeCsvField('x\ry')).toBe('"x\ry"');
    expect(encodeCsvField('plain')).toBe('plain');
    expect(encodeCsvField(null)).toBe('');
    expect(encodeCsvField('')).toBe('""');
    expect(encodeCsvField(true)).toBe('true');
  });

  it('an empty CSV export is just the header', async () => {
    expect((await encodeToBuffer(exporters.csv.create(), [])).toString('utf8')).toBe(CSV_HEADER);
  });
});

describe('incomplete pairs', () => {
  const rows = makeRows(40);
  // A blank side (empty or whitespace only) is as missing as null; makeRows has an empty chosen.
  const present = (text: string | null): boolean => text !== null && text.trim() !== '';
  const complete = rows.filter((row) => present(row.chosen) && present(row.rejected)).length;
  const withChosen = rows.filter((row) => present(row.chosen)).length;

  it.each(EXPORT_FORMATS)('%s skips exactly the rows missing a side it requires and counts them', async (format) => {
    const exporter = exporters[format];
    const transform = exporter.create();
    const bytes = await encodeToBuffer(transform, rows);
    const expectedRows = { both: complete, chosen: withChosen, none: rows.length }[exporter.requiredSides];
    expect(transform.stats).toEqual({
      rowsIn: rows.length,
      rowsWritten: expectedRows,
      skippedIncomplete: rows.length - expectedRows,
    });
    expect(exporter.needsBothSides).toBe(exporter.requiredSides === 'both');
    if (exporter.extension === 'jsonl') {
      expect(bytes.toString('utf8').split('\n').length - 1).toBe(expectedRows);
    }
  });

  it('the sample really has incomplete rows of both kinds', () => {
    expect(complete).toBeLessThan(withChosen);
    expect(withChosen).toBeLessThan(rows.length);
  });

  it('Alpaca keeps a row that lacks only the rejected side', async () => {
    const row = makeRow(3, { rejected: null });
    expect(await jsonlRecords('alpaca', [row])).toEqual([{ instruction: row.instruction, input: '', output: row.chosen }]);
    expect(await jsonlRecords('trl-standard', [row, pair])).toHaveLength(1);
  });
});

const RECORD_BUILDERS: Record<string, (row: ExportRow) => unknown> = {
  'trl-standard': (row) => toTrlStandardRecord(row),
  'trl-conversational': toTrlConversationalRecord,
  'openai-preference': toOpenAiPreferenceRecord,
  'hh-rlhf': toHhRlhfRecord,
  alpaca: toAlpacaRecord,
  'reversed-tuning': toReversedTuningRecord,
};

describe('JSONL text fidelity', () => {
  it('every JSONL format has a record builder under test', () => {
    expect(Object.keys(RECORD_BUILDERS).sort()).toEqual([...JSONL_FORMATS].sort());
  });

  it.each(JSONL_FORMATS)('%s writes one line per record and round-trips newlines, quotes and unicode', async (format) => {
    const rows = makeRows(30);
    const expected = rows.map(RECORD_BUILDERS[format]).filter((record) => record !== null);
    expect(await jsonlRecords(format, rows)).toEqual(expected);
  });
});
