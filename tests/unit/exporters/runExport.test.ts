import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { inflateRawSync } from 'node:zlib';

import type { DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';

import { writeBundle } from '@/lib/exporters/bundle';
import type { Manifest } from '@/lib/exporters/manifest';
import { configFileName, dataFileName, runExport, type RunExportOptions, type RunExportResult } from '@/lib/exporters/runExport';
import { assignSplit, splitTrainTest } from '@/lib/exporters/selection';
import { EXPORT_FORMATS, type ExportRow } from '@/lib/exporters/types';

import { connectDuckDb, makeRow, makeRows, makeTempDir, queryRows, sqlPath } from './rows';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

type ZipEntry = { name: string; data: Buffer };

/** Reads a zip through its central directory, independently of yazl (no zip64: test archives are small). */
function readZip(zip: Buffer): ZipEntry[] {
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error('no end-of-central-directory record');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(offset)).toBe(0x02014b50);
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    expect(zip.readUInt32LE(localOffset)).toBe(0x04034b50);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : inflateRawSync(raw);
    expect(data.length).toBe(size);
    entries.push({ name, data });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function frontMatterNumbers(card: string): Map<string, number> {
  // "- name: train\n    num_examples: M" and "download_size: B" under each "- config_name: X"
  const numbers = new Map<string, number>();
  const info = card.slice(card.indexOf('dataset_info:'), card.indexOf('\n---\n'));
  for (const block of info.split('- config_name: ').slice(1)) {
    const config = block.slice(0, block.indexOf('\n'));
    for (const match of block.matchAll(/- name: (\w+)\n\s+num_examples: (\d+)/g)) {
      numbers.set(`${config}/${match[1]}:examples`, Number(match[2]));
    }
    const download = /download_size: (\d+)/.exec(block);
    if (download) numbers.set(`${config}:download`, Number(download[1]));
    expect(block).not.toMatch(/num_bytes|dataset_size/);
  }
  return numbers;
}

const CREATED_AT = new Date('2025-01-02T03:04:05Z');

function options(overrides: Partial<RunExportOptions> = {}): RunExportOptions {
  return {
    formats: EXPORT_FORMATS,
    split: { kind: 'hash', seed: 'split-seed', trainRatio: 0.75 },
    dedupInstructions: true,
    parquetRowGroupSize: 40,
    recipe: {
      name: 'safer-instruct',
      version: '3',
      prompts: [{ name: 'induction', version: '2', sha256: 'ab'.repeat(32) }],
      models: [{ role: 'expert', model: 'gpt-4-0613' }],
      parameters: { temperature: 0.2, filters: ['coherence', 'match'] },
    },
    card: { prettyName: 'Test export', license: 'cc-by-nc-4.0', language: ['en'] },
    appVersion: '0.1.0-test',
    selection: { runs: ['run-a'], datasets: ['dataset-b'], topics: null },
    createdAt: CREATED_AT,
    ...overrides,
  };
}

/** 200 rows plus 3 rows whose instructions repeat earlier ones after normalisation. */
function exportRows(): ExportRow[] {
  const rows = makeRows(200);
  return [
    ...rows,
    makeRow(900, { id: 'dup-1', instruction: rows[10].instruction.toUpperCase() }),
    makeRow(901, { id: 'dup-2', instruction: `  ${rows[11].instruction}\u200b ` }),
    makeRow(902, { id: 'dup-3', instruction: rows[12].instruction.normalize('NFD') }),
  ];
}

async function* slowly(rows: readonly ExportRow[]): AsyncGenerator<ExportRow> {
  for (const [index, row] of rows.entries()) {
    if (index % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    yield row;
  }
}

describe('runExport', () => {
  const rows = exportRows();
  let dir: string;
  let result: RunExportResult;
  let duck: DuckDBConnection;

  beforeAll(async () => {
    dir = await makeTempDir();
    duck = await connectDuckDb();
    result = await runExport(slowly(rows), options(), dir);
  });

  it('counts rows, duplicates, splits, topics and audit states', () => {
    const kept = rows.slice(0, 200);
    const train = kept.filter((row) => assignSplit(row.id, 'split-seed', 0.75) === 'train').length;
    expect(result.counts).toMatchObject({
      rowsIn: 203,
      duplicatesRemoved: 3,
      rowsExported: 200,
      perSplit: { train, test: 200 - train },
      // A blank side (makeRows has an empty chosen) is as missing as null.
      incompletePairs: kept.filter((row) => row.chosen === null || row.rejected === null || row.chosen.trim() === '' || row.rejected.trim() === '').length,
      simulated: kept.filter((row) => row.simulated).length,
      humanEdited: kept.filter((row) => row.humanEdited).length,
      audit: {
        none: kept.filter((row) => row.auditStatus === 'none').length,
        accepted: kept.filter((row) => row.auditStatus === 'accepted').length,
        rejected: kept.filter((row) => row.auditStatus === 'rejected').length,
      },
    });
    const topicTotal = Object.values(result.counts.perTopic).reduce(
      (sum, perSplit) => sum + (perSplit.train ?? 0) + (perSplit.test ?? 0),
      0,
    );
    expect(topicTotal).toBe(200);
    expect(result.counts.perTopic['(none)']).toBeDefined();
  });

  it('puts every row in the split its seed assigns, and in no other', async () => {
    const train = await queryRows(duck, `select id from read_parquet(${sqlPath(path.join(dir, 'parquet/train.parquet'))})`);
    const test = await queryRows(duck, `select id from read_csv(${sqlPath(path.join(dir, 'csv/test.csv'))}, header=true, all_varchar=true)`);
    const trainIds = train.map((row) => row.id as string);
    const testIds = test.map((row) => row.id as string);
    expect(trainIds.every((id) => assignSplit(id, 'split-seed', 0.75) === 'train')).toBe(true);
    expect(testIds.every((id) => assignSplit(id, 'split-seed', 0.75) === 'test')).toBe(true);
    expect(new Set([...trainIds, ...testIds]).size).toBe(200);
    expect(trainIds).not.toContain('dup-1');
  });

  it('manifest.json lists every file with its true size and SHA-256', async () => {
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    // Every format's own file, then the Parquet file its card config reads (one file for Parquet itself).
    expect(manifest.files.map((file) => file.name)).toEqual([
      ...EXPORT_FORMATS.flatMap((format) =>
        (['train', 'test'] as const).flatMap((split) => [...new Set([dataFileName(format, split), configFileName(format, split)])]),
      ),
      'README.md',
    ]);
    for (const file of manifest.files) {
      const bytes = await readFile(path.join(dir, file.name));
      expect(file.sha256).toBe(sha256(bytes));
      expect(file.bytes).toBe(bytes.length);
    }
    expect(manifest).toMatchObject({
      app: { name: 'safer-instruct-studio', version: '0.1.0-test' },
      createdAt: CREATED_AT.toISOString(),
      selection: { runs: ['run-a'], datasets: ['dataset-b'], topics: null },
      recipe: { name: 'safer-instruct', version: '3' },
      split: { method: 'hash', seed: 'split-seed', trainRatio: 0.75, key: 'id' },
      dedupInstructions: true,
      simulated: result.counts.simulated > 0,
      formatOptions: { trlPromptTemplate: 'none', csvSpreadsheetSafe: false, csvBom: false },
    });
    expect(manifest.counts).toEqual(result.counts);
  });

  it('the card front matter has the numbers of the files on disk', async () => {
    const card = await readFile(path.join(dir, 'README.md'), 'utf8');
    const numbers = frontMatterNumbers(card);
    const downloads = new Map<string, number>();
    for (const file of result.files.filter((entry) => entry.format !== undefined)) {
      const bytes = await readFile(file.path);
      let records: number;
      if (file.name.endsWith('.parquet')) {
        const [row] = await queryRows(duck, `select count(*)::INTEGER as n from read_parquet(${sqlPath(file.path)})`);
        records = row.n as number;
      } else if (file.format === 'csv') {
        const [row] = await queryRows(duck, `select count(*)::INTEGER as n from read_csv(${sqlPath(file.path)}, header=true, all_varchar=true)`);
        records = row.n as number;
      } else {
        records = bytes.toString('utf8').split('\n').length - 1;
      }
      expect(records).toBe(file.rows);
      const key = `${file.format}/${file.split}`;
      // The card's configs count the Parquet files; a format's own file holds the same records.
      if (records === 0) {
        expect(numbers.has(`${key}:examples`)).toBe(false);
      } else {
        expect(numbers.get(`${key}:examples`)).toBe(records);
        if (file.name.endsWith('.parquet')) downloads.set(file.format ?? '', (downloads.get(file.format ?? '') ?? 0) + bytes.length);
      }
    }
    for (const [format, bytes] of downloads) expect(numbers.get(`${format}:download`)).toBe(bytes);
    expect(downloads.size).toBe(EXPORT_FORMATS.length);
    const pairwise = result.files.find((file) => file.name === 'trl-standard/train.jsonl');
    const csv = result.files.find((file) => file.name === 'csv/train.csv');
    expect(pairwise?.skippedIncomplete).toBeGreaterThan(0);
    expect((pairwise?.rows ?? 0) + (pairwise?.skippedIncomplete ?? 0)).toBe(csv?.rows);
  });

  it('the zip holds exactly the files the manifest lists plus manifest.json, byte for byte', async () => {
    expect(result.bundle).not.toBeNull();
    const zipBytes = await readFile(result.bundle?.path ?? '');
    expect(sha256(zipBytes)).toBe(result.bundle?.sha256);
    expect(zipBytes.length).toBe(result.bundle?.bytes);
    const entries = readZip(zipBytes);
    // One top-level folder (the zip's name), so unzipping never spills into the current directory.
    const manifestEntry = entries.find((entry) => entry.name === 'dataset/manifest.json');
    expect(manifestEntry).toBeDefined();
    const manifest = JSON.parse(manifestEntry?.data.toString('utf8') ?? '{}') as Manifest;
    expect(entries.map((entry) => entry.name)).toEqual([...manifest.files.map((file) => `dataset/${file.name}`), 'dataset/manifest.json']);
    for (const file of manifest.files) {
      expect(sha256(entries.find((entry) => entry.name === `dataset/${file.name}`)?.data ?? Buffer.alloc(0))).toBe(file.sha256);
    }
  });

  it('writes files that only their owner can read (0600) in directories only their owner can enter (0700)', async () => {
    const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
    expect(await mode(dir)).toBe(0o700);
    for (const format of EXPORT_FORMATS) expect({ format, mode: await mode(path.join(dir, format)) }).toEqual({ format, mode: 0o700 });
    for (const file of result.files) expect({ name: file.name, mode: await mode(file.path) }).toEqual({ name: file.name, mode: 0o600 });
    expect(await mode(result.bundle?.path ?? '')).toBe(0o600);
  });

  it('is reproducible: same rows, seed and time give a byte-identical zip; another seed changes the split', async () => {
    const again = await runExport(slowly(rows), options(), await makeTempDir());
    expect(again.bundle?.sha256).toBe(result.bundle?.sha256);
    const reseeded = await runExport(
      rows,
      options({ split: { kind: 'hash', seed: 'other-seed', trainRatio: 0.75 }, formats: ['csv'], bundle: false }),
      await makeTempDir(),
    );
    expect(reseeded.bundle).toBeNull();
    const before = result.files.find((file) => file.name === 'csv/train.csv')?.sha256;
    expect(reseeded.files.find((file) => file.name === 'csv/train.csv')?.sha256).not.toBe(before);
  });

  it('follows a precomputed exact split and names a row that is missing from it', async () => {
    const kept = rows.slice(0, 200);
    const exact = splitTrainTest(kept, { ratio: 0.5, seed: 'exact', stratifyBy: 'topic' });
    const plan = { kind: 'exact', seed: 'exact', trainRatio: 0.5, stratifyBy: 'topic', splitOf: exact.splitOf } as const;
    const done = await runExport(kept, options({ split: plan, formats: ['alpaca'], bundle: false }), await makeTempDir());
    expect(done.counts.perSplit).toEqual({ train: exact.train.length, test: exact.test.length });
    await expect(
      runExport(
        rows,
        options({ split: plan, formats: ['alpaca'], bundle: false, dedupInstructions: false }),
        await makeTempDir(),
      ),
    ).rejects.toThrow(/row "dup-1" is not in the precomputed split/);
  });

  it('passes a failing row source on instead of hanging', async () => {
    async function* failing(): AsyncGenerator<ExportRow> {
      yield* rows.slice(0, 20);
      throw new Error('database connection lost');
    }
    await expect(runExport(failing(), options(), await makeTempDir())).rejects.toThrow('database connection lost');
  });
});

describe('writeBundle', () => {
  it('zips streams and files in order and reports each entry hash', async () => {
    const dir = await makeTempDir();
    const output = new PassThrough();
    const chunks: Buffer[] = [];
    output.on('data', (chunk: Buffer) => chunks.push(chunk));
    const text = 'hello 👋 zip\n'.repeat(1000);
    const result = await writeBundle(output, [
      { name: 'a/one.txt', stream: Readable.from([Buffer.from(text)]) },
      { name: 'b.parquet', stream: Readable.from([Buffer.from('PAR1')]) },
    ]);
    const entries = readZip(Buffer.concat(chunks));
    expect(entries.map((entry) => [entry.name, entry.data.toString('utf8')])).toEqual([
      ['a/one.txt', text],
      ['b.parquet', 'PAR1'],
    ]);
    expect(result.entries).toEqual([
      { name: 'a/one.txt', bytes: Buffer.byteLength(text), sha256: sha256(Buffer.from(text)) },
      { name: 'b.parquet', bytes: 4, sha256: sha256(Buffer.from('PAR1')) },
    ]);
    expect(result.sha256).toBe(sha256(Buffer.concat(chunks)));
    await expect(writeBundle(new PassThrough(), [{ name: '../x', path: dir }])).rejects.toThrow(/relative path/);
  });

  it('fails with the entry name when an entry cannot be read', async () => {
    const output = new PassThrough();
    output.resume();
    await expect(writeBundle(output, [{ name: 'missing.csv', path: '/nonexistent/missing.csv' }])).rejects.toThrow(
      /missing\.csv/,
    );
  });
});
