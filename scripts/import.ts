// npm run import -- <file> [options]   Imports a large file on the server through the same code
// path as the browser upload, printing progress. Run with --help for the options.
import { existsSync, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { loadOrCreateSecrets, dataDir } from '@/lib/runtime/data-dir';

const help = `Usage: npm run import -- <file> [options]

Source corpus (default):
  --corpus <name>           corpus to import into (appended to when exactly one corpus has this name;
                            default: a new corpus named after the file)
  --corpus-id <id>          append to this corpus
  --text-column <c>         column holding the text (default: suggested from the file)
  --topic <value>           one topic for every row, or
  --topic-column <c>        column holding the topic
  --id-column <c>           column holding an external id
  --keep <a,b,…>            columns kept as metadata (default: the remaining columns; --keep "" keeps none)

Preference dataset (a new dataset):
  --dataset <name>          import pairs instead of source texts
  --shape <s>               columns | trl | trl-conversational | openai | hh-rlhf (default: detected)
  --instruction-column <c>, --chosen-column <c>, --rejected-column <c>   for --shape columns

Both:
  --format <f>              csv | tsv | jsonl | json | parquet | text (default: from the name/content)
  --delimiter <d>           CSV delimiter: , ; | or "tab"
  --all-or-nothing          store nothing if any row has a problem (default: skip bad rows)
  --max-text-length <n>     longer texts are row errors (default 32000)
  --max-errors <n>          stop after this many row errors (default 10000)
  --description <text>      description of a new corpus/dataset
  --user <email>            record this user as the importer in the audit log
  --resume <import-id>      continue an interrupted import instead of starting one

Database: DATABASE_URL, else the embedded Postgres in DATA_DIR (${dataDir()}) — the running one of
\`npm start\`, or started for the import when the app is not running.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    corpus: { type: 'string' },
    'corpus-id': { type: 'string' },
    'text-column': { type: 'string' },
    topic: { type: 'string' },
    'topic-column': { type: 'string' },
    'id-column': { type: 'string' },
    keep: { type: 'string' },
    dataset: { type: 'string' },
    shape: { type: 'string' },
    'instruction-column': { type: 'string' },
    'chosen-column': { type: 'string' },
    'rejected-column': { type: 'string' },
    format: { type: 'string' },
    delimiter: { type: 'string' },
    'all-or-nothing': { type: 'boolean', default: false },
    'max-text-length': { type: 'string' },
    'max-errors': { type: 'string' },
    description: { type: 'string' },
    user: { type: 'string' },
    resume: { type: 'string' },
    writers: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function fail(message: string): never {
  console.error(`import: ${message}`);
  process.exit(2);
}

type Database = { url: string; stop(): Promise<void>; how: string };

/** The app's embedded Postgres when it is running (postmaster.pid names its port), else a fresh start of it. */
async function connect(): Promise<Database> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {}, how: 'DATABASE_URL' };
  const pidFile = path.join(dataDir(), 'postgres', 'postmaster.pid');
  if (existsSync(pidFile)) {
    const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
    let alive = false;
    try {
      process.kill(Number(pid), 0);
      alive = true;
    } catch {
      alive = false;
    }
    if (alive && port) {
      const { postgresPassword } = loadOrCreateSecrets();
      return { url: `postgresql://studio:${encodeURIComponent(postgresPassword)}@127.0.0.1:${port.trim()}/studio`, stop: async () => {}, how: `the running embedded Postgres (port ${port.trim()})` };
    }
  }
  const { openDatabase } = await import('@/lib/db/runtime');
  const { migrateOnStart } = await import('@/lib/db/migrate');
  const database = await openDatabase();
  await migrateOnStart(database.url);
  return { url: database.url, stop: database.stop, how: 'the embedded Postgres, started for this import' };
}

const numberFormat = new Intl.NumberFormat('en-US');
const count = (value: number) => numberFormat.format(value);

async function main(): Promise<number> {
  if (values.help) {
    console.log(help);
    return 0;
  }
  if (!values.resume && positionals.length !== 1) fail('give exactly one file (or --resume <import-id>); see --help');

  const database = await connect();
  process.env.DATABASE_URL = database.url;
  // The job layer only: it talks to Postgres through the driver, so this process never loads the ORM.
  const { importConfigSchema } = await import('@/lib/importers/jobs/config');
  const { beginImport, cancelImport, createImport, resumeImport } = await import('@/lib/importers/jobs/lifecycle');
  const { importCounters, runImport } = await import('@/lib/importers/jobs/runner');
  const { closePools } = await import('@/lib/db/pools');
  const { corpusIdsNamed, findActiveUserByEmail, firstRowErrors } = await import('@/lib/importers/jobs/cli');
  const { previewFile, ImportFileError, importFormats, pairShapeNames, csvDelimiters } = await import('@/lib/importers');
  console.log(`Database: ${database.how}`);

  let actor: { id: string; email: string } | null = null;
  if (values.user) {
    const user = await findActiveUserByEmail(values.user);
    if (!user) fail(`no active user with the email ${values.user}`);
    actor = user;
  }

  let importId: string;
  let token: string;
  try {
    if (values.resume) {
      importId = values.resume;
      ({ token } = await resumeImport(importId, actor));
      console.log(`Resuming import ${importId}`);
    } else {
      const file = path.resolve(positionals[0]);
      const info = await stat(file).catch(() => fail(`cannot read ${file}`));
      const format = values.format as (typeof importFormats)[number] | undefined;
      if (format && !importFormats.includes(format)) fail(`--format must be one of ${importFormats.join(', ')}`);
      const delimiter = values.delimiter === 'tab' ? '\t' : values.delimiter;
      if (delimiter && !(csvDelimiters as readonly string[]).includes(delimiter)) fail('--delimiter must be one of , ; | tab');
      const readOptions = { declaredFormat: format, delimiter: delimiter as (typeof csvDelimiters)[number] | undefined };
      const preview = await previewFile(file, { ...readOptions, rowCount: 20 });
      console.log(`File: ${file} (${preview.format}${preview.compressed ? ', gzip' : ''}, columns: ${preview.columns.join(', ')})`);

      const keep = values.keep === undefined ? null : values.keep.split(',').map((column) => column.trim()).filter(Boolean);
      const topic =
        values.topic !== undefined ? { kind: 'fixed' as const, value: values.topic } : values['topic-column'] !== undefined ? { kind: 'column' as const, column: values['topic-column'] } : null;
      const common = {
        format: format ?? null,
        delimiter: readOptions.delimiter ?? null,
        onRowError: values['all-or-nothing'] ? ('abort' as const) : ('skip' as const),
        maxTextLength: values['max-text-length'] ? Number(values['max-text-length']) : undefined,
        maxRowErrors: values['max-errors'] ? Number(values['max-errors']) : undefined,
      };
      const baseName = path.basename(file).replace(/(\.gz)?$/i, '').replace(/\.[^.]+$/, '');
      let config;
      if (values.dataset !== undefined) {
        const suggested = preview.suggestedMapping.pair;
        const shape = (values.shape ?? suggested?.shape ?? (values['instruction-column'] ? 'columns' : undefined)) as (typeof pairShapeNames)[number] | undefined;
        if (!shape || !pairShapeNames.includes(shape)) fail(`cannot tell the shape of the pairs; pass --shape (${pairShapeNames.join(', ')})`);
        const fromSuggestion = suggested?.shape === 'columns' ? suggested : null;
        const mapping =
          shape === 'columns'
            ? {
                shape,
                instructionColumn: values['instruction-column'] ?? fromSuggestion?.instructionColumn ?? fail('pass --instruction-column'),
                chosenColumn: values['chosen-column'] ?? fromSuggestion?.chosenColumn ?? null,
                rejectedColumn: values['rejected-column'] ?? fromSuggestion?.rejectedColumn ?? null,
                topic: topic ?? suggested?.topic ?? { kind: 'none' as const },
                idColumn: values['id-column'] ?? suggested?.idColumn ?? null,
                metadataColumns: keep ?? suggested?.metadataColumns ?? [],
              }
            : { shape, topic: topic ?? suggested?.topic ?? { kind: 'none' as const }, idColumn: values['id-column'] ?? suggested?.idColumn ?? null, metadataColumns: keep ?? suggested?.metadataColumns ?? [] };
        config = importConfigSchema.parse({ kind: 'dataset', target: { mode: 'new', name: values.dataset || baseName, description: values.description ?? null }, mapping, ...common });
      } else {
        const suggested = preview.suggestedMapping.source;
        const textColumn = values['text-column'] ?? suggested?.textColumn ?? fail('pass --text-column');
        let target: { mode: 'existing'; corpusId: string } | { mode: 'new'; name: string; description: string | null };
        if (values['corpus-id']) target = { mode: 'existing', corpusId: values['corpus-id'] };
        else {
          const name = values.corpus ?? baseName;
          const sameName = await corpusIdsNamed(name);
          if (sameName.length > 1) fail(`${sameName.length} corpora are named "${name}"; pass --corpus-id`);
          target = sameName.length === 1 ? { mode: 'existing', corpusId: sameName[0] } : { mode: 'new', name, description: values.description ?? null };
        }
        const mapping = {
          textColumn,
          topic: topic ?? suggested?.topic ?? { kind: 'none' as const },
          idColumn: values['id-column'] ?? suggested?.idColumn ?? null,
          metadataColumns: keep ?? suggested?.metadataColumns.filter((column) => column !== textColumn) ?? [],
        };
        config = importConfigSchema.parse({ kind: 'corpus', target, mapping, ...common });
        console.log(`Into ${target.mode === 'new' ? `a new corpus "${target.name}"` : `the corpus ${target.corpusId}`}; text: "${mapping.textColumn}", topic: ${JSON.stringify(mapping.topic)}, id: ${mapping.idColumn ?? '—'}, metadata: ${mapping.metadataColumns.join(', ') || '—'}`);
      }
      ({ id: importId } = await createImport({ filePath: file, fileName: path.basename(file), fileBytes: info.size, ownsFile: false, createdById: actor?.id ?? null }));
      ({ token } = await beginImport(importId, config, actor));
      console.log(`Import ${importId} started (${config.onRowError === 'abort' ? 'all-or-nothing' : 'bad rows are skipped and reported'}).`);
    }
  } catch (error) {
    if (error instanceof ImportFileError || (error instanceof Error && error.constructor.name === 'UserFacingError')) fail((error as Error).message);
    if (error instanceof Error && error.name === 'ZodError') fail(`invalid options: ${error.message}`);
    throw error;
  }

  let interrupts = 0;
  process.on('SIGINT', () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    console.log('\nCancelling (nothing will be kept)… press Ctrl-C again to quit at once.');
    void cancelImport(importId, actor).catch((error: unknown) => console.error(String(error)));
  });

  const started = Date.now();
  let lastLine = 0;
  const outcome = await runImport(importId, token, {
    writers: values.writers ? Number(values.writers) : undefined,
    onProgress: (progress) => {
      const now = Date.now();
      if (now - lastLine < 1000 || progress.phase === 'done') return;
      lastLine = now;
      const seconds = Math.max((now - started) / 1000, 0.001);
      const percent = progress.totalBytes > 0 ? Math.min(100, Math.floor((progress.bytesRead / progress.totalBytes) * 100)) : 0;
      if (progress.phase === 'checking') {
        console.log(`checking   ${String(percent).padStart(3)}%  ${count(progress.records)} rows read, ${count(progress.errors)} with problems`);
      } else {
        const total = progress.totalRecords === null ? '' : ` of ${count(progress.totalRecords)}`;
        console.log(
          `importing  ${String(percent).padStart(3)}%  ${count(progress.records)}${total} rows, ${count(Math.round(progress.records / seconds))} rows/s, inserted ${count(progress.rowsInserted)}, duplicates ${count(progress.duplicates)}, errors ${count(progress.errors)}`,
        );
      }
    },
  });

  const record = await importCounters(importId);
  let exitCode = 1;
  if (outcome.status === 'COMPLETED') {
    exitCode = 0;
    console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s: ${count(outcome.rowsInserted)} stored, ${count(outcome.duplicates)} duplicates skipped, ${count(outcome.errors)} rows with problems.`);
  } else if (outcome.status === 'LOST') {
    console.error('\nThe import was taken over or deleted meanwhile.');
  } else {
    console.error(`\n${outcome.status}: ${outcome.error}`);
  }
  if (record && record.errorCount > 0) {
    const errors = await firstRowErrors(importId, 10);
    console.log(`Report (first ${errors.length} of ${count(record.errorCount)}; all of it in the app, Corpora → imports):`);
    for (const error of errors) console.log(`  line ${error.line}${error.column ? `, column "${error.column}"` : ''}: ${error.reason}`);
  }
  await closePools(['imports']);
  await database.stop();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
