// `npm run bench:import [-- --rows 1000000 --writers 2]`: generates a JSONL corpus, imports it
// into a fresh embedded Postgres through the same runner the app and the CLI use, and prints
// rows/s and the peak RSS of this process. The limit it is held against is measured in the same
// run: Postgres' own `COPY "SourceText" … FROM STDIN` of the rows the import stored (read back as
// COPY text beforehand, new corpus id) into the same table with the same indexes. Ends with one
// JSON line (rows_per_s, copy_ratio, peak_rss_mb).
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

import { startEmbeddedPostgres } from '@/lib/db/embedded';

const { values } = parseArgs({
  options: {
    generate: { type: 'string' },
    rows: { type: 'string', default: '1000000' },
    writers: { type: 'string', default: '2' },
    'batch-rows': { type: 'string', default: '2000' },
  },
});
const rowCount = Number(values.rows);
const writers = Number(values.writers);
const batchRows = Number(values['batch-rows']);

let peakSampledRss = 0;
const sampler = setInterval(() => {
  peakSampledRss = Math.max(peakSampledRss, process.memoryUsage().rss);
}, 50);
sampler.unref();

function peakRssMb(): number {
  // VmHWM is the kernel's own high-water mark of this process; the sampler is the fallback.
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  const hwm = match ? Number(match[1]) * 1024 : 0;
  return Math.max(hwm, peakSampledRss) / (1024 * 1024);
}

const topics = ['hate', 'self-harm', 'illegal', 'nsfw'];
const words = (
  'people always never everyone nobody city country work school game online forum post comment reply angry tired ' +
  'honestly really totally rude loud lazy stupid useless pointless boring ugly weird strange cheap expensive late early ' +
  'neighbours tourists drivers gamers teachers managers fans critics voters tenants landlords cyclists commuters ' +
  'should would could must cannot will might ruin hate leave stay stop start steal skip lie cheat complain shout ' +
  'tonight tomorrow yesterday again forever anymore already just only even still quite very so too the a of to and in'
).split(' ');

/** Deterministic pseudo-random sentences of 60–300 characters, roughly like forum comments; every 100th row repeats an earlier one. */
async function writeCorpus(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  let seed = 0x9e3779b9;
  const next = () => {
    // xorshift32: cheap, deterministic, and well spread over the whole range.
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  const sentence = (index: number) => {
    const target = 60 + (next() % 240);
    let text = '';
    while (text.length < target) text += `${words[next() % words.length]} `;
    return `${text}#${index.toString(36)}`;
  };
  let chunk = '';
  let repeatable = '';
  for (let index = 0; index < rows; index++) {
    const text = index % 100 === 99 ? repeatable : sentence(index);
    if (index % 100 === 50) repeatable = text;
    chunk += `${JSON.stringify({ id: `row-${index}`, topic: topics[next() % topics.length], text })}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** CPU seconds (user + system) of a process, plus those of its exited children it waited for. */
function cpuSeconds(pid: number): { own: number; children: number } {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const tick = 100;
    return { own: (Number(fields[11]) + Number(fields[12])) / tick, children: (Number(fields[13]) + Number(fields[14])) / tick };
  } catch {
    return { own: 0, children: 0 };
  }
}

function childPids(parent: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      if (ppid === parent) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** All CPU the embedded Postgres used so far: the postmaster, its live children and the exited ones. */
function postgresCpuSeconds(): number {
  const postmasters = childPids(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  });
  let total = 0;
  for (const postmaster of postmasters) {
    const own = cpuSeconds(postmaster);
    total += own.own + own.children;
    for (const child of childPids(postmaster)) total += cpuSeconds(child).own;
  }
  return total;
}

type PostgresWork = { walMb: number; fullPageImages: number; autovacuums: number; autoanalyzes: number };

/** WAL written and autovacuum runs on "SourceText" so far: where Postgres' CPU goes besides the rows themselves. */
async function postgresWork(pool: pg.Pool): Promise<PostgresWork> {
  const { rows } = await pool.query<PostgresWork>(
    `SELECT (SELECT wal_bytes FROM pg_stat_wal)::float8 / 1048576 AS "walMb", (SELECT wal_fpi FROM pg_stat_wal)::float8 AS "fullPageImages",
       coalesce((SELECT autovacuum_count FROM pg_stat_user_tables WHERE relname = 'SourceText'), 0)::float8 AS autovacuums,
       coalesce((SELECT autoanalyze_count FROM pg_stat_user_tables WHERE relname = 'SourceText'), 0)::float8 AS autoanalyzes`,
  );
  return rows[0];
}

function describeWork(before: PostgresWork, after: PostgresWork): string {
  return `WAL ${(after.walMb - before.walMb).toFixed(0)} MB (${(after.fullPageImages - before.fullPageImages).toLocaleString('en-US')} full-page images), autovacuum ${after.autovacuums - before.autovacuums}×, autoanalyze ${after.autoanalyzes - before.autoanalyzes}× on "SourceText"`;
}

/** The issue's target: the importer at ≥ 0.6 × raw COPY of the same rows. */
const TARGET_COPY_RATIO = 0.6;

const copyColumns = `"corpusId", text, topic, "externalId", metadata, "dedupHash", "importId", line`;

/**
 * The limit: the rows the import stored, COPYed in again under a new corpus (same table, same
 * indexes, same dedup keys, so the unique index does the same work). The payload is read out
 * first, so only COPY FROM STDIN is timed. Returns rows, seconds and Postgres' CPU seconds.
 */
async function measureRawCopy(pool: pg.Pool, corpusId: string, dir: string): Promise<{ rows: number; seconds: number; postgresCpu: number; work: string }> {
  const payload = path.join(dir, 'copy.txt');
  const client = await pool.connect();
  try {
    const copyCorpus = 'bench-copy-limit';
    await client.query(`INSERT INTO "Corpus" (id, name, "createdAt", "updatedAt") VALUES ($1, 'COPY limit', now(), now())`, [copyCorpus]);
    const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
    await pipeline(
      client.query(copyTo(`COPY (SELECT ${literal(copyCorpus)}, text, topic, "externalId", metadata, "dedupHash", "importId", line FROM "SourceText" WHERE "corpusId" = ${literal(corpusId)} ORDER BY id) TO STDOUT`)),
      createWriteStream(payload),
    );
    const workBefore = await postgresWork(pool);
    const postgresBefore = postgresCpuSeconds();
    const started = performance.now();
    const copy = client.query(copyFrom(`COPY "SourceText" (${copyColumns}) FROM STDIN`));
    await pipeline(createReadStream(payload, { highWaterMark: 1 << 20 }), copy);
    const seconds = (performance.now() - started) / 1000;
    const postgresCpu = postgresCpuSeconds() - postgresBefore;
    return { rows: Number(copy.rowCount), seconds, postgresCpu, work: describeWork(workBefore, await postgresWork(pool)) };
  } finally {
    client.release();
    await rm(payload, { force: true });
  }
}

async function main(): Promise<void> {
  if (values.generate) {
    await writeCorpus(values.generate, rowCount);
    return;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-import-'));
  const { chmod } = await import('node:fs/promises');
  await chmod(dir, 0o755);
  const file = path.join(dir, 'corpus.jsonl');
  console.log(`Generating ${rowCount.toLocaleString('en-US')} rows…`);
  // In a child process: generating is not importing, and its garbage would count towards this process's peak RSS.
  const generated = spawnSync(process.execPath, ['--import', 'tsx', 'tests/bench/import.ts', '--generate', file, '--rows', String(rowCount)], { stdio: 'inherit' });
  if (generated.status !== 0) throw new Error('generating the file failed');
  const fileBytes = (await stat(file)).size;
  console.log(`  ${(fileBytes / 1024 / 1024).toFixed(1)} MB of JSONL`);

  console.log('Starting an embedded Postgres…');
  const database = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'postgres'), password: 'bench' });
  try {
    // Migrations run in a child process: the schema engine (wasm) would otherwise stay in this
    // process's memory and count towards the importer's peak RSS, which it has nothing to do with.
    const migrate = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/db-migrate.ts', '--deploy'], {
      env: { ...process.env, DATABASE_URL: database.url },
      stdio: 'inherit',
    });
    if (migrate.status !== 0) throw new Error('migrations failed');
    process.env.DATABASE_URL = database.url;
    const { createImport, beginImport } = await import('@/lib/importers/jobs/lifecycle');
    const { importCounters, runImport } = await import('@/lib/importers/jobs/runner');
    const { importConfigSchema } = await import('@/lib/importers/jobs/config');
    const { closePools, pool } = await import('@/lib/db/pools');
    const { queryRows } = await import('@/lib/db/sql');

    console.log(`  rss before import ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
    const { id } = await createImport({ filePath: file, fileName: 'corpus.jsonl', fileBytes, ownsFile: false, createdById: null });
    const config = importConfigSchema.parse({
      kind: 'corpus',
      target: { mode: 'new', name: 'bench' },
      mapping: { textColumn: 'text', topic: { kind: 'column', column: 'topic' }, idColumn: 'id' },
    });
    const { token } = await beginImport(id, config, null);
    console.log(`  rss after creating the import ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);

    console.log(`Importing (writers: ${writers}, batch: ${batchRows} rows)…`);
    const workBefore = await postgresWork(pool('imports'));
    const cpuBefore = { node: process.cpuUsage(), postgres: postgresCpuSeconds() };
    const started = performance.now();
    let lastPrint = 0;
    let checkEnded: number | null = null;
    const outcome = await runImport(id, token, {
      writers,
      batchRows,
      onProgress: (progress) => {
        if (progress.phase !== 'checking' && checkEnded === null) checkEnded = performance.now();
        const now = performance.now();
        if (now - lastPrint < 2000 && progress.phase !== 'done') return;
        lastPrint = now;
        const seconds = (now - started) / 1000;
        console.log(
          `  ${seconds.toFixed(1)} s  ${progress.phase.padEnd(9)} records ${progress.records.toLocaleString('en-US')}  inserted ${progress.rowsInserted.toLocaleString('en-US')}  duplicates ${progress.duplicates.toLocaleString('en-US')}  rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB heap ${(process.memoryUsage().heapUsed / 1024 / 1024).toFixed(0)} MB ext ${(process.memoryUsage().external / 1024 / 1024).toFixed(0)} MB`,
        );
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const nodeCpu = process.cpuUsage(cpuBefore.node);
    const nodeCpuSeconds = (nodeCpu.user + nodeCpu.system) / 1e6;
    const postgresCpu = postgresCpuSeconds() - cpuBefore.postgres;
    const importWork = describeWork(workBefore, await postgresWork(pool('imports')));
    if (outcome.status !== 'COMPLETED') throw new Error(`import ended ${outcome.status}: ${'error' in outcome ? outcome.error : ''}`);

    const [{ count: stored }] = await queryRows<{ count: number }>(pool('imports'), `SELECT count(*)::int AS count FROM "SourceText"`);
    const record = (await importCounters(id))!;
    const [{ corpusId }] = await queryRows<{ corpusId: string }>(pool('imports'), `SELECT "corpusId" FROM "Import" WHERE id = $1`, [id]);
    console.log('Measuring the limit: COPY … FROM STDIN of the same rows into the same table…');
    const copy = await measureRawCopy(pool('imports'), corpusId, dir);
    await closePools(['imports']);
    const rowsPerSecond = rowCount / seconds;
    const checkSeconds = checkEnded === null ? 0 : (checkEnded - started) / 1000;
    console.log(`\nRows in the file:     ${rowCount.toLocaleString('en-US')}`);
    console.log(`Stored / duplicates:  ${stored.toLocaleString('en-US')} / ${record.duplicates.toLocaleString('en-US')} (errors ${record.errorCount})`);
    console.log(`Time:                 ${seconds.toFixed(1)} s (check pass ${checkSeconds.toFixed(1)} s, inserts ${(seconds - checkSeconds).toFixed(1)} s)`);
    console.log(`Throughput:           ${Math.round(rowsPerSecond).toLocaleString('en-US')} rows/s (whole import, both passes)`);
    console.log(`Peak RSS (this process, VmHWM): ${peakRssMb().toFixed(0)} MB`);
    console.log(`CPU used: importer ${nodeCpuSeconds.toFixed(1)} s, Postgres ${postgresCpu.toFixed(1)} s → ${Math.round(rowCount / (nodeCpuSeconds + postgresCpu)).toLocaleString('en-US')} rows per CPU-second`);
    console.log(`  Postgres during the import: ${importWork}`);
    console.log(`  (the wall-clock figure depends on how much of the 2 cores this process got; other work was running)`);
    const copyRowsPerSecond = copy.rows / copy.seconds;
    const copyRatio = rowsPerSecond / copyRowsPerSecond;
    console.log(
      `Limit (same run):     COPY FROM STDIN ${copy.rows.toLocaleString('en-US')} rows in ${copy.seconds.toFixed(1)} s → ${Math.round(copyRowsPerSecond).toLocaleString('en-US')} rows/s (Postgres ${copy.postgresCpu.toFixed(1)} s CPU)`,
    );
    console.log(`  Postgres during the COPY:   ${copy.work}`);
    console.log(`Import / COPY:        ${copyRatio.toFixed(3)} (target ≥ ${TARGET_COPY_RATIO}: ${copyRatio >= TARGET_COPY_RATIO ? 'met' : 'MISSED'})`);
    console.log(`Machine: ${os.cpus().length} cores, load average ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`);
    if (stored + record.duplicates !== rowCount) throw new Error(`stored + duplicates = ${stored + record.duplicates}, expected ${rowCount}`);
    if (copy.rows !== stored) throw new Error(`COPY stored ${copy.rows} rows, expected ${stored}`);
    clearInterval(sampler);
    console.log(JSON.stringify({ rows_per_s: Math.round(rowsPerSecond), copy_ratio: Number(copyRatio.toFixed(3)), peak_rss_mb: Math.round(peakRssMb()) }));
  } finally {
    await database.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
