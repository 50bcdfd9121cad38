// `npm run bench:export`: loads generated pairs (1,000,000 by default) into a throwaway embedded
// Postgres migrated like production, then exports the default selection (kept pairs, audit-rejected
// excluded; dedup and split off, so every row is written) through the real paths, all inside a
// REPEATABLE READ transaction with SelectionReader (binary COPY of the rows, with the lines
// Postgres builds for the formats asked for; see copy-rows.ts), and compares each with Postgres'
// own `COPY (SELECT <the same columns> … ORDER BY id) TO STDOUT` of the same rows, read over the
// same kind of connection by a minimal COPY-out protocol handler (no pg-copy-streams, no psql
// here) that only counts the bytes. Prints rows/s and peak RSS; ends with one JSON line:
//
// - `jsonl_ratio`: the JSONL (TRL standard) file alone, as a direct download writes it
//   (SelectionReader → the format's transform → SHA-256 → file; stream.ts minus the Export row).
//   This is issue 16's JSONL figure.
// - `parquet_ratio`: runExport with the Parquet format (its data file is its own card config, so
//   the bundle is that one Parquet file, README.md and manifest.json).
// - `jsonl_bundle_ratio` / `jsonl_bundle_seconds`: runExport with the TRL standard format, i.e. the
//   whole bundle: the JSONL file and, since issue 15, its card config's Parquet file beside it,
//   the Parquet encoded on a worker thread while the main thread writes the JSONL. With a core to
//   spare that costs about max(JSONL, Parquet), not the sum; on the 2-core machine, where Postgres
//   takes a core, it was ~2.3x the JSONL file alone. Reported, not a target of the issue.
//
// The files go to a RAM-backed folder (/dev/shm when present, or BENCH_OUT_DIR): COPY writes
// nothing either, and on a disk shared with other jobs the 1.3 GB JSONL file measured the disk
// (11 MB/s once), not the export. Each kind is measured BENCH_ROUNDS times, interleaved, and the
// best run of each counts, because other processes on a small machine add minutes of noise; every
// run is printed with the CPU time this process spent on it. The measuring runs in a child
// process without the migration engine or the data load, as in the app, where `next start` is a
// process of its own; its peak RSS is the figure reported.
//
// Env: BENCH_ROWS (default 1000000), BENCH_ROUNDS (2), BENCH_PARQUET_WORKER=0 (runExport encodes
// Parquet in the main thread instead of its default worker), BENCH_OUT_DIR, BENCH_KEEP=1 keeps the
// database folder.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { startEmbeddedPostgres } from '@/lib/db/embedded';
import { migrateOnStart } from '@/lib/db/migrate';
import { closePools, pool } from '@/lib/db/pools';
import { HashingPassThrough } from '@/lib/exporters/hashing';
import { EXPORT_ROW_COLUMNS, literalBinder, selectionSql, SelectionReader, withSnapshot } from '@/lib/exporters/query';
import { exporters, sqlLinesFor } from '@/lib/exporters/registry';
import { exportSelectionSchema, type ExportSelection } from '@/lib/exporters/request';
import { makePrivateDir, runExport } from '@/lib/exporters/runExport';
import { DEFAULT_FORMAT_OPTIONS, type ExportFormat } from '@/lib/exporters/types';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
/** Issue 16: JSONL ≥ 0.6 × COPY, Parquet ≥ 0.35 × COPY, peak RSS < 250 MB. */
const TARGETS = { jsonl: 0.6, parquet: 0.35, rssMb: 250 };

const log = (line: string) => console.log(`[bench:export] ${line}`);

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage.rss()));
const rssTimer = setInterval(sampleRss, 50);
rssTimer.unref();

/**
 * A pg "submittable" for `COPY … TO STDOUT`: pg routes CopyData messages to the active query's
 * handleCopyData, and this one only counts them, so the figure is Postgres' own export speed
 * plus the wire, with no client-side work to speak of.
 */
class CopyOutCounter {
  bytes = 0;
  private resolve!: (bytes: number) => void;
  private reject!: (error: Error) => void;
  private failure: Error | null = null;
  readonly done = new Promise<number>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor(private readonly text: string) {}

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }
  handleCopyData(message: { chunk: Buffer }): void {
    this.bytes += message.chunk.length;
  }
  handleCommandComplete(): void {}
  handleReadyForQuery(): void {
    if (this.failure) this.reject(this.failure);
    else this.resolve(this.bytes);
  }
  handleError(error: Error): void {
    this.failure = error;
  }
}

async function loadPairs(client: pg.Client): Promise<void> {
  // The trigram indexes serve text search, not exports; building them for 1M rows would take minutes.
  await client.query('DROP INDEX IF EXISTS "Pair_instruction_idx", "Pair_rejected_idx"');
  await client.query(`INSERT INTO "PreferenceDataset" (id, name, "pairCount") VALUES ('bench-dataset', 'Bench "pairs", imported', $1)`, [ROWS]);
  const started = performance.now();
  const chunk = 250_000;
  for (let from = 1; from <= ROWS; from += chunk) {
    const to = Math.min(ROWS, from + chunk - 1);
    // ~1.4 kB per pair: a 120-char instruction, 700-char chosen and 500-char rejected answer with
    // non-ASCII text, quotes and newlines, two short reasons; a few percent dropped or audit-rejected.
    await client.query(
      `INSERT INTO "Pair" (origin, "datasetId", topic, instruction, chosen, rejected, "instructionVerdict", "instructionReason",
                           "responseVerdict", "responseReason", status, "auditOutcome", "humanEdited", simulated, "updatedAt")
       SELECT 'IMPORTED', 'bench-dataset', (ARRAY['hate','self-harm','illegal','nsfw'])[1 + g % 4],
              'Write a reply to "' || left(repeat(md5(g::text) || ' ', 4), 100) || '" in café style',
              'Here is a safer answer — ' || left(repeat(md5((g + 1)::text) || ' ünïcödé ', 14), 640) || E'\\n\\nThanks 😀',
              E'Original text:\\n' || left(repeat(md5((g + 2)::text) || ', "quoted" ', 12), 480),
              'PASS', 'The instruction matches the text, clearly.', 'PASS', 'Safe, helpful and better than the rejected one.',
              CASE WHEN g % 50 = 0 THEN 'DROPPED'::"PairStatus" ELSE 'KEPT'::"PairStatus" END,
              CASE WHEN g % 97 = 0 THEN 'REJECTED'::"AuditOutcome" WHEN g % 89 = 0 THEN 'ACCEPTED'::"AuditOutcome" ELSE 'NONE'::"AuditOutcome" END,
              g % 31 = 0, false, now()
         FROM generate_series($1::int, $2::int) g`,
      [from, to],
    );
  }
  await client.query('VACUUM ANALYZE "Pair"');
  log(`loaded ${ROWS.toLocaleString('en')} pairs in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

type Measure = { rows: number; seconds: number; bytes: number; cpuSeconds: number };

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

async function measureCopy(client: pg.Client, selection: ExportSelection): Promise<Measure> {
  const sql = selectionSql(selection, EXPORT_ROW_COLUMNS, literalBinder);
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM (${sql}) s`);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const copy = new CopyOutCounter(`COPY (${sql}) TO STDOUT`);
  await client.query(copy as unknown as pg.QueryConfig);
  const bytes = await copy.done;
  return { rows: Number(rows[0].n), seconds: (performance.now() - started) / 1000, bytes, cpuSeconds: cpuSince(cpu) };
}

/** One format's file alone, as a direct download (stream.ts) writes it. */
async function measureFile(selection: ExportSelection, format: ExportFormat, outDir: string): Promise<Measure> {
  const client = await pool('exports').connect();
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    await makePrivateDir(outDir);
    const exporter = exporters[format];
    const transform = exporter.create({ formatOptions: DEFAULT_FORMAT_OPTIONS });
    const lines = sqlLinesFor([format], DEFAULT_FORMAT_OPTIONS);
    const hashing = new HashingPassThrough();
    await withSnapshot(client, () =>
      pipeline(
        Readable.from(new SelectionReader(client, selection).rows({ lines, linesOnly: lines.length > 0 })),
        transform,
        hashing,
        fs.createWriteStream(path.join(outDir, `${format}.${exporter.extension}`)),
      ),
    );
    hashing.sha256();
    const seconds = (performance.now() - started) / 1000;
    sampleRss();
    return { rows: transform.stats.rowsWritten, seconds, bytes: hashing.bytes, cpuSeconds: cpuSince(cpu) };
  } finally {
    client.release();
  }
}

/** runExport's bundle of one format: its data file, its card config's Parquet when that is another file, README.md and manifest.json. */
async function measureExport(selection: ExportSelection, format: ExportFormat, outDir: string): Promise<Measure> {
  const client = await pool('exports').connect();
  try {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await withSnapshot(client, () =>
      runExport(
        new SelectionReader(client, selection).rows({ lines: sqlLinesFor([format], DEFAULT_FORMAT_OPTIONS) }),
        {
          formats: [format],
          split: { kind: 'none' },
          dedupInstructions: false,
          parquetWorker: process.env.BENCH_PARQUET_WORKER !== '0',
          recipe: { name: 'bench', version: '1', prompts: [], models: [], parameters: {} },
          card: { prettyName: 'bench', license: 'other', language: ['en'] },
          appVersion: 'bench',
          selection: {},
          bundle: false,
        },
        outDir,
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    sampleRss();
    const bytes = result.files.filter((file) => file.format === format).reduce((sum, file) => sum + file.bytes, 0);
    return { rows: result.counts.rowsExported, seconds, bytes, cpuSeconds: cpuSince(cpu) };
  } finally {
    client.release();
  }
}

const rate = (measure: Measure) => measure.rows / measure.seconds;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** The measuring process: no migration engine or data load in it, as in the app, where `next start` runs apart from start.ts. */
async function measure(databaseUrl: string, root: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const selection = exportSelectionSchema.parse({ dedupInstructions: false });
    // Warm the cache the same way for everyone.
    await measureCopy(client, selection);
    const outDir = path.join(process.env.BENCH_OUT_DIR ?? (fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/bench-export-') : root), 'out');
    log(`files written to ${outDir}; measuring in process ${process.pid} (RSS before: ${mb(process.memoryUsage.rss())} MB)`);
    const kinds = {
      copy: { label: 'COPY (SELECT …) TO STDOUT', run: () => measureCopy(client, selection) },
      jsonl: { label: 'JSONL (TRL standard) file alone', run: () => measureFile(selection, 'trl-standard', outDir) },
      parquet: { label: 'Parquet (all columns) bundle', run: () => measureExport(selection, 'parquet', outDir) },
      jsonlBundle: { label: 'JSONL (TRL standard) bundle: JSONL + config Parquet', run: () => measureExport(selection, 'trl-standard', outDir) },
    };
    const best: Partial<Record<keyof typeof kinds, Measure>> = {};
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [kind, { label, run }] of Object.entries(kinds) as [keyof typeof kinds, (typeof kinds)[keyof typeof kinds]][]) {
        const measured = await run();
        fs.rmSync(outDir, { recursive: true, force: true });
        log(
          `round ${round} ${label}: ${measured.rows.toLocaleString('en')} rows, ${mb(measured.bytes)} MB in ${measured.seconds.toFixed(2)} s → ${Math.round(rate(measured)).toLocaleString('en')} rows/s; this process used ${measured.cpuSeconds.toFixed(1)} s CPU (${((measured.cpuSeconds / measured.rows) * 1e6).toFixed(1)} µs/row); RSS now ${mb(process.memoryUsage.rss())} MB`,
        );
        const previous = best[kind];
        if (!previous || rate(measured) > rate(previous)) best[kind] = measured;
      }
    }
    if (outDir.startsWith('/dev/shm/')) fs.rmSync(path.dirname(outDir), { recursive: true, force: true });
    const copy = best.copy as Measure;
    const jsonl = best.jsonl as Measure;
    const parquet = best.parquet as Measure;
    const jsonlBundle = best.jsonlBundle as Measure;
    log(
      `best COPY ${Math.round(rate(copy)).toLocaleString('en')} rows/s, JSONL file ${Math.round(rate(jsonl)).toLocaleString('en')} rows/s (${(rate(jsonl) / rate(copy)).toFixed(2)} of COPY), ` +
        `Parquet ${Math.round(rate(parquet)).toLocaleString('en')} rows/s (${(rate(parquet) / rate(copy)).toFixed(2)} of COPY), ` +
        `JSONL bundle ${Math.round(rate(jsonlBundle)).toLocaleString('en')} rows/s (${(rate(jsonlBundle) / rate(copy)).toFixed(2)} of COPY, ${jsonlBundle.seconds.toFixed(2)} s)`,
    );
    if (jsonl.rows !== copy.rows || parquet.rows !== copy.rows || jsonlBundle.rows !== copy.rows) {
      throw new Error(`row counts differ: COPY ${copy.rows}, JSONL ${jsonl.rows}, Parquet ${parquet.rows}, JSONL bundle ${jsonlBundle.rows}`);
    }

    sampleRss();
    const peakRssMb = Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024);
    const result = {
      jsonl_ratio: Number((rate(jsonl) / rate(copy)).toFixed(3)),
      parquet_ratio: Number((rate(parquet) / rate(copy)).toFixed(3)),
      peak_rss_mb: peakRssMb,
      jsonl_bundle_ratio: Number((rate(jsonlBundle) / rate(copy)).toFixed(3)),
      jsonl_bundle_seconds: Number(jsonlBundle.seconds.toFixed(2)),
    };
    log(`peak RSS of the measuring process ${peakRssMb} MB (Postgres runs in its own processes)`);
    log(
      `targets: JSONL ≥ ${TARGETS.jsonl} of COPY ${result.jsonl_ratio >= TARGETS.jsonl ? 'met' : 'MISSED'}, Parquet ≥ ${TARGETS.parquet} ${result.parquet_ratio >= TARGETS.parquet ? 'met' : 'MISSED'}, RSS < ${TARGETS.rssMb} MB ${peakRssMb < TARGETS.rssMb ? 'met' : 'MISSED'}`,
    );
    console.log(JSON.stringify(result));
  } finally {
    await client.end().catch(() => undefined);
    await closePools(['exports']);
  }
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
  fs.chmodSync(root, 0o755);
  log(`embedded Postgres in ${root}`);
  const database = await startEmbeddedPostgres({ databaseDir: path.join(root, 'postgres'), password: 'bench' });
  try {
    await migrateOnStart(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await loadPairs(client).finally(() => client.end());
    // Same node and loader flags (tsx), this file, in measuring mode.
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), MEASURE_FLAG], {
      stdio: 'inherit',
      env: { ...process.env, DATABASE_URL: database.url, BENCH_ROOT: root },
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`the measuring process exited with ${code}`);
  } finally {
    await database.stop();
    if (!process.env.BENCH_KEEP) fs.rmSync(root, { recursive: true, force: true });
  }
}

const MEASURE_FLAG = '--measure';

const run = process.argv.includes(MEASURE_FLAG)
  ? () => measure(process.env.DATABASE_URL ?? '', process.env.BENCH_ROOT ?? os.tmpdir())
  : main;
run().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
