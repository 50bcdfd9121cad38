import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import type { DuckDBConnection } from '@duckdb/node-api';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { createBundleExport, getExport, listExports, reapInterruptedExports } from '@/lib/exporters/jobs';
import { stopBoss } from '@/lib/jobs/boss';
import { startWorkerRuntime } from '@/lib/worker/runtime';
import type { Manifest } from '@/lib/exporters/manifest';
import { closePools, pool } from '@/lib/db/pools';
import { previewSelection } from '@/lib/exporters/preview';
import { exporters } from '@/lib/exporters/registry';
import { SelectionReader, withSnapshot } from '@/lib/exporters/query';
import {
  bundleRequestSchema,
  exportSelectionSchema,
  streamRequestSchema,
  type BundleRequestInput,
  type ExportSelection,
  type ExportSelectionInput,
  type StreamRequestInput,
} from '@/lib/exporters/request';
import { assignSplit } from '@/lib/exporters/selection';
import { openExportStream } from '@/lib/exporters/stream';
import { EXPORT_FORMATS, type ExportRow } from '@/lib/exporters/types';
import { previewFile } from '@/lib/importers';
import { renderReversedPrompt } from '@/lib/pipeline/prompts/reversed-template';

import { connectDuckDb, queryRows, queryRowsJs, sqlPath } from '../../unit/exporters/rows';
import { createTestUser } from '../helpers';
import { importFile, tempFiles, uniqueName } from '../importers/helpers';
import { createExportFixtures, expectedPairs, MULTI_TURN_MESSAGES, type PairRecord } from './fixtures';
import { readZip } from './zip';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const lower = (value: string | null): string | null => (value === null ? null : value.toLowerCase());

/** Every CSV/Parquet column of a pair, built from the database row, not from the exporter code. */
function tableRow(pair: PairRecord, names: { run: string; dataset: string }): Record<string, unknown> {
  return {
    id: String(pair.id),
    instruction: pair.instruction,
    chosen: pair.chosen,
    rejected: pair.rejected,
    topic: pair.topic,
    source_kind: pair.runId ? 'run' : 'dataset',
    source_id: pair.runId ?? pair.datasetId,
    source_name: pair.runId ? names.run : names.dataset,
    instruction_verdict: lower(pair.instructionVerdict),
    instruction_reason: pair.instructionReason,
    response_verdict: lower(pair.responseVerdict),
    response_reason: pair.responseReason,
    audit_status: pair.auditOutcome.toLowerCase(),
    human_edited: pair.humanEdited,
    simulated: pair.simulated,
  };
}

/** A side is present when it has a non-blank text: empty and whitespace-only count as missing, like null. */
const present = (text: string | null): boolean => text !== null && text.trim() !== '';
const both = (pair: PairRecord): boolean => present(pair.chosen) && present(pair.rejected);
const assistant = (content: string) => [{ role: 'assistant', content }];

/** The prompt's messages as stored by an import, while the instruction is the one they were stored with. */
function promptOf(pair: PairRecord): { role: string; content: string }[] {
  const stored = pair.promptMessages as { instruction: string; messages: { role: string; content: string }[] } | null;
  return stored !== null && stored.instruction === pair.instruction ? stored.messages : [{ role: 'user', content: pair.instruction }];
}

/** HH-RLHF transcript of the prompt: the system text first, then "\n\nHuman: …" / "\n\nAssistant: …" turns. */
const hhPrompt = (pair: PairRecord): string =>
  promptOf(pair)
    .map((message) => (message.role === 'system' ? message.content : `\n\n${message.role === 'user' ? 'Human' : 'Assistant'}: ${message.content}`))
    .join('');

const bundle = (input: BundleRequestInput) => bundleRequestSchema.parse(input);
const streamRequest = (input: StreamRequestInput) => streamRequestSchema.parse(input);

/** The record each JSONL format should hold for a pair, written from the formats' published shapes. */
const jsonlExpectations: Record<string, { keep: (pair: PairRecord) => boolean; record: (pair: PairRecord) => Record<string, unknown>; columns: string }> = {
  'trl-standard': { keep: both, record: (p) => ({ prompt: p.instruction, chosen: p.chosen, rejected: p.rejected }), columns: 'prompt, chosen, rejected' },
  'trl-conversational': {
    keep: both,
    record: (p) => ({ prompt: promptOf(p), chosen: assistant(p.chosen ?? ''), rejected: assistant(p.rejected ?? '') }),
    columns: 'prompt, chosen, rejected',
  },
  'openai-preference': {
    keep: both,
    record: (p) => ({ input: { messages: promptOf(p) }, preferred_output: assistant(p.chosen ?? ''), non_preferred_output: assistant(p.rejected ?? '') }),
    columns: 'input, preferred_output, non_preferred_output',
  },
  'hh-rlhf': {
    keep: both,
    record: (p) => ({ chosen: `${hhPrompt(p)}\n\nAssistant: ${p.chosen}`, rejected: `${hhPrompt(p)}\n\nAssistant: ${p.rejected}` }),
    columns: 'chosen, rejected',
  },
  alpaca: { keep: (p) => present(p.chosen), record: (p) => ({ instruction: p.instruction, input: '', output: p.chosen }), columns: 'instruction, input, output' },
  'reversed-tuning': { keep: (p) => present(p.chosen), record: (p) => ({ prompt: renderReversedPrompt(p.chosen ?? ''), completion: p.instruction }), columns: 'prompt, completion' },
};

const TABLE_COLUMNS_SQL =
  'id, instruction, chosen, rejected, topic, source_kind, source_id, source_name, instruction_verdict, instruction_reason, response_verdict, response_reason, audit_status, human_edited, simulated';

function selectionFor(fixtures: Awaited<ReturnType<typeof createExportFixtures>>, input: Partial<ExportSelectionInput> = {}): ExportSelection {
  return exportSelectionSchema.parse({ datasetIds: [fixtures.dataset.id], runIds: [fixtures.run.id], ...input });
}

/** The fixtures' repeated instructions (see createExportFixtures) start with two spaces. */
const isRepeat = (pair: PairRecord): boolean => pair.instruction.startsWith('  ');

describe('exports from the database', () => {
  let fixtures: Awaited<ReturnType<typeof createExportFixtures>>;
  let actor: { id: string; email: string };
  let duck: DuckDBConnection;
  let work: string;
  const names = { run: '', dataset: '' };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'export-it-'));
    process.env.DATA_DIR = path.join(work, 'data');
    fixtures = await createExportFixtures();
    names.run = fixtures.run.name;
    names.dataset = fixtures.dataset.name;
    const created = await createTestUser('RESEARCHER');
    actor = { id: created.id, email: created.email };
    duck = await connectDuckDb();
  });

  afterAll(async () => {
    await stopBoss();
    await closePools(['exports']);
  });

  async function readSelection(selection: ExportSelection): Promise<ExportRow[]> {
    const client = await pool('exports').connect();
    try {
      return await withSnapshot(client, async () => {
        const rows: ExportRow[] = [];
        for await (const row of new SelectionReader(client, selection, 7).rows()) rows.push(row);
        return rows;
      });
    } finally {
      client.release();
    }
  }

  it('selects exactly the pairs each filter describes, in id order', async () => {
    const cases: Partial<ExportSelectionInput>[] = [
      {},
      { statuses: ['KEPT', 'PENDING', 'DROPPED'], excludeAuditRejected: false },
      { auditPassedOnly: true },
      { includeHumanEdited: false, topics: ['hate', 'nsfw'] },
      { runIds: [], datasetIds: [fixtures.dataset.id], statuses: ['DROPPED'] },
    ];
    for (const input of cases) {
      const selection = selectionFor(fixtures, input);
      const rows = await readSelection(selection);
      const expected = expectedPairs(fixtures.pairs, selection);
      expect(expected.length).toBeGreaterThan(0);
      expect(rows.map((row) => row.id)).toEqual(expected.map((pair) => String(pair.id)));
      for (const [index, row] of rows.entries()) {
        const pair = expected[index];
        expect(row).toMatchObject({ instruction: pair.instruction, chosen: pair.chosen, rejected: pair.rejected, topic: pair.topic, simulated: pair.simulated });
      }
    }
  });

  it('previews the exact rows and split an export will write', async () => {
    const selection = selectionFor(fixtures, { split: { trainRatio: 0.7, seed: 's1', stratifyByTopic: true } });
    const preview = await previewSelection(selection);
    const expected = expectedPairs(fixtures.pairs, selection);
    const kept = expected.filter((pair) => !isRepeat(pair));
    expect(preview.matching).toBe(expected.length);
    expect(preview.rowsToExport).toBe(kept.length);
    expect(preview.duplicates).toBe(expected.length - kept.length);
    expect(preview.simulated).toBe(expected.filter((pair) => pair.simulated).length);
    const perTopic = new Map<string, number>();
    for (const pair of kept) perTopic.set(pair.topic ?? '', (perTopic.get(pair.topic ?? '') ?? 0) + 1);
    const train = [...perTopic.values()].reduce((sum, n) => sum + Math.round(n * 0.7), 0);
    expect(preview.split).toEqual({ train, test: kept.length - train, exact: true });
    expect(preview.background).toBe(false);
  });

  it('previews the rows each format will write, blank sides counted as missing, with and without dedup', async () => {
    for (const dedupInstructions of [true, false]) {
      const selection = selectionFor(fixtures, { dedupInstructions });
      const rows = expectedPairs(fixtures.pairs, selection).filter((pair) => !dedupInstructions || !isRepeat(pair));
      const preview = await previewSelection(selection);
      const pairwise = rows.filter(both).length;
      const withChosen = rows.filter((pair) => present(pair.chosen)).length;
      expect(pairwise).toBeLessThan(withChosen);
      expect(withChosen).toBeLessThan(rows.length);
      expect({ dedupInstructions, perFormat: preview.perFormat }).toEqual({
        dedupInstructions,
        perFormat: {
          'trl-standard': pairwise,
          'trl-conversational': pairwise,
          'openai-preference': pairwise,
          'hh-rlhf': pairwise,
          alpaca: withChosen,
          'reversed-tuning': withChosen,
          csv: rows.length,
          parquet: rows.length,
        },
      });
    }
  });

  describe('a bundle with every format and a stratified split', () => {
    let selection: ExportSelection;
    let kept: PairRecord[];
    let entries: Map<string, Buffer>;
    let manifest: Manifest;
    let exportId: string;
    let dir: string;

    beforeAll(async () => {
      selection = selectionFor(fixtures, { split: { trainRatio: 0.7, seed: 's1', stratifyByTopic: true } });
      kept = expectedPairs(fixtures.pairs, selection).filter((pair) => !isRepeat(pair));
      const created = await createBundleExport(
        bundle({ selection, formats: [...EXPORT_FORMATS], card: { title: 'IT export', license: 'cc-by-nc-4.0', language: ['en'] } }),
        actor,
        { background: 'never' },
      );
      exportId = created.id;
      expect(created).toMatchObject({ background: false, status: 'COMPLETED', error: null });
      const row = await db().export.findUniqueOrThrow({ where: { id: exportId } });
      expect(row.status).toBe('COMPLETED');
      expect(row.filePath).toContain(path.join(work, 'data', 'exports', exportId));
      // Harmful text on disk: other local users can neither list nor read it.
      const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
      expect(await mode(row.filePath ?? '')).toBe(0o600);
      expect(await mode(path.join(work, 'data', 'exports', exportId, 'README.md'))).toBe(0o600);
      expect(await mode(path.join(work, 'data', 'exports', exportId))).toBe(0o700);
      expect(await mode(path.join(work, 'data', 'exports'))).toBe(0o700);
      const zip = readZip(await readFile(row.filePath ?? ''));
      // Every entry is under one folder named like the zip, so unzipping makes exactly one directory.
      const folder = path.basename(row.filePath ?? '', '.zip');
      expect(zip.every((entry) => entry.name.startsWith(`${folder}/`))).toBe(true);
      entries = new Map(zip.map((entry) => [entry.name.slice(folder.length + 1), entry.data]));
      manifest = JSON.parse(entries.get('manifest.json')?.toString('utf8') ?? '{}') as Manifest;
      const unzipped = path.join(work, `unzipped-${exportId}`);
      for (const entry of zip) {
        await mkdir(path.dirname(path.join(unzipped, entry.name)), { recursive: true });
        await writeFile(path.join(unzipped, entry.name), entry.data);
      }
      dir = path.join(unzipped, folder);
    });

    it('the zip holds exactly the files the manifest lists, with their sizes and SHA-256', () => {
      expect([...entries.keys()].sort()).toEqual([...manifest.files.map((file) => file.name), 'manifest.json'].sort());
      for (const file of manifest.files) {
        const data = entries.get(file.name) ?? Buffer.alloc(0);
        expect({ name: file.name, bytes: data.length, sha256: sha256(data) }).toEqual({ name: file.name, bytes: file.bytes, sha256: file.sha256 });
      }
      expect(manifest.simulated).toBe(true);
      expect(manifest.selection).toEqual(selection);
      expect(manifest.counts.rowsExported).toBe(kept.length);
      expect(manifest.counts.duplicatesRemoved).toBe(3);
      expect(manifest.recipeVersions).toEqual([
        expect.objectContaining({ id: fixtures.recipeVersion.id, version: 2, runs: [{ id: fixtures.run.id, name: fixtures.run.name, simulated: true }], config: fixtures.recipeVersion.config }),
      ]);
      expect(Object.keys(manifest.recipeVersions[0].promptHashes).sort()).toEqual(['filterInstruction', 'filterResponse', 'generateResponse', 'induce']);
    });

    async function parquetIds(split: string): Promise<string[]> {
      const rows = await queryRows(duck, `select id from read_parquet(${sqlPath(path.join(dir, `parquet/${split}.parquet`))})`);
      return rows.map((row) => row.id as string);
    }

    it('Parquet and CSV read back by DuckDB equal the database, every column, in both splits', async () => {
      const byId = new Map(kept.map((pair) => [String(pair.id), pair]));
      const ids = [...(await parquetIds('train')), ...(await parquetIds('test'))];
      expect(ids.sort()).toEqual([...byId.keys()].sort());
      for (const split of ['train', 'test']) {
        const splitIds = await parquetIds(split);
        const expected = splitIds.map((id) => tableRow(byId.get(id) as PairRecord, names));
        const parquet = await queryRows(duck, `select ${TABLE_COLUMNS_SQL} from read_parquet(${sqlPath(path.join(dir, `parquet/${split}.parquet`))})`);
        expect(parquet).toEqual(expected);
        const csv = await queryRows(
          duck,
          `select ${TABLE_COLUMNS_SQL} from read_csv(${sqlPath(path.join(dir, `csv/${split}.csv`))}, header=true, quote='"', escape='"', delim=',', allow_quoted_nulls=false,
             columns={${TABLE_COLUMNS_SQL.split(', ').map((name) => `'${name}': '${name === 'human_edited' || name === 'simulated' ? 'BOOLEAN' : 'VARCHAR'}'`).join(', ')}})`,
        );
        expect(csv).toEqual(expected);
      }
    });

    it('every JSONL format read back by DuckDB holds the database values in the same split', async () => {
      const byId = new Map(kept.map((pair) => [String(pair.id), pair]));
      for (const [format, expectation] of Object.entries(jsonlExpectations)) {
        for (const split of ['train', 'test']) {
          const expected = (await parquetIds(split)).map((id) => byId.get(id) as PairRecord).filter(expectation.keep).map(expectation.record);
          const file = path.join(dir, `${format}/${split}.jsonl`);
          const read = expected.length === 0 ? [] : await queryRowsJs(duck, `select ${expectation.columns} from read_json_auto(${sqlPath(file)}, format='newline_delimited')`);
          expect({ format, split, read }).toEqual({ format, split, read: expected });
        }
      }
    });

    it('splits each topic exactly by the ratio', async () => {
      const train = new Set(await parquetIds('train'));
      const perTopic = new Map<string, { n: number; train: number }>();
      for (const pair of kept) {
        const entry = perTopic.get(pair.topic ?? '') ?? { n: 0, train: 0 };
        entry.n++;
        if (train.has(String(pair.id))) entry.train++;
        perTopic.set(pair.topic ?? '', entry);
      }
      for (const [, { n, train: trainCount }] of perTopic) expect(trainCount).toBe(Math.round(n * 0.7));
    });

    it('every config of the card loads the way `datasets` would, with the database counts and values', async () => {
      const card = entries.get('README.md')?.toString('utf8') ?? '';
      const front = yaml.load(card.slice(4, card.indexOf('\n---\n', 4))) as {
        dataset_info: { config_name: string; splits: Record<string, unknown>[]; download_size: number; dataset_size?: number }[];
        configs: { config_name: string; default?: boolean; data_files: { split: string; path: string }[] }[];
        tags: string[];
        extra_gated_prompt?: string;
      };
      expect(front.tags).toContain('simulated');
      expect(front.extra_gated_prompt).toMatch(/harmful/);
      expect(front.configs.map((config) => config.config_name).sort()).toEqual([...EXPORT_FORMATS].sort());
      // `datasets` picks one builder from the first config's files and uses it for every config.
      const paths = front.configs.flatMap((config) => config.data_files.map((file) => file.path));
      expect(paths.every((file) => file.endsWith('.parquet'))).toBe(true);

      const byId = new Map(kept.map((pair) => [String(pair.id), pair]));
      const splitIds = { train: await parquetIds('train'), test: await parquetIds('test') };
      const expectedRecords = (format: string, split: 'train' | 'test'): Record<string, unknown>[] => {
        const pairs = splitIds[split].map((id) => byId.get(id) as PairRecord);
        const expectation = jsonlExpectations[format];
        return expectation ? pairs.filter(expectation.keep).map(expectation.record) : pairs.map((pair) => tableRow(pair, names));
      };
      for (const config of front.configs) {
        const info = front.dataset_info.find((entry) => entry.config_name === config.config_name);
        let downloaded = 0;
        for (const file of config.data_files) {
          const split = file.split as 'train' | 'test';
          const columns = jsonlExpectations[config.config_name]?.columns ?? TABLE_COLUMNS_SQL;
          const read = await queryRowsJs(duck, `select ${columns} from read_parquet(${sqlPath(path.join(dir, file.path))})`);
          expect({ config: config.config_name, split, read }).toEqual({ config: config.config_name, split, read: expectedRecords(config.config_name, split) });
          expect(info?.splits.find((entry) => entry.name === split)).toEqual({ name: split, num_examples: read.length });
          downloaded += (entries.get(file.path) ?? Buffer.alloc(0)).length;
        }
        expect({ config: config.config_name, download: info?.download_size, dataset_size: info?.dataset_size }).toEqual({ config: config.config_name, download: downloaded, dataset_size: undefined });
      }

      // The structured and tricky rows really are in the data that was checked.
      const conversational = [
        ...(await queryRowsJs(duck, `select prompt from read_parquet(${sqlPath(path.join(dir, 'trl-conversational/train.parquet'))})`)),
        ...(await queryRowsJs(duck, `select prompt from read_parquet(${sqlPath(path.join(dir, 'trl-conversational/test.parquet'))})`)),
      ].map((row) => row.prompt as { role: string; content: string }[]);
      const multiTurn = conversational.find((prompt) => prompt.length > 1);
      expect(multiTurn?.map((message) => message.role)).toEqual(MULTI_TURN_MESSAGES.map((message) => message.role));
      expect(multiTurn?.[0].content).toBe(MULTI_TURN_MESSAGES[0].content);
      expect(conversational.filter((prompt) => prompt.length > 1)).toHaveLength(1);
      const table = await queryRows(duck, `select instruction, chosen, rejected from read_parquet(${sqlPath(path.join(dir, 'parquet/*.parquet'))})`);
      expect(table).toEqual(expect.arrayContaining([{ instruction: 'null', chosen: 'NA', rejected: 'N/A' }, expect.objectContaining({ chosen: '', rejected: 'null' })]));
      const blankRows = kept.filter((pair) => pair.chosen !== null && pair.rejected !== null && !both(pair));
      expect(blankRows.length).toBeGreaterThanOrEqual(2);
      expect(manifest.counts.incompletePairs).toBe(kept.filter((pair) => !both(pair)).length);

      expect(card).toContain(`This export holds ${kept.length} selected row(s)`);
      const audited = kept.filter((pair) => pair.auditOutcome !== 'NONE');
      const accepted = kept.filter((pair) => pair.auditOutcome === 'ACCEPTED').length;
      expect(card).toContain(`reviewed ${audited.length} exported pair(s): ${accepted} accepted, ${audited.length - accepted} rejected`);
      expect(card).toContain('Content warning');
      expect(card).toContain(`${kept.filter((pair) => pair.simulated).length} of ${kept.length} pair(s) were produced by a simulated`);
    });

    it('the audit log records who exported what, with counts and hashes', async () => {
      const logged = await db().auditLog.findMany({ where: { targetType: 'Export', targetId: exportId }, orderBy: { createdAt: 'asc' } });
      expect(logged.map((entry) => entry.action)).toEqual(['export.create', 'export.complete']);
      expect(logged.every((entry) => entry.actorId === actor.id && entry.actorEmail === actor.email)).toBe(true);
      expect(logged[0].after).toMatchObject({ delivery: 'bundle', selection: JSON.parse(JSON.stringify(selection)), formats: [...EXPORT_FORMATS] });
      const after = logged[1].after as { counts: { rowsExported: number }; files: { name: string; sha256: string }[] };
      expect(after.counts.rowsExported).toBe(kept.length);
      expect(after.files).toEqual([
        ...manifest.files.map((file) => (file.rows === undefined ? { name: file.name, sha256: file.sha256 } : { name: file.name, rows: file.rows, sha256: file.sha256 })),
        { name: 'manifest.json', sha256: sha256(entries.get('manifest.json') ?? Buffer.alloc(0)) },
      ]);
      const summary = await getExport(exportId);
      expect(summary).toMatchObject({ status: 'COMPLETED', simulated: true, downloadable: true, rowsWritten: kept.length, createdBy: actor.email });
    });

    it('a split is reproducible from its seed, and another seed gives another split', async () => {
      const again = await createBundleExport(bundle({ selection, formats: ['parquet'], card: { title: 'again', license: 'other', licenseName: 'harm-research-1.0', licenseLink: 'https://example.org/license', language: ['en'] } }), actor, { background: 'never' });
      const other = await createBundleExport(
        bundle({ selection: { ...selection, split: { trainRatio: 0.7, seed: 's2', stratifyByTopic: true } }, formats: ['parquet'], card: { title: 'other', license: 'other', licenseName: 'harm-research-1.0', licenseLink: 'https://example.org/license', language: ['en'] } }),
        actor,
        { background: 'never' },
      );
      const trainIds = async (id: string): Promise<string[]> => {
        const row = await db().export.findUniqueOrThrow({ where: { id } });
        const zip = readZip(await readFile(row.filePath ?? ''));
        const file = path.join(work, `${id}-train.parquet`);
        await writeFile(file, zip.find((entry) => entry.name === `export-${id}/parquet/train.parquet`)?.data ?? Buffer.alloc(0));
        return (await queryRows(duck, `select id from read_parquet(${sqlPath(file)})`)).map((row) => row.id as string);
      };
      const first = await parquetIds('train');
      expect(await trainIds(again.id)).toEqual(first);
      expect(await trainIds(other.id)).not.toEqual(first);
    });

    it('a direct download streams the same rows and split, and records its hash', async () => {
      const stream = await openExportStream(streamRequest({ selection, format: 'csv', split: 'test' }), actor);
      const file = path.join(work, stream.fileName);
      await pipeline(stream.body, createWriteStream(file));
      const bytes = await readFile(file);
      const read = await queryRows(duck, `select id from read_csv(${sqlPath(file)}, header=true, all_varchar=true)`);
      expect(read.map((row) => row.id)).toEqual(await parquetIds('test'));
      await expect.poll(async () => (await getExport(stream.exportId))?.status).toBe('COMPLETED');
      const summary = await getExport(stream.exportId);
      expect(summary).toMatchObject({ delivery: 'stream', streamSplit: 'test', downloadable: false, rowsWritten: read.length });
      expect(summary?.files?.files).toEqual([expect.objectContaining({ name: stream.fileName, bytes: bytes.length, sha256: sha256(bytes), rows: read.length })]);
      const logged = await db().auditLog.findMany({ where: { targetType: 'Export', targetId: stream.exportId } });
      expect(logged.map((entry) => entry.action).sort()).toEqual(['export.complete', 'export.create']);
    });
  });

  it('a hash split (not stratified) follows assignSplit of each id', async () => {
    const selection = selectionFor(fixtures, { split: { trainRatio: 0.5, seed: 'h', stratifyByTopic: false }, dedupInstructions: false });
    const stream = await openExportStream(streamRequest({ selection, format: 'trl-standard', split: 'train' }), actor);
    const chunks: Buffer[] = [];
    for await (const chunk of stream.body) chunks.push(chunk as Buffer);
    const prompts = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { prompt: string }).prompt);
    const expected = expectedPairs(fixtures.pairs, selection).filter((pair) => both(pair) && assignSplit(String(pair.id), 'h', 0.5) === 'train');
    expect(prompts).toEqual(expected.map((pair) => pair.instruction));
  });

  it('a row limit with a seeded shuffle gives the same sample for the same seed', async () => {
    const read = async (seed: string, dedup: boolean) => {
      const stream = await openExportStream(streamRequest({ selection: selectionFor(fixtures, { limit: 10, shuffleSeed: seed, dedupInstructions: dedup }), format: 'csv', split: 'all' }), actor);
      const file = path.join(work, `${stream.exportId}.csv`);
      await pipeline(stream.body, createWriteStream(file));
      return (await queryRows(duck, `select id from read_csv(${sqlPath(file)}, header=true, all_varchar=true)`)).map((row) => row.id as string);
    };
    const first = await read('x', true);
    expect(first).toHaveLength(10);
    expect(await read('x', true)).toEqual(first);
    expect(await read('x', false)).toHaveLength(10);
    const other = await read('y', true);
    expect(other).not.toEqual(first);
    expect([...first].sort((a, b) => Number(a) - Number(b))).not.toEqual(first);
  });

  it('Parquet encoded on a worker thread is byte-identical to in-thread encoding', async () => {
    const rows = await readSelection(selectionFor(fixtures, { statuses: ['KEPT', 'PENDING', 'DROPPED'], excludeAuditRejected: false }));
    const encode = async (parquetWorker: boolean): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      await pipeline(Readable.from(rows), exporters.parquet.create({ parquetWorker, parquetRowGroupSize: 7 }), async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) chunks.push(chunk);
      });
      return Buffer.concat(chunks);
    };
    const inThread = await encode(false);
    const onWorker = await encode(true);
    expect(onWorker.equals(inThread)).toBe(true);
    const file = path.join(work, 'worker.parquet');
    await writeFile(file, onWorker);
    const [count] = await queryRows(duck, `select count(*)::INTEGER as n from read_parquet(${sqlPath(file)})`);
    expect(count.n).toBe(rows.length);
  });

  it('an imported conversation goes out with its system message and turns, and an HH export parses back into them', async () => {
    const temp = tempFiles();
    const system = { role: 'system', content: 'Be brief. "Always".' };
    const turns = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.\n\nHow can I help?' },
      { role: 'user', content: 'Insult my neighbour, NA' },
    ];
    const line = { prompt: [system, ...turns], chosen: [{ role: 'assistant', content: 'I would rather not.' }], rejected: [{ role: 'assistant', content: 'null' }] };
    const file = await temp.file('conversation.jsonl', `${JSON.stringify(line)}\n`);
    const mapping = (await previewFile(file)).suggestedMapping.pair;
    expect(mapping).toMatchObject({ shape: 'trl-conversational' });
    const imported = await importFile(file, { kind: 'dataset', target: { mode: 'new', name: uniqueName('conversation') }, mapping: mapping! });
    const datasetId = imported.record.datasetId!;
    const selection = exportSelectionSchema.parse({ datasetIds: [datasetId] });
    const read = async (format: 'trl-conversational' | 'hh-rlhf'): Promise<Record<string, unknown>> => {
      const stream = await openExportStream(streamRequest({ selection, format }), actor);
      const chunks: Buffer[] = [];
      for await (const chunk of stream.body) chunks.push(chunk as Buffer);
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      return JSON.parse(lines[0]) as Record<string, unknown>;
    };
    expect(await read('trl-conversational')).toEqual(line);

    const hh = await read('hh-rlhf');
    expect(hh.chosen).toBe('Be brief. "Always".\n\nHuman: Hi\n\nAssistant: Hello.\n\nHow can I help?\n\nHuman: Insult my neighbour, NA\n\nAssistant: I would rather not.');
    // Imported back through the HH-RLHF importer: the same turns.
    const hhFile = await temp.file('hh.jsonl', `${JSON.stringify(hh)}\n`);
    const hhMapping = (await previewFile(hhFile)).suggestedMapping.pair;
    expect(hhMapping).toMatchObject({ shape: 'hh-rlhf' });
    const again = await importFile(hhFile, { kind: 'dataset', target: { mode: 'new', name: uniqueName('hh-again') }, mapping: hhMapping! });
    const [pair] = await db().pair.findMany({ where: { datasetId: again.record.datasetId! } });
    expect(pair).toMatchObject({ chosen: 'I would rather not.', rejected: 'null' });
    expect((pair.promptMessages as { messages: unknown[] }).messages).toEqual([system, ...turns]);
  });

  it('refuses an export of nothing', async () => {
    await expect(
      createBundleExport(bundle({ selection: selectionFor(fixtures, { topics: ['no-such-topic'] }), formats: ['csv'], card: { title: 'none', license: 'other', licenseName: 'harm-research-1.0', licenseLink: 'https://example.org/license', language: ['en'] } }), actor),
    ).rejects.toThrow('No pairs match this selection');
  });

  it('a cancelled download fails its export and frees its connection', async () => {
    const selection = selectionFor(fixtures, { statuses: ['KEPT', 'PENDING', 'DROPPED'] });
    const stream = await openExportStream(streamRequest({ selection, format: 'parquet', split: 'all' }), actor);
    stream.body.destroy(new Error('client went away'));
    await expect.poll(async () => (await getExport(stream.exportId))?.status).toBe('FAILED');
    expect((await getExport(stream.exportId))?.error).toContain('client went away');
    await expect.poll(() => pool('exports').idleCount === pool('exports').totalCount).toBe(true);
  });

  it('large exports are export jobs that a worker runs; exports whose process died are marked failed', async () => {
    const created = await createBundleExport(
      bundle({ selection: selectionFor(fixtures), formats: ['alpaca'], card: { title: 'bg', license: 'other', licenseName: 'harm-research-1.0', licenseLink: 'https://example.org/license', language: ['en'] } }),
      actor,
      { background: 'always' },
    );
    expect(created).toMatchObject({ background: true, status: 'RUNNING' });
    // Queued, not run by the process that created it.
    expect((await getExport(created.id))?.status).toBe('QUEUED');
    const worker = await startWorkerRuntime({ kinds: ['export'], log: () => {} });
    try {
      await expect.poll(async () => (await getExport(created.id))?.status, { timeout: 30_000 }).toBe('COMPLETED');
    } finally {
      await worker.stop();
    }

    const orphan = await db().export.create({ data: { status: 'RUNNING', request: {}, formats: ['csv'] } });
    const live = await db().export.create({ data: { status: 'RUNNING', request: {}, formats: ['csv'] } });
    const holder = await pool('exports').connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', [`export:${live.id}`]);
      expect(await reapInterruptedExports()).toBeGreaterThanOrEqual(1);
      const list = await listExports(500);
      expect(list.find((entry) => entry.id === orphan.id)).toMatchObject({ status: 'FAILED', error: expect.stringContaining('Interrupted') });
      expect(list.find((entry) => entry.id === live.id)?.status).toBe('RUNNING');
    } finally {
      await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [`export:${live.id}`]);
      holder.release();
    }
  });
});
