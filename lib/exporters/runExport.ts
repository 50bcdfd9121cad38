import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import { writeBundle } from './bundle';
import { renderDatasetCard, type CardAccess, type CardAudit, type CardConfig, type CardInput, type CardSource } from './card';
import { HashingPassThrough } from './hashing';
import {
  buildManifest,
  serializeManifest,
  type JsonValue,
  type Manifest,
  type ManifestCounts,
  type ManifestFile,
  type ManifestRecipe,
  type ManifestRecipeVersion,
  type ManifestSplit,
} from './manifest';
import { exporters } from './registry';
import { assertTrainRatio, assignSplit, createInstructionDeduper, createStratifiedSplitter, topicStratum } from './selection';
import { hasBothSides } from './prompt';
import {
  DEFAULT_FORMAT_OPTIONS,
  type ExporterCreateOptions,
  type ExportFormat,
  type ExportRow,
  type ExportTransform,
  type FormatOptions,
  type ParquetCodec,
  type SplitName,
} from './types';

/** Export files hold harmful text: readable by their owner (the app) only. */
export const EXPORT_FILE_MODE = 0o600;
export const EXPORT_DIR_MODE = 0o700;

/**
 * How rows are divided into splits.
 * - `hash`: per-row hash of (seed, key); constant memory, expected proportions (see `assignSplit`).
 * - `exact`: a precomputed assignment from `splitTrainTest`; every exported row must be in it.
 * - `stratified`: exactly round(n · ratio) train rows per topic by seeded selection sampling
 *   (`createStratifiedSplitter`); `strataSizes` must count the rows that will be exported, per
 *   `topicStratum`, after dedup and limit.
 */
export type SplitPlan =
  | { kind: 'none' }
  | { kind: 'hash'; seed: string; trainRatio: number; key?: 'id' | 'instruction' }
  | {
      kind: 'exact';
      seed: string;
      trainRatio: number;
      stratifyBy: 'topic' | null;
      splitOf: ReadonlyMap<string, SplitName>;
    }
  | { kind: 'stratified'; seed: string; trainRatio: number; strataSizes: ReadonlyMap<string, number> };

export type ExportRecipe = ManifestRecipe & { steps?: readonly string[] };

export type RunExportOptions = {
  formats: readonly ExportFormat[];
  /** TRL prompt template and CSV choices; the defaults keep every text exactly as stored. */
  formatOptions?: FormatOptions;
  split: SplitPlan;
  dedupInstructions?: boolean;
  /** Stop after this many exported rows (counted after dedup); the row source is closed early. */
  limit?: number | null;
  parquetRowGroupSize?: number;
  parquetCodec?: ParquetCodec;
  /** Encode the Parquet files on worker threads (default true), so a bundle costs about max(JSONL, Parquet), not the sum. */
  parquetWorker?: boolean;
  recipe: ExportRecipe;
  /** Every recipe version behind the rows, in full, for the manifest. */
  recipeVersions?: readonly ManifestRecipeVersion[];
  /** Called every PROGRESS_EVERY rows read and once at the end of the rows; must not throw. */
  onProgress?: (progress: ExportProgress) => void;
  card: {
    prettyName: string;
    summary?: string;
    license: string;
    language: readonly string[];
    /** Optional description per source, keyed by source id. */
    sourceDescriptions?: Readonly<Record<string, string>>;
    /** Precision interval and agreement from the audit module; the accepted/rejected counts come from the rows. */
    audit?: Pick<CardAudit, 'precision' | 'agreement'>;
    /** License id and link for license `other`, and whether the Hub should gate access. */
    access?: CardAccess;
    /** Markdown sections appended to the card as they are (e.g. an evaluation's results). */
    extraSections?: readonly string[];
  };
  appVersion: string;
  selection: JsonValue;
  createdAt?: Date;
  /**
   * The .zip written next to the files; `false` writes no bundle. Default `dataset.zip`. Every
   * entry sits under one top-level `folder` (default: the zip's name without `.zip`), so unzipping
   * makes one directory, which `datasets.load_dataset(<folder>, <config>)` reads as it is.
   */
  bundle?: { name: string; folder?: string; compressionLevel?: number } | false;
};

export type ExportedFile = ManifestFile & { path: string };

export type ExportProgress = { rowsIn: number; rowsExported: number };

export const PROGRESS_EVERY = 5_000;

export type RunExportResult = {
  /** Data files, then README.md and manifest.json, with their sizes and hashes. */
  files: ExportedFile[];
  counts: ManifestCounts;
  manifest: Manifest;
  bundle: { name: string; path: string; bytes: number; sha256: string } | null;
};

const NO_TOPIC = '(none)';
export const CARD_FILE = 'README.md';
export const MANIFEST_FILE = 'manifest.json';

function splitsOf(plan: SplitPlan): SplitName[] {
  return plan.kind === 'none' ? ['train'] : ['train', 'test'];
}

function splitResolver(plan: SplitPlan): (row: ExportRow) => SplitName {
  switch (plan.kind) {
    case 'none':
      return () => 'train';
    case 'hash': {
      assertTrainRatio(plan.trainRatio);
      const { seed, trainRatio } = plan;
      return plan.key === 'instruction'
        ? (row) => assignSplit(row.instruction, seed, trainRatio)
        : (row) => assignSplit(row.id, seed, trainRatio);
    }
    case 'stratified': {
      const splitter = createStratifiedSplitter(plan.strataSizes, plan.seed, plan.trainRatio);
      return (row) => splitter.next(topicStratum(row.topic));
    }
    case 'exact': {
      const { splitOf } = plan;
      return (row) => {
        const split = splitOf.get(row.id);
        if (split === undefined) {
          throw new Error(`row ${JSON.stringify(row.id)} is not in the precomputed split; recompute it for the current selection`);
        }
        return split;
      };
    }
  }
}

function manifestSplit(plan: SplitPlan): ManifestSplit {
  switch (plan.kind) {
    case 'none':
      return { method: 'none' };
    case 'hash':
      return { method: 'hash', seed: plan.seed, trainRatio: plan.trainRatio, key: plan.key ?? 'id' };
    case 'exact':
      return { method: 'exact', seed: plan.seed, trainRatio: plan.trainRatio, stratifyBy: plan.stratifyBy };
    case 'stratified':
      return { method: 'stratified', seed: plan.seed, trainRatio: plan.trainRatio, stratifyBy: 'topic' };
  }
}

export type RowRouter = {
  /** The split `row` goes to, or null for a repeated instruction; call only while `full` is false. */
  route(row: ExportRow): SplitName | null;
  /** True once `limit` rows have been routed to a split. */
  readonly full: boolean;
  readonly duplicates: number;
  readonly routed: number;
};

/** Dedup, row limit and split, in that order: what decides whether and where a row is exported. */
export function createRowRouter(options: Pick<RunExportOptions, 'split' | 'dedupInstructions' | 'limit'>): RowRouter {
  const limit = options.limit ?? null;
  if (limit !== null && (!Number.isInteger(limit) || limit < 0)) throw new Error(`limit must be a non-negative integer, got ${limit}`);
  const splitFor = splitResolver(options.split);
  const deduper = options.dedupInstructions ? createInstructionDeduper() : null;
  let duplicates = 0;
  let routed = 0;
  return {
    route(row) {
      if (deduper && !deduper.isFirst(row.instruction)) {
        duplicates++;
        return null;
      }
      routed++;
      return splitFor(row);
    },
    get full() {
      return limit !== null && routed >= limit;
    },
    get duplicates() {
      return duplicates;
    },
    get routed() {
      return routed;
    },
  };
}

export function dataFileName(format: ExportFormat, split: SplitName): string {
  return `${format}/${split}.${exporters[format].extension}`;
}

/** The Parquet file a format's card config points at (the data file itself for the Parquet format). */
export function configFileName(format: ExportFormat, split: SplitName): string {
  return `${format}/${split}.parquet`;
}

type Sink = {
  format: ExportFormat;
  split: SplitName;
  name: string;
  /** True for the Parquet file of the format's card config. */
  config: boolean;
  transform: ExportTransform;
  hashing: HashingPassThrough;
  done: Promise<void>;
};

function openSink(outDir: string, sink: Omit<Sink, 'hashing' | 'done'>): Sink {
  const hashing = new HashingPassThrough();
  const file = createWriteStream(path.join(outDir, sink.name), { mode: EXPORT_FILE_MODE });
  return { ...sink, hashing, done: pipeline(sink.transform, hashing, file) };
}

async function openSinks(
  formats: readonly ExportFormat[],
  splits: readonly SplitName[],
  outDir: string,
  createOptions: ExporterCreateOptions,
): Promise<Sink[]> {
  // Directories first: once a pipeline is open, a failing mkdir would leave its file handle dangling.
  for (const format of formats) await makePrivateDir(path.join(outDir, format));
  const sinks: Sink[] = [];
  for (const format of formats) {
    const exporter = exporters[format];
    for (const split of splits) {
      const name = dataFileName(format, split);
      const config = configFileName(format, split);
      if (name !== config) sinks.push(openSink(outDir, { format, split, name, config: false, transform: exporter.create(createOptions) }));
      sinks.push(openSink(outDir, { format, split, name: config, config: true, transform: exporter.createParquet(createOptions) }));
    }
  }
  return sinks;
}

function emptyCounts(): ManifestCounts {
  return {
    rowsIn: 0,
    duplicatesRemoved: 0,
    rowsExported: 0,
    incompletePairs: 0,
    simulated: 0,
    humanEdited: 0,
    perSplit: {},
    perTopic: {},
    audit: { none: 0, accepted: 0, rejected: 0 },
  };
}

function cardParameters(parameters: ManifestRecipe['parameters']): Record<string, string | number | boolean | null> {
  return Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => [
      name,
      value === null || typeof value !== 'object' ? value : JSON.stringify(value),
    ]),
  );
}

/**
 * Streams `rows` once into every (format, split) file under `outDir`, hashing each file as it is
 * written, then writes README.md (dataset card), manifest.json and the .zip bundle. Memory stays
 * constant in the number of rows except for the instruction-dedup set (one short hash per row).
 */
export async function runExport(
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>,
  options: RunExportOptions,
  outDir: string,
): Promise<RunExportResult> {
  if (options.formats.length === 0) throw new Error('choose at least one export format');
  const formats = [...new Set(options.formats)];
  const createdAt = options.createdAt ?? new Date();
  const bundleOption = options.bundle ?? { name: 'dataset.zip' };
  const splits = splitsOf(options.split);
  const router = createRowRouter(options);
  const formatOptions = options.formatOptions ?? DEFAULT_FORMAT_OPTIONS;

  await makePrivateDir(outDir);
  const sinks = await openSinks(formats, splits, outDir, {
    formatOptions,
    parquetRowGroupSize: options.parquetRowGroupSize,
    parquetCodec: options.parquetCodec,
    parquetWorker: options.parquetWorker ?? true,
  });
  const sinksBySplit = new Map(splits.map((split) => [split, sinks.filter((sink) => sink.split === split)]));
  // Rejects as soon as any file's pipeline fails, so a writer never waits for a 'drain' that cannot come.
  const anySinkFailed = new Promise<never>((_, reject) => {
    for (const sink of sinks) sink.done.catch(reject);
  });
  anySinkFailed.catch(() => undefined);

  const counts = emptyCounts();
  const sources = new Map<string, CardSource>();
  try {
    for await (const row of rows) {
      if (router.full) break;
      counts.rowsIn++;
      if (options.onProgress && counts.rowsIn % PROGRESS_EVERY === 0) {
        options.onProgress({ rowsIn: counts.rowsIn, rowsExported: counts.rowsExported });
      }
      const split = router.route(row);
      if (split === null) {
        counts.duplicatesRemoved++;
        continue;
      }
      countRow(counts, sources, row, split);
      let waits: Promise<unknown>[] | null = null;
      for (const sink of sinksBySplit.get(split) ?? []) {
        if (!sink.transform.write(row)) (waits ??= []).push(once(sink.transform, 'drain'));
      }
      if (waits) await Promise.race([Promise.all(waits), anySinkFailed]);
    }
    options.onProgress?.({ rowsIn: counts.rowsIn, rowsExported: counts.rowsExported });
    for (const sink of sinks) sink.transform.end();
    await Promise.all(sinks.map((sink) => sink.done));
  } catch (error) {
    for (const sink of sinks) sink.transform.destroy();
    await Promise.allSettled(sinks.map((sink) => sink.done));
    throw error;
  }

  const dataFiles: (ExportedFile & { config: boolean })[] = sinks.map((sink) => ({
    name: sink.name,
    path: path.join(outDir, sink.name),
    format: sink.format,
    split: sink.split,
    rows: sink.transform.stats.rowsWritten,
    skippedIncomplete: sink.transform.stats.skippedIncomplete,
    bytes: sink.hashing.bytes,
    sha256: sink.hashing.sha256(),
    config: sink.config,
  }));

  const card = [renderDatasetCard(buildCardInput(options, formatOptions, counts, sources, dataFiles)), ...(options.card.extraSections ?? [])].join('\n');
  const cardFile = await writeTextFile(outDir, CARD_FILE, card);
  const manifest = buildManifest({
    appVersion: options.appVersion,
    createdAt,
    selection: options.selection,
    recipe: {
      name: options.recipe.name,
      version: options.recipe.version,
      prompts: options.recipe.prompts,
      models: options.recipe.models,
      parameters: options.recipe.parameters,
    },
    recipeVersions: options.recipeVersions,
    split: manifestSplit(options.split),
    dedupInstructions: options.dedupInstructions === true,
    counts,
    files: [...dataFiles.map(({ config: _config, ...file }) => file), cardFile].map(({ path: _path, ...file }) => file),
    formatOptions,
  });
  const manifestFile = await writeTextFile(outDir, MANIFEST_FILE, serializeManifest(manifest));
  const files = [...dataFiles.map(({ config: _config, ...file }) => file), cardFile, manifestFile];

  let bundle: RunExportResult['bundle'] = null;
  if (bundleOption) {
    // Files live under DATA_DIR at run time; nothing here belongs in the build trace.
    const bundlePath = path.join(/*turbopackIgnore: true*/ outDir, bundleOption.name);
    if (files.some((file) => file.path === bundlePath)) {
      throw new Error(`bundle name ${JSON.stringify(bundleOption.name)} collides with an exported file`);
    }
    const folder = bundleOption.folder ?? bundleOption.name.replace(/\.zip$/i, '');
    const result = await writeBundle(
      createWriteStream(bundlePath, { mode: EXPORT_FILE_MODE }),
      files.map((file) => ({ name: `${folder}/${file.name}`, path: file.path })),
      { mtime: createdAt, compressionLevel: bundleOption.compressionLevel },
    );
    result.entries.forEach((entry, index) => {
      if (entry.sha256 !== files[index].sha256) {
        throw new Error(`${entry.name} changed on disk while the bundle was being written; export again`);
      }
    });
    bundle = { name: bundleOption.name, path: bundlePath, bytes: result.bytes, sha256: result.sha256 };
  }
  return { files, counts, manifest, bundle };
}

function countRow(counts: ManifestCounts, sources: Map<string, CardSource>, row: ExportRow, split: SplitName): void {
  counts.rowsExported++;
  counts.perSplit[split] = (counts.perSplit[split] ?? 0) + 1;
  const topic = (counts.perTopic[row.topic ?? NO_TOPIC] ??= {});
  topic[split] = (topic[split] ?? 0) + 1;
  if (!hasBothSides(row)) counts.incompletePairs++;
  if (row.simulated) counts.simulated++;
  if (row.humanEdited) counts.humanEdited++;
  counts.audit[row.auditStatus]++;
  const sourceKey = `${row.sourceKind}\u0000${row.sourceId}`;
  const source = sources.get(sourceKey);
  if (source) source.rows++;
  else sources.set(sourceKey, { kind: row.sourceKind, id: row.sourceId, name: row.sourceName, rows: 1 });
}

async function writeTextFile(outDir: string, name: string, text: string): Promise<ExportedFile> {
  const bytes = Buffer.from(text, 'utf8');
  const filePath = path.join(outDir, name);
  await writeFile(filePath, bytes, { mode: EXPORT_FILE_MODE });
  return { name, path: filePath, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Creates `dir` (and missing parents) readable by the owner only, and tightens it if it already existed. */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: EXPORT_DIR_MODE });
  await chmod(dir, EXPORT_DIR_MODE);
}

function buildCardInput(
  options: RunExportOptions,
  formatOptions: FormatOptions,
  counts: ManifestCounts,
  sources: Map<string, CardSource>,
  dataFiles: readonly (ExportedFile & { config: boolean })[],
): CardInput {
  const cardFile = (file: ExportedFile) => ({
    split: file.split ?? 'train',
    path: file.name,
    numExamples: file.rows ?? 0,
    numBytes: file.bytes,
  });
  const configs: CardConfig[] = [...new Set(dataFiles.map((file) => file.format))]
    .filter((format): format is ExportFormat => format !== undefined)
    .map((format) => ({
      format,
      splits: dataFiles.filter((file) => file.format === format && file.config).map(cardFile),
      extraFiles: dataFiles.filter((file) => file.format === format && !file.config).map(cardFile),
    }));
  const { split } = options;
  const accepted = counts.audit.accepted;
  const rejected = counts.audit.rejected;
  return {
    prettyName: options.card.prettyName,
    summary: options.card.summary,
    license: options.card.license,
    language: options.card.language,
    access: options.card.access,
    formatOptions,
    configs,
    topics: Object.entries(counts.perTopic)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([topic, perSplit]) => ({ topic: topic === NO_TOPIC ? null : topic, perSplit })),
    sources: [...sources.values()].map((source) => ({
      ...source,
      description: options.card.sourceDescriptions?.[source.id],
    })),
    curation: {
      recipeName: options.recipe.name,
      recipeVersion: options.recipe.version,
      steps: options.recipe.steps,
      models: options.recipe.models,
      prompts: options.recipe.prompts,
      parameters: cardParameters(options.recipe.parameters),
    },
    split:
      split.kind === 'none'
        ? { method: 'none' }
        : {
            method: split.kind,
            seed: split.seed,
            trainRatio: split.trainRatio,
            stratifiedByTopic: split.kind === 'stratified' || (split.kind === 'exact' && split.stratifyBy === 'topic'),
          },
    dedup: options.dedupInstructions ? { duplicatesRemoved: counts.duplicatesRemoved } : undefined,
    incompletePairs: counts.incompletePairs,
    annotation: {
      humanEdited: counts.humanEdited,
      audit: { audited: accepted + rejected, accepted, rejected, ...options.card.audit },
    },
    simulated: { rows: counts.simulated, totalRows: counts.rowsExported },
  };
}
