import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { DuckDBConnection } from '@duckdb/node-api';

import type { ExportRow, ExportTransform } from '@/lib/exporters/types';

/** Text that breaks naive encoders: astral emoji and ZWJ sequences, RTL, zero-width, NFD, CSV/JSON metacharacters. */
export const EXOTIC_TEXTS: readonly string[] = [
  'plain ascii',
  'emoji 👩🏽‍💻 and flag 🏳️‍🌈 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'RTL: مرحبا بالعالم — שלום עולם',
  'zero\u200bwidth\u200djoiner\u2060word\ufeffjoiner',
  'NFD: Cafe\u0301 nai\u0308ve',
  'quotes "double" and \'single\', commas, and ""doubled""',
  'line one\nline two\r\nline three\rline four',
  '  leading and trailing spaces  ',
  'tab\there, backslash \\ and slash / and <html> & {json: "x"}',
  'semicolon; pipe | hash # percent % dollar $ at @ equals =SUM(A1)',
];

export function makeRow(index: number, overrides: Partial<ExportRow> = {}): ExportRow {
  const text = (offset: number): string => EXOTIC_TEXTS[(index + offset) % EXOTIC_TEXTS.length];
  return {
    id: `row-${String(index).padStart(5, '0')}`,
    instruction: `instruction ${index}: ${text(0)}`,
    promptMessages: null,
    chosen: `chosen ${index}: ${text(1)}`,
    rejected: `rejected ${index}: ${text(2)}`,
    topic: ['hate', 'self-harm', 'illegal', 'nsfw'][index % 4],
    sourceKind: index % 2 === 0 ? 'run' : 'dataset',
    sourceId: index % 2 === 0 ? 'run-a' : 'dataset-b',
    sourceName: index % 2 === 0 ? 'Run "A", first' : 'Dataset B',
    instructionVerdict: index % 3 === 0 ? 'pass' : 'fail',
    instructionReason: index % 3 === 0 ? null : `reason ${index}: ${text(3)}`,
    responseVerdict: index % 5 === 0 ? null : 'safe',
    responseReason: index % 5 === 0 ? null : `because ${text(4)}`,
    auditStatus: (['none', 'accepted', 'rejected'] as const)[index % 3],
    humanEdited: index % 4 === 1,
    simulated: index % 6 === 5,
    ...overrides,
  };
}

/**
 * A deterministic mix: every 7th row lacks `rejected`, every 11th lacks `chosen`, one has an
 * empty-string chosen (not null) and one carries a 60 000-character text so that line batches flush mid-stream.
 */
export function makeRows(count: number): ExportRow[] {
  return Array.from({ length: count }, (_, index) => {
    const overrides: Partial<ExportRow> = {};
    if (index % 7 === 3) overrides.rejected = null;
    if (index % 11 === 4) overrides.chosen = null;
    if (index === 2) overrides.chosen = '';
    if (index === 5) overrides.topic = null;
    if (index === 8) overrides.rejected = `long ${'ß€😀'.repeat(20_000)}`;
    return makeRow(index, overrides);
  });
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'exporters-test-'));
}

export async function encodeToBuffer(transform: ExportTransform, rows: readonly ExportRow[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    Readable.from(rows),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(chunks);
}

export async function encodeToFile(transform: ExportTransform, rows: readonly ExportRow[], file: string): Promise<void> {
  await pipeline(Readable.from(rows), transform, createWriteStream(file));
}

export async function connectDuckDb(): Promise<DuckDBConnection> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  return db.connect();
}

export async function queryRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjects() as Record<string, unknown>[];
}

/** Lists and structs as plain JS arrays and objects. */
export async function queryRowsJs(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Record<string, unknown>[];
}

/** SQL string literal for a file path. */
export function sqlPath(file: string): string {
  return `'${file.replaceAll("'", "''")}'`;
}
