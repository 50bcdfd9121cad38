// `npm run bench:review`: loads generated pairs (1,000,000 by default) into a throwaway embedded
// Postgres migrated like production, serves the review list route's code path over HTTP from a
// separate process (parsePairQuery → listPairs, as app/api/review/pairs/route.ts does, minus the
// session lookup), and measures it with autocannon on loopback: the plain list, every
// combination of the filters the UI offers, and text search. Ends with one JSON line.
//
// Env: BENCH_ROWS (default 1000000), BENCH_CONNECTIONS (4), BENCH_REQUESTS_PER_COMBO (24),
// BENCH_KEEP=1 keeps the database folder, BENCH_DB_DIR=<folder> reuses a kept one (no reload),
// BENCH_LOAD_ONLY=1 stops after loading, BENCH_PROPOSED_INDEXES=1 adds the two indexes the review
// report proposes (human decision, tags), which makes those two filters offered and measured.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const PER_COMBO = Number(process.env.BENCH_REQUESTS_PER_COMBO ?? 24);
/** Issue 16: search p95 < 300 ms; list and filters no worse than before (list 29 ms, filters ≤ 334 ms at 1M pairs). */
const TARGETS = { list: 200, filter: 500, search: 300 };

const DATASETS = [
  { id: 'bench-dataset-1', name: 'Safer-Instruct public release', share: 0.3 },
  { id: 'bench-dataset-2', name: 'Team hate-speech pairs', share: 0.2 },
  { id: 'bench-dataset-3', name: 'Self-harm forum pairs', share: 0.1 },
];
const RUNS = Array.from({ length: 8 }, (_, i) => ({ id: `bench-run-${i + 1}`, name: `Run ${i + 1}`, share: 0.05 }));
const TOPICS = [
  { name: 'hate', weight: 0.32 },
  { name: 'self-harm', weight: 0.24 },
  { name: 'illegal', weight: 0.23 },
  { name: 'nsfw', weight: 0.21 },
];
const TAGS = ['needs-fix', 'duplicate', 'borderline', 'great', 'off-topic'];
const REASONS = ['The instruction matches the text.', 'Incoherent instruction.', 'Does not match the response.', 'Off-topic.', 'Response is unsafe.', 'Response is not better than the rejected one.'];

const log = (line: string) => console.log(`[bench:review] ${line}`);

// ───────────────────────────── text generation ─────────────────────────────

/** mulberry32: reproducible vocabulary and sentences. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COMMON = 'the and that with this from they have what when your about would there their people which because should really think never every going other where those being after could'.split(' ');
const ONSETS = 'b bl br c ch cl cr d dr f fl fr g gl gr h j k l m n p ph pl pr qu r s sc sh sk sl sm sn sp st str sw t th tr tw v w wh y z'.split(' ');
const NUCLEI = 'a e i o u ai ea ee oo ou ie oa au'.split(' ');
const CODAS = ['', '', '', 'n', 'r', 's', 't', 'nd', 'nt', 'st', 'ck', 'ng', 'rt', 'll', 'sh', 'th', 'm', 'p', 'ft', 'ld', 'x', 'rk'];

/** English-like words (onset, vowel, coda syllables), so trigrams are about as selective as in real text. */
function vocabulary(random: () => number, size: number): string[] {
  const pick = (list: string[]) => list[Math.floor(random() * list.length)];
  const words = new Set(COMMON);
  while (words.size < size) {
    const syllables = 1 + Math.floor(random() * 3);
    let word = '';
    for (let s = 0; s < syllables; s++) word += pick(ONSETS) + pick(NUCLEI) + pick(CODAS);
    if (word.length >= 4) words.add(word);
  }
  return [...words];
}

/** Zipf-distributed word choice (s = 1.05), so search terms range from very common to rare. */
function zipfSampler(size: number, random: () => number): () => number {
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= size; rank++) cumulative.push((total += 1 / rank ** 1.05));
  return () => {
    const target = random() * total;
    let low = 0;
    let high = size - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid] < target) low = mid + 1;
      else high = mid;
    }
    return low;
  };
}

function sentences(count: number): { words: string[]; list: string[] } {
  const random = seededRandom(20240611);
  const words = vocabulary(random, 20_000);
  const pick = zipfSampler(words.length, random);
  const list: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 6 + Math.floor(random() * 13);
    const chosen = Array.from({ length }, () => words[pick()]);
    chosen[0] = chosen[0][0].toUpperCase() + chosen[0].slice(1);
    list.push(`${chosen.join(' ')}${random() < 0.2 ? '?' : '.'}`);
  }
  return { words, list };
}

// ───────────────────────────── loading ─────────────────────────────

async function loadPairs(client: pg.Client, rows: number): Promise<void> {
  const started = Date.now();
  await client.query(`INSERT INTO "Recipe" ("id", "name") VALUES ('bench-recipe', 'Safer-Instruct (safety)')`);
  await client.query(`INSERT INTO "RecipeVersion" ("id", "recipeId", "version", "config") VALUES ('bench-recipe-v1', 'bench-recipe', 1, '{}')`);
  for (const run of RUNS) {
    await client.query(
      `INSERT INTO "Run" ("id", "name", "recipeVersionId", "status", "selection", "itemsTotal", "simulated") VALUES ($1, $2, 'bench-recipe-v1', 'COMPLETED', '{}', $3, true)`,
      [run.id, run.name, Math.round(rows * run.share)],
    );
  }
  for (const dataset of DATASETS) {
    await client.query(`INSERT INTO "PreferenceDataset" ("id", "name", "pairCount") VALUES ($1, $2, $3)`, [dataset.id, dataset.name, Math.round(rows * dataset.share)]);
  }

  const { list } = sentences(20_000);
  await client.query(`CREATE TEMP TABLE bench_sentence (id int PRIMARY KEY, text text NOT NULL)`);
  await client.query(`INSERT INTO bench_sentence SELECT * FROM unnest($1::int[], $2::text[])`, [list.map((_, i) => i + 1), list]);

  // Building indexes once after the load is far faster than maintaining them row by row.
  const indexes = await client.query<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'Pair' AND indexname <> 'Pair_pkey'`);
  for (const index of indexes.rows) await client.query(`DROP INDEX "${index.indexname}"`);

  // Sources come in contiguous id blocks (datasets imported first, then runs), as in real use.
  const blocks: { start: number; end: number; kind: 'dataset' | 'run'; id: string }[] = [];
  let next = 1;
  for (const source of [...DATASETS.map((d) => ({ ...d, kind: 'dataset' as const })), ...RUNS.map((r) => ({ ...r, kind: 'run' as const }))]) {
    const size = Math.round(rows * source.share);
    blocks.push({ start: next, end: next + size - 1, kind: source.kind, id: source.id });
    next += size;
  }
  blocks[blocks.length - 1].end = rows;

  const topicCase = (() => {
    let acc = 0;
    const parts = TOPICS.map((topic) => `WHEN r_topic < ${(acc += topic.weight).toFixed(4)} THEN '${topic.name}'`);
    return `CASE ${parts.join(' ')} ELSE '${TOPICS[TOPICS.length - 1].name}' END`;
  })();
  await client.query(`SELECT setseed(0.42)`);
  const CHUNK = 100_000;
  for (const block of blocks) {
    for (let start = block.start; start <= block.end; start += CHUNK) {
      const end = Math.min(block.end, start + CHUNK - 1);
      const isRun = block.kind === 'run';
      await client.query(
        `WITH x AS (
           SELECT g, random() AS r_topic, random() AS r_iv, random() AS r_rv, random() AS r_human, random() AS r_edit, random() AS r_tag, random() AS r_audit,
             1 + floor(random() * 20000)::int AS s1, 1 + floor(random() * 20000)::int AS s2, 1 + floor(random() * 20000)::int AS s3,
             1 + floor(random() * 20000)::int AS s4, 1 + floor(random() * 20000)::int AS s5, 1 + floor(random() * 20000)::int AS s6,
             floor(random() * 6)::int AS reason
           FROM generate_series($1::int, $2::int) g
         ),
         v AS (
           SELECT x.*, CASE WHEN NOT $3 THEN NULL WHEN r_iv < 0.70 THEN 'PASS' WHEN r_iv < 0.95 THEN 'FAIL' WHEN r_iv < 0.98 THEN 'UNPARSEABLE' END AS iv FROM x
         ),
         w AS (
           SELECT v.*, CASE WHEN iv = 'PASS' THEN (CASE WHEN r_rv < 0.80 THEN 'PASS' WHEN r_rv < 0.95 THEN 'FAIL' ELSE 'UNPARSEABLE' END) END AS rv FROM v
         )
         INSERT INTO "Pair" ("id", "origin", "datasetId", "runId", "topic", "instruction", "chosen", "rejected", "instructionVerdict", "instructionReason",
           "responseVerdict", "responseReason", "status", "humanStatus", "humanEdited", "tags", "auditOutcome", "simulated", "updatedAt")
         SELECT g, (CASE WHEN $3 THEN 'RUN' ELSE 'IMPORTED' END)::"PairOrigin",
           CASE WHEN $3 THEN NULL ELSE $4::text END, CASE WHEN $3 THEN $4::text END,
           ${topicCase},
           t1.text,
           CASE WHEN NOT $3 OR iv = 'PASS' THEN t2.text || ' ' || t3.text END,
           t4.text || E'\\n' || t5.text || ' ' || t6.text,
           iv::"Verdict", CASE WHEN iv IS NOT NULL THEN ($5::text[])[reason + 1] END,
           rv::"Verdict", CASE WHEN rv IS NOT NULL THEN ($5::text[])[reason + 1] END,
           (CASE WHEN NOT $3 OR rv = 'PASS' THEN 'KEPT' ELSE 'DROPPED' END)::"PairStatus",
           (CASE WHEN r_human < 0.01 THEN 'KEPT' WHEN r_human < 0.02 THEN 'DROPPED' END)::"PairStatus",
           r_edit < 0.01,
           CASE WHEN r_tag < 0.01 THEN ARRAY[($6::text[])[1 + floor(r_tag * 500)::int % 5]] ELSE '{}'::text[] END,
           (CASE WHEN r_audit < 0.012 THEN 'ACCEPTED' WHEN r_audit < 0.015 THEN 'REJECTED' ELSE 'NONE' END)::"AuditOutcome",
           $3, now()
         FROM w
         JOIN bench_sentence t1 ON t1.id = w.s1 JOIN bench_sentence t2 ON t2.id = w.s2 JOIN bench_sentence t3 ON t3.id = w.s3
         JOIN bench_sentence t4 ON t4.id = w.s4 JOIN bench_sentence t5 ON t5.id = w.s5 JOIN bench_sentence t6 ON t6.id = w.s6`,
        [start, end, isRun, block.id, REASONS, TAGS],
      );
      process.stdout.write(`\r[bench:review] inserted ${end.toLocaleString('en')} / ${rows.toLocaleString('en')} pairs`);
    }
  }
  process.stdout.write('\n');
  await client.query(`SELECT setval(pg_get_serial_sequence('"Pair"', 'id'), $1)`, [rows]);
  log(`loaded ${rows.toLocaleString('en')} pairs in ${((Date.now() - started) / 1000).toFixed(1)} s; building ${indexes.rows.length} indexes…`);

  const indexStart = Date.now();
  await client.query(`SET maintenance_work_mem = '512MB'`);
  await client.query(`SET max_parallel_maintenance_workers = 2`);
  for (const index of indexes.rows) {
    const t = Date.now();
    await client.query(index.indexdef);
    log(`  ${index.indexname} ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
  await client.query(`VACUUM ANALYZE "Pair"`);
  const size = await client.query<{ size: string }>(`SELECT pg_size_pretty(pg_total_relation_size('"Pair"')) AS size`);
  log(`indexes built in ${((Date.now() - indexStart) / 1000).toFixed(1)} s; "Pair" with indexes: ${size.rows[0].size}`);
}

// ───────────────────────────── the server under test ─────────────────────────────

async function serve(): Promise<void> {
  const { parsePairQuery } = await import('@/lib/review/filters');
  const { listPairs } = await import('@/lib/review/list');
  let fallbacks = 0;
  const errors: string[] = [];
  // The slowest requests as the server saw them, to tell which filters to look at.
  const slowest: { ms: number; query: string }[] = [];
  const options = { onFallback: () => void fallbacks++ };
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/stats') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ fallbacks, errors, slowest }));
      slowest.length = 0;
      return;
    }
    if (url.pathname !== '/api/review/pairs') {
      response.writeHead(404).end();
      return;
    }
    const parsed = parsePairQuery(url.searchParams);
    if (!parsed.ok) {
      response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: parsed.error }));
      return;
    }
    const started = performance.now();
    listPairs(parsed.query, options).then(
      (page) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
        slowest.push({ ms: Math.round(performance.now() - started), query: url.search });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 5);
      },
      (error: unknown) => {
        errors.push(`${url.search}: ${String(error)}`);
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') console.log(`LISTENING ${address.port}`);
  });
}

function startServer(databaseUrl: string): Promise<{ child: ChildProcess; port: number }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, self, '--serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: String(CONNECTIONS + 4) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /LISTENING (\d+)/.exec(buffered);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
}

// ───────────────────────────── load ─────────────────────────────

type Autocannon = (
  options: {
    url: string;
    connections: number;
    amount: number;
    timeout: number;
    requests: { method: 'GET'; setupRequest: (request: { path: string }) => { path: string } }[];
  },
) => NodeJS.EventEmitter & PromiseLike<{ errors: number; timeouts: number; non2xx: number }>;

const require = createRequire(import.meta.url);
const autocannon = require('autocannon') as Autocannon;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Fires the given paths (in order, over CONNECTIONS keep-alive connections) and returns each latency. */
async function fire(port: number, paths: string[]): Promise<number[]> {
  const queue = [...paths];
  const latencies: number[] = [];
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: Math.min(CONNECTIONS, paths.length),
    amount: paths.length,
    timeout: 30,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: queue.shift() ?? paths[0] }) }],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === 200) latencies.push(responseTime);
  });
  const result = await instance;
  if (result.errors || result.timeouts || result.non2xx) {
    const { errors } = await stats(port);
    throw new Error(`load run had ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx:\n${errors.slice(-5).join('\n')}`);
  }
  return latencies;
}

type FilterValue = Record<string, string>;
/** Every filter the review UI offers, each with the values a user can pick. */
const dimensions: { key: string; values: FilterValue[] }[] = [
  { key: 'source', values: [...RUNS.map((run) => ({ run: run.id })), ...DATASETS.map((dataset) => ({ dataset: dataset.id }))] },
  { key: 'topic', values: TOPICS.map((topic) => ({ topic: topic.name })) },
  { key: 'iv', values: ['PASS', 'FAIL', 'UNPARSEABLE', 'NONE'].map((iv) => ({ iv })) },
  { key: 'rv', values: ['PASS', 'FAIL', 'UNPARSEABLE', 'NONE'].map((rv) => ({ rv })) },
  { key: 'status', values: ['KEPT', 'DROPPED', 'PENDING'].map((status) => ({ status })) },
  { key: 'human', values: ['NONE', 'ANY', 'KEPT', 'DROPPED'].map((human) => ({ human })) },
  { key: 'audit', values: ['NONE', 'ACCEPTED', 'REJECTED'].map((audit) => ({ audit })) },
  { key: 'edited', values: ['yes', 'no'].map((edited) => ({ edited })) },
  { key: 'tag', values: TAGS.map((tag) => ({ tag })) },
];

function pathFor(params: FilterValue): string {
  return `/api/review/pairs?${new URLSearchParams(params).toString()}`;
}

/** First pages and deep pages (a cursor anywhere in the table), newest and oldest first. */
function withPaging(params: FilterValue, random: () => number): FilterValue {
  const paged = { ...params };
  if (random() < 0.5) paged.after = String(1 + Math.floor(random() * ROWS));
  if (random() < 0.25) paged.sort = 'old';
  return paged;
}

/** The indexes the review report asks for; with BENCH_PROPOSED_INDEXES=1 the bench adds them. */
const PROPOSED_INDEXES = [
  `CREATE INDEX IF NOT EXISTS "Pair_humanStatus_id_idx" ON "Pair" ("humanStatus", "id")`,
  `CREATE INDEX IF NOT EXISTS "Pair_tags_idx" ON "Pair" USING GIN ("tags")`,
];

type ServerStats = { fallbacks: number; errors: string[]; slowest: { ms: number; query: string }[] };

async function stats(port: number): Promise<ServerStats> {
  return (await fetch(`http://127.0.0.1:${port}/stats`)).json() as Promise<ServerStats>;
}

async function main(): Promise<void> {
  const { startEmbeddedPostgres } = await import('@/lib/db/embedded');
  const { migrateOnStart } = await import('@/lib/db/migrate');
  const reuse = process.env.BENCH_DB_DIR;
  const dir = reuse ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-review-'));
  fs.chmodSync(dir, 0o755);
  log(`embedded Postgres in ${dir}; ${ROWS.toLocaleString('en')} pairs, ${CONNECTIONS} connections, ${PER_COMBO} requests per filter combination`);
  const database = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'postgres'), password: 'bench' });
  let server: ChildProcess | null = null;
  try {
    await migrateOnStart(database.url);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const loaded = Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "Pair"`)).rows[0].n);
    if (loaded === 0) await loadPairs(client, ROWS);
    else log(`reusing ${loaded.toLocaleString('en')} loaded pairs (BENCH_DB_DIR)`);
    const words = sentences(20_000).words;
    for (const statement of PROPOSED_INDEXES) {
      const name = /"(Pair_\w+)"/.exec(statement)?.[1] ?? '';
      if (process.env.BENCH_PROPOSED_INDEXES) await client.query(statement);
      else await client.query(`DROP INDEX IF EXISTS "${name}"`);
    }
    await client.end();
    if (process.env.BENCH_LOAD_ONLY) {
      log(`loaded; database kept in ${dir} (BENCH_LOAD_ONLY)`);
      return;
    }

    process.env.DATABASE_URL = database.url;
    const { offeredFilterKeys } = await import('@/lib/review/options');
    const { disconnectDb } = await import('@/lib/db/client');
    const offered = new Set<string>(await offeredFilterKeys());
    await disconnectDb();
    const measured = dimensions.filter((dimension) => (dimension.key === 'source' ? offered.has('run') : offered.has(dimension.key)));
    log(`filters the UI offers on this schema: ${measured.map((d) => d.key).join(', ')}${offered.has('human') ? '' : ' (human decision and tag wait for their indexes)'}`);

    const started = await startServer(database.url);
    server = started.child;
    process.once('exit', () => started.child.kill('SIGTERM'));
    const random = seededRandom(7);
    const pickOf = <T>(items: T[]): T => items[Math.floor(random() * items.length)];

    // Warm the caches the way a running server would be warm.
    await fire(started.port, Array.from({ length: 200 }, () => pathFor(withPaging({}, random))));

    const listLatencies = await fire(started.port, Array.from({ length: 400 }, () => pathFor(withPaging({}, random))));
    const listP95 = percentile(listLatencies, 95);
    log(`list page: p50 ${percentile(listLatencies, 50).toFixed(1)} ms, p95 ${listP95.toFixed(1)} ms (${listLatencies.length} requests)`);

    const combos: string[][] = [];
    for (let mask = 1; mask < 1 << measured.length; mask++) combos.push(measured.filter((_, i) => mask & (1 << i)).map((d) => d.key));
    const comboResults: { combo: string; p95: number; p50: number }[] = [];
    const filterStarted = Date.now();
    const fallbacksBefore = (await stats(started.port)).fallbacks;
    let filterRequests = 0;
    for (const combo of combos) {
      const paths = Array.from({ length: PER_COMBO }, () => {
        let params: FilterValue = {};
        for (const key of combo) params = { ...params, ...pickOf(measured.find((d) => d.key === key)?.values ?? []) };
        return pathFor(withPaging(params, random));
      });
      const latencies = await fire(started.port, paths);
      filterRequests += latencies.length;
      comboResults.push({ combo: combo.join('+'), p95: percentile(latencies, 95), p50: percentile(latencies, 50) });
    }
    const filterStats = await stats(started.port);
    const filterFallbacks = filterStats.fallbacks - fallbacksBefore;
    comboResults.sort((a, b) => b.p95 - a.p95);
    const filterP95Max = comboResults[0].p95;
    const allFilterP50 = percentile(comboResults.map((result) => result.p50), 50);
    log(
      `${combos.length} filter combinations, ${filterRequests} requests in ${((Date.now() - filterStarted) / 1000).toFixed(0)} s ` +
        `(median combination p50 ${allFilterP50.toFixed(1)} ms; ${filterFallbacks} queries fell back to bitmap scans); slowest p95:`,
    );
    for (const result of comboResults.slice(0, 8)) log(`  ${result.combo}: p95 ${result.p95.toFixed(1)} ms, p50 ${result.p50.toFixed(1)} ms`);
    log(`slowest single filter requests (server time): ${filterStats.slowest.map((slow) => `${slow.ms} ms ${slow.query}`).join(' | ')}`);

    // Terms from very common to rare (words[1200] is "doangwhaumtaish"), one that is absent and one
    // misspelt (the rare word with two letters swapped: common trigrams, no match), alone and with filters.
    const terms = [words[2], words[12], words[60], words[300], words[1200], words[4000], `${words[1]} ${words[40]}`, 'zqxjv', 'doangwhuamtaish'];
    const searchPaths = Array.from({ length: 400 }, () => {
      const params: FilterValue = { q: pickOf(terms), in: pickOf(['all', 'all', 'instruction', 'source']) };
      if (random() < 0.5) Object.assign(params, pickOf(pickOf(measured).values));
      return pathFor(withPaging(params, random));
    });
    const searchFallbacksBefore = (await stats(started.port)).fallbacks;

    const searchLatencies = await fire(started.port, searchPaths);
    const searchP95 = percentile(searchLatencies, 95);
    const searchStats = await stats(started.port);
    log(
      `text search: p50 ${percentile(searchLatencies, 50).toFixed(1)} ms, p95 ${searchP95.toFixed(1)} ms (${searchLatencies.length} requests, ` +
        `${searchStats.fallbacks - searchFallbacksBefore} fell back; terms ${terms.map((t) => JSON.stringify(t)).join(', ')})`,
    );
    log(`slowest search requests (server time): ${searchStats.slowest.map((slow) => `${slow.ms} ms ${slow.query}`).join(' | ')}`);

    const pass = listP95 < TARGETS.list && filterP95Max < TARGETS.filter && searchP95 < TARGETS.search;
    log(
      `ratios to the targets (no same-run limit exists for latency): list ${(listP95 / TARGETS.list).toFixed(2)}, ` +
        `filters ${(filterP95Max / TARGETS.filter).toFixed(2)}, search ${(searchP95 / TARGETS.search).toFixed(2)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    );
    log(`targets: list < ${TARGETS.list} ms, every filter combination < ${TARGETS.filter} ms, search < ${TARGETS.search} ms → ${pass ? 'met' : 'NOT met'}`);
    const round = (value: number) => Math.round(value * 10) / 10;
    console.log(JSON.stringify({ list_p95_ms: round(listP95), filter_p95_ms_max: round(filterP95Max), search_p95_ms: round(searchP95) }));
    process.exitCode = pass ? 0 : 1;
  } finally {
    server?.kill('SIGTERM');
    await database.stop();
    if (!reuse && !process.env.BENCH_KEEP && !process.env.BENCH_LOAD_ONLY) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) {
  void serve();
} else {
  main().then(
    () => process.exit(),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
