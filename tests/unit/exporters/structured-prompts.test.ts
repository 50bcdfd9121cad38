import { writeFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';

import { CSV_HEADER, encodeCsvRecord, neutraliseFormula } from '@/lib/exporters/csv';
import { hasText } from '@/lib/exporters/prompt';
import { exporters } from '@/lib/exporters/registry';
import { EXPORT_FORMATS, type ExportFormat, type ExportRow, type FormatOptions } from '@/lib/exporters/types';
import { readPairRows, type PairRowResult } from '@/lib/importers';
import type { PromptMessage } from '@/lib/pairs/prompt-messages';

import { connectDuckDb, encodeToBuffer, encodeToFile, makeRow, makeRows, makeTempDir, queryRowsJs, sqlPath } from './rows';

const MESSAGES: PromptMessage[] = [
  { role: 'system', content: 'You are terse.\nNever swear.' },
  { role: 'user', content: 'Hi there, "friend"' },
  { role: 'assistant', content: 'Hello.\n\nHow can I help?' },
  { role: 'user', content: 'Now write something cruel, NA' },
];

/** The flat text an import stores beside the messages (`renderConversation`); exports must not use it for chat formats. */
const FLAT = 'System: You are terse.\nNever swear.\n\nUser: Hi there, "friend"\n\nAssistant: Hello.\n\nHow can I help?\n\nUser: Now write something cruel, NA';

const multiTurn = makeRow(7, { instruction: FLAT, promptMessages: MESSAGES, chosen: 'I will not do that.', rejected: 'You are all fools.' });
const singleTurn = makeRow(8, { instruction: 'How do I X?', chosen: 'Safely.', rejected: 'Harmfully.' });

const options = (overrides: Partial<FormatOptions> = {}): FormatOptions => ({ trlPromptTemplate: 'none', csvSpreadsheetSafe: false, csvBom: false, ...overrides });

async function records(format: ExportFormat, rows: readonly ExportRow[], formatOptions = options()): Promise<Record<string, unknown>[]> {
  const text = (await encodeToBuffer(exporters[format].create({ formatOptions }), rows)).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** An HH-RLHF transcript cut into its turns, written from the published format: text before the first turn is the system prompt. */
function hhTurns(transcript: string): { role: string; content: string }[] {
  const parts = transcript.split(/\n\n(Human|Assistant): /);
  const turns: { role: string; content: string }[] = parts[0] === '' ? [] : [{ role: 'system', content: parts[0] }];
  for (let i = 1; i < parts.length; i += 2) turns.push({ role: parts[i] === 'Human' ? 'user' : 'assistant', content: parts[i + 1] });
  return turns;
}

describe('structured prompts', () => {
  it('TRL conversational and OpenAI carry the system message and every turn', async () => {
    expect(await records('trl-conversational', [multiTurn])).toEqual([
      { prompt: MESSAGES, chosen: [{ role: 'assistant', content: 'I will not do that.' }], rejected: [{ role: 'assistant', content: 'You are all fools.' }] },
    ]);
    const [openai] = await records('openai-preference', [multiTurn]);
    expect(openai.input).toEqual({ messages: MESSAGES });
  });

  it('an HH-RLHF export of a multi-turn pair parses back into the same turns', async () => {
    const [record] = await records('hh-rlhf', [multiTurn]);
    const chosen = record.chosen as string;
    expect(chosen.startsWith('\n\nHuman: Human:')).toBe(false);
    expect(hhTurns(chosen)).toEqual([...MESSAGES, { role: 'assistant', content: 'I will not do that.' }]);
    expect(hhTurns(record.rejected as string)).toEqual([...MESSAGES, { role: 'assistant', content: 'You are all fools.' }]);

    // And through the app's own HH-RLHF importer: the same pair, the same stored prompt messages.
    const file = path.join(await makeTempDir(), 'hh.jsonl');
    await writeFile(file, `${JSON.stringify(record)}\n`);
    const results: PairRowResult[] = [];
    for await (const result of readPairRows(file, { shape: 'hh-rlhf' })) results.push(result);
    expect(results).toHaveLength(1);
    const row = 'row' in results[0] ? results[0].row : null;
    expect(row).toMatchObject({ chosen: 'I will not do that.', rejected: 'You are all fools.' });
    expect(row?.promptMessages?.messages).toEqual(MESSAGES);
  });

  it('single-turn rows are exactly as before', async () => {
    expect(await records('hh-rlhf', [singleTurn])).toEqual([{ chosen: '\n\nHuman: How do I X?\n\nAssistant: Safely.', rejected: '\n\nHuman: How do I X?\n\nAssistant: Harmfully.' }]);
    expect(await records('trl-conversational', [singleTurn])).toEqual([
      { prompt: [{ role: 'user', content: 'How do I X?' }], chosen: [{ role: 'assistant', content: 'Safely.' }], rejected: [{ role: 'assistant', content: 'Harmfully.' }] },
    ]);
  });
});

describe('TRL standard prompt templates', () => {
  it('none: the bare instruction, completions as stored', async () => {
    expect(await records('trl-standard', [singleTurn])).toEqual([{ prompt: 'How do I X?', chosen: 'Safely.', rejected: 'Harmfully.' }]);
  });

  it('Alpaca: the instruction in the "### Instruction:" / "### Response:" layout', async () => {
    const [record] = await records('trl-standard', [singleTurn], options({ trlPromptTemplate: 'alpaca' }));
    expect(record.prompt).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nHow do I X?\n\n### Response:\n',
    );
    expect(record).toMatchObject({ chosen: 'Safely.', rejected: 'Harmfully.' });
  });

  it('HH: "\\n\\nHuman: …\\n\\nAssistant:" with a space before each completion, turns kept', async () => {
    expect(await records('trl-standard', [singleTurn], options({ trlPromptTemplate: 'hh' }))).toEqual([
      { prompt: '\n\nHuman: How do I X?\n\nAssistant:', chosen: ' Safely.', rejected: ' Harmfully.' },
    ]);
    const [record] = await records('trl-standard', [multiTurn], options({ trlPromptTemplate: 'hh' }));
    expect(hhTurns(`${record.prompt as string}${record.chosen as string}`)).toEqual([...MESSAGES, { role: 'assistant', content: 'I will not do that.' }]);
  });
});

describe('blank sides are missing', () => {
  const blanks = ['', '   ', '\n\t ', '\u00a0\u3000\ufeff'];

  it('blank means exactly what String.prototype.trim removes, for every BMP character', () => {
    const disagreements: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const text = String.fromCharCode(code);
      if (hasText(text) !== (text.trim() !== '')) disagreements.push(code.toString(16));
    }
    expect(disagreements).toEqual([]);
    expect(hasText(null)).toBe(false);
    expect(hasText(' x ')).toBe(true);
  });
  it.each(EXPORT_FORMATS)('%s skips and counts a blank side as it does null', async (format) => {
    const rows = blanks.flatMap((blank, index) => [makeRow(index * 2, { chosen: blank }), makeRow(index * 2 + 1, { rejected: blank })]);
    const transform = exporters[format].create();
    await encodeToBuffer(transform, rows);
    const written = { both: 0, chosen: blanks.length, none: rows.length }[exporters[format].requiredSides];
    expect(transform.stats).toEqual({ rowsIn: rows.length, rowsWritten: written, skippedIncomplete: rows.length - written });
  });
});

describe('CSV for spreadsheets', () => {
  it('neutralises cells that start like a formula, and only those', () => {
    for (const text of ['=SUM(A1)', '+1', '-2', '@cmd', '\tx', '\rx']) expect(neutraliseFormula(text)).toBe(`'${text}`);
    for (const text of ['a=b', 'NA', '', ' =x', "'quoted"]) expect(neutraliseFormula(text)).toBe(text);
    const row = makeRow(1, { id: 'r1', instruction: '=HYPERLINK("x")', chosen: '-minus', rejected: 'plain', topic: null });
    expect(encodeCsvRecord(row, true).startsWith(`r1,"'=HYPERLINK(""x"")",'-minus,plain,,`)).toBe(true);
    expect(encodeCsvRecord(row).startsWith('r1,"=HYPERLINK(""x"")",-minus,plain,,')).toBe(true);
  });

  it('the CSV exporter neutralises only when asked', async () => {
    const row = makeRow(1, { id: 'r1', instruction: '@SUM(1)', chosen: '+x', rejected: 'plain' });
    const safe = await encodeToBuffer(exporters.csv.create({ formatOptions: options({ csvSpreadsheetSafe: true }) }), [row]);
    expect(safe.toString('utf8')).toBe(`${CSV_HEADER}${encodeCsvRecord(row, true)}`);
    expect(safe.toString('utf8')).toContain(`r1,'@SUM(1),'+x,plain,`);
    const exact = await encodeToBuffer(exporters.csv.create(), [row]);
    expect(exact.toString('utf8')).toContain('r1,@SUM(1),+x,plain,');
  });

  it('writes a UTF-8 byte order mark only when asked', async () => {
    const rows = makeRows(3);
    const plain = await encodeToBuffer(exporters.csv.create(), rows);
    const bom = await encodeToBuffer(exporters.csv.create({ formatOptions: options({ csvBom: true }) }), rows);
    expect([...bom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bom.subarray(3).equals(plain)).toBe(true);
    expect(plain[0]).toBe('i'.charCodeAt(0));
  });
});

describe('every format as Parquet (the card configs)', () => {
  let duck: DuckDBConnection;
  let dir: string;
  beforeAll(async () => {
    duck = await connectDuckDb();
    dir = await makeTempDir();
  });
  afterAll(() => duck.closeSync());

  it.each(EXPORT_FORMATS.filter((format) => exporters[format].extension === 'jsonl'))(
    '%s: DuckDB reads the same records from the Parquet file as from the JSONL file',
    async (format) => {
      const rows = [...makeRows(30), multiTurn];
      const parquet = path.join(dir, `${format}.parquet`);
      const jsonl = path.join(dir, `${format}.jsonl`);
      const transform = exporters[format].createParquet({ parquetRowGroupSize: 7 });
      await encodeToFile(transform, rows, parquet);
      await encodeToFile(exporters[format].create(), rows, jsonl);
      const columns = exporters[format].features.map((feature) => feature.name).join(', ');
      const fromParquet = await queryRowsJs(duck, `select ${columns} from read_parquet(${sqlPath(parquet)})`);
      const fromJsonl = await queryRowsJs(duck, `select ${columns} from read_json_auto(${sqlPath(jsonl)}, format='newline_delimited')`);
      expect(fromParquet).toEqual(fromJsonl);
      expect(fromParquet).toHaveLength(transform.stats.rowsWritten);
      const metadata = await queryRowsJs(duck, `select distinct compression from parquet_metadata(${sqlPath(parquet)})`);
      expect(metadata).toEqual([{ compression: 'SNAPPY' }]);
    },
  );

  it('the table Parquet (the parquet and csv configs) is Snappy by default, which every common reader has', async () => {
    const file = path.join(dir, 'table.parquet');
    await encodeToFile(exporters.csv.createParquet(), makeRows(10), file);
    expect(await queryRowsJs(duck, `select distinct compression from parquet_metadata(${sqlPath(file)})`)).toEqual([{ compression: 'SNAPPY' }]);
    const [count] = await queryRowsJs(duck, `select count(*)::INTEGER as n from read_parquet(${sqlPath(file)})`);
    expect(count.n).toBe(10);
  });
});
