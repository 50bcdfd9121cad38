// Rows read through binary COPY, with the TRL standard lines built by Postgres (issue 16), against
// rows read through the cursor and encoded in JavaScript: every format's file must be the same
// bytes, over texts chosen to break a JSON encoder, a blank-side check or a binary parser.
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { closePools, pool } from '@/lib/db/pools';
import { hasText } from '@/lib/exporters/prompt';
import { SelectionReader, withSnapshot, type RowsOptions } from '@/lib/exporters/query';
import { exporters, sqlLinesFor } from '@/lib/exporters/registry';
import { exportSelectionSchema, type ExportSelection } from '@/lib/exporters/request';
import { toTrlStandardRecord } from '@/lib/exporters/trl';
import { DEFAULT_FORMAT_OPTIONS, EXPORT_FORMATS, TRL_PROMPT_TEMPLATES, type ExportFormat, type ExportRow, type FormatOptions } from '@/lib/exporters/types';

/** Every character `String.prototype.trim` removes: a side of only these is blank. */
const BLANKS = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)), '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];

const CONTROLS = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('');
const HOSTILE: string[] = [
  `every control character: ${CONTROLS} and DEL \u007f`,
  'C1 controls \u0080\u0085\u009f, NEL \u0085 alone',
  'quotes " \\" \\\\" and backslashes \\ \\\\ \\u0041 \\n (as text)',
  'line separators \u2028 and \u2029 in the middle',
  '</script><!-- --> & <b>html</b>',
  "SQL-ish '; DROP TABLE \"Pair\"; -- $$ E'\\x41' $1",
  'emoji 👩🏽‍💻🏳️‍🌈 and astral 𝔘𝔫𝔦 at the end 😀',
  'RTL مرحبا שלום with \u200f marks \u200e',
  'combining Cafe\u0301 and zero width \u200b\u200c\u200d\u2060',
  '\ufeffstarts with a BOM',
  '\u3000ideographic space, then text',
  ' \n\t indented after blanks',
  '\u200b',
  '\u180e',
  '\u0085',
  `long ${'ß€😀"\\\n\u0001'.repeat(30_000)}`,
  ...BLANKS,
  BLANKS.join(''),
  '',
];

describe('rows read through COPY, lines built by Postgres', () => {
  let selection: ExportSelection;
  const count = HOSTILE.length * 2;

  beforeAll(async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const dataset = await db().preferenceDataset.create({ data: { name: `Hostile "texts" ${tag}` } });
    const text = (i: number) => HOSTILE[i % HOSTILE.length];
    await db().pair.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        origin: 'IMPORTED' as const,
        datasetId: dataset.id,
        topic: i % 5 === 0 ? null : text(i + 3).slice(0, 40),
        instruction: i % 3 === 0 ? text(i) : `${tag} ${text(i)}`,
        chosen: i % 13 === 5 ? null : text(i + 1),
        rejected: i % 11 === 7 ? null : i % 2 === 0 ? text(i + 2) : `rejected: ${text(i + 7)}`,
        instructionVerdict: 'PASS' as const,
        instructionReason: i % 4 === 0 ? null : text(i + 5),
        responseVerdict: 'FAIL' as const,
        responseReason: i % 6 === 0 ? null : text(i + 6),
        status: 'KEPT' as const,
        humanEdited: i % 7 === 0,
        simulated: false,
        // A structured prompt that still describes its instruction, one that no longer does, and one of the wrong shape.
        promptMessages:
          i % 9 === 0
            ? { instruction: i % 3 === 0 ? text(i) : `${tag} ${text(i)}`, messages: [{ role: 'system', content: text(i + 4) }, { role: 'user', content: text(i + 8) }] }
            : i % 9 === 1
              ? { instruction: 'stale', messages: [{ role: 'user', content: 'x' }] }
              : i % 9 === 2
                ? { messages: 'not a list' }
                : undefined,
      })),
    });
    selection = exportSelectionSchema.parse({ datasetIds: [dataset.id], dedupInstructions: false, excludeAuditRejected: false });
  });

  afterAll(async () => {
    await closePools(['exports']);
  });

  async function readRows(options: RowsOptions): Promise<ExportRow[]> {
    const client = await pool('exports').connect();
    try {
      return await withSnapshot(client, async () => {
        const rows: ExportRow[] = [];
        for await (const row of new SelectionReader(client, selection, 5).rows(options)) rows.push(row);
        return rows;
      });
    } finally {
      client.release();
    }
  }

  async function exportFile(format: ExportFormat, formatOptions: FormatOptions, options: RowsOptions): Promise<{ bytes: Buffer; written: number; skipped: number }> {
    const rows = await readRows({ ...options, lines: sqlLinesFor([format], formatOptions) });
    const transform = exporters[format].create({ formatOptions, parquetRowGroupSize: 9 });
    const chunks: Buffer[] = [];
    await pipeline(Readable.from(rows), transform, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) chunks.push(chunk);
    });
    return { bytes: Buffer.concat(chunks), written: transform.stats.rowsWritten, skipped: transform.stats.skippedIncomplete };
  }

  it('reads the same rows as the cursor, and Postgres decides blank sides exactly as hasText', async () => {
    const viaCursor = await readRows({ via: 'cursor' });
    const viaCopy = await readRows({ via: 'copy' });
    expect(viaCopy).toHaveLength(count);
    expect(viaCopy.map((row) => row.id)).toEqual(viaCursor.map((row) => row.id));
    const fields = (row: ExportRow) => ({
      id: row.id,
      instruction: row.instruction,
      promptMessages: row.promptMessages,
      chosen: row.chosen,
      rejected: row.rejected,
      topic: row.topic,
      sourceKind: row.sourceKind,
      sourceId: row.sourceId,
      sourceName: row.sourceName,
      instructionVerdict: row.instructionVerdict,
      instructionReason: row.instructionReason,
      responseVerdict: row.responseVerdict,
      responseReason: row.responseReason,
      auditStatus: row.auditStatus,
      humanEdited: row.humanEdited,
      simulated: row.simulated,
    });
    expect(viaCopy.map(fields)).toEqual(viaCursor.map(fields));
    expect(viaCopy.some((row) => row.promptMessages !== null)).toBe(true);
    for (const row of viaCopy) expect(row.encoded?.bothSides, row.id).toBe(hasText(row.chosen) && hasText(row.rejected));
    expect(viaCopy.some((row) => row.encoded?.bothSides === false && row.chosen !== null && row.rejected !== null)).toBe(true);
  });

  it('each TRL standard line Postgres builds is JSON.stringify of the record, byte for byte', async () => {
    for (const trlPromptTemplate of TRL_PROMPT_TEMPLATES) {
      const options = { ...DEFAULT_FORMAT_OPTIONS, trlPromptTemplate };
      const [lineSql] = sqlLinesFor(['trl-standard'], options);
      if (trlPromptTemplate === 'hh') {
        expect(lineSql).toBeUndefined();
        continue;
      }
      const rows = await readRows({ via: 'copy', lines: [lineSql] });
      for (const row of rows) {
        const record = toTrlStandardRecord(row, options);
        const line = row.encoded?.lines.get(lineSql);
        expect(line === null ? null : Buffer.from(line as Uint8Array).toString('utf8'), `${trlPromptTemplate} ${row.id}`).toBe(record === null ? null : JSON.stringify(record));
      }
    }
  });

  it('every format writes the same file from COPY (full rows, and lines-only where Postgres builds the lines) as from the cursor', async () => {
    const cases: { format: ExportFormat; options: FormatOptions }[] = [
      ...EXPORT_FORMATS.map((format) => ({ format, options: DEFAULT_FORMAT_OPTIONS })),
      ...TRL_PROMPT_TEMPLATES.map((trlPromptTemplate) => ({ format: 'trl-standard' as const, options: { ...DEFAULT_FORMAT_OPTIONS, trlPromptTemplate } })),
      { format: 'csv', options: { ...DEFAULT_FORMAT_OPTIONS, csvSpreadsheetSafe: true, csvBom: true } },
    ];
    for (const { format, options } of cases) {
      const label = `${format} ${JSON.stringify(options)}`;
      const cursor = await exportFile(format, options, { via: 'cursor' });
      const copy = await exportFile(format, options, { via: 'copy' });
      expect(copy.written, label).toBe(cursor.written);
      expect(copy.skipped, label).toBe(cursor.skipped);
      if (format === 'parquet') {
        // The same values; byte layout may differ (hyparquet-writer sizes pages by UTF-16 length for strings, by bytes for bytes).
        const read = async (bytes: Buffer) => parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer });
        expect(await read(copy.bytes), label).toEqual(await read(cursor.bytes));
        continue;
      }
      expect(copy.bytes.equals(cursor.bytes), label).toBe(true);
      if (sqlLinesFor([format], options).length > 0) {
        const lean = await exportFile(format, options, { via: 'copy', linesOnly: true });
        expect(lean.bytes.equals(cursor.bytes), `${label} lines-only`).toBe(true);
      }
    }
  });

  it('each format’s card-config Parquet holds the same records from COPY bytes as from the cursor’s strings', async () => {
    for (const format of EXPORT_FORMATS) {
      const encode = async (via: 'copy' | 'cursor') => {
        const rows = await readRows({ via });
        const transform = exporters[format].createParquet({ formatOptions: DEFAULT_FORMAT_OPTIONS, parquetRowGroupSize: 9, parquetWorker: via === 'copy' });
        const chunks: Buffer[] = [];
        await pipeline(Readable.from(rows), transform, async (source: AsyncIterable<Buffer>) => {
          for await (const chunk of source) chunks.push(chunk);
        });
        const bytes = Buffer.concat(chunks);
        return parquetReadObjects({ file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer });
      };
      expect(await encode('copy'), format).toEqual(await encode('cursor'));
    }
  });

  it('a row read lines-only refuses to hand out what it did not read rather than pretend it is missing', async () => {
    const [row] = await readRows({ via: 'copy', linesOnly: true });
    expect(row.instruction.length).toBeGreaterThanOrEqual(0);
    expect(() => row.chosen).toThrow(/lines-only/);
    expect(() => row.promptMessages).toThrow(/lines-only/);
    expect(() => row.sourceName).toThrow(/lines-only/);
    expect(() => row.auditStatus).toThrow(/lines-only/);
  });

  it('a consumer that stops early leaves the connection usable (the COPY runs out)', async () => {
    const client = await pool('exports').connect();
    try {
      await withSnapshot(client, async () => {
        for await (const row of new SelectionReader(client, selection).rows({ via: 'copy' })) {
          expect(row.id).toBeTruthy();
          break;
        }
        const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
        expect(rows[0].one).toBe(1);
      });
    } finally {
      client.release();
    }
  });
});
