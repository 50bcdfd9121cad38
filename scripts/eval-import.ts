// npx tsx scripts/eval-import.ts <file> --name <set name> [options]   Imports an evaluation prompt set
// through the same code as the browser (lib/eval/sets.ts). Run with --help for the options.
import { parseArgs } from 'node:util';
import { DatabaseNotFoundError, workerDatabaseUrl } from '@/lib/jobs/database-url';

const help = `Usage: npx tsx scripts/eval-import.ts <file> --name <set name> [options]

  --prompt <column>            column holding the prompt (default: suggested from the file)
  --group <column>             column holding the group, e.g. the benchmark (optional)
  --reference <column>         column holding a reference answer (optional)
  --id-column <column>         column holding an external id (optional)
  --response <column=label>    a column holding responses a model already gave, and that model's label
                               (repeat for several models)
  --format <f>                 csv | tsv | jsonl | json | parquet (default: from the name/content)
  --all-or-nothing             store nothing if any row has a problem (default: skip and report bad rows)
  --description <text>
  --user <email>               record this user as the importer in the audit log

Database: DATABASE_URL, else the running embedded Postgres of \`npm start\`.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    name: { type: 'string' },
    prompt: { type: 'string' },
    group: { type: 'string' },
    reference: { type: 'string' },
    'id-column': { type: 'string' },
    response: { type: 'string', multiple: true, default: [] },
    format: { type: 'string' },
    'all-or-nothing': { type: 'boolean', default: false },
    description: { type: 'string' },
    user: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`eval-import: ${message}`);
  process.exit(2);
}

async function main(): Promise<number> {
  if (values.help) {
    console.log(help);
    return 0;
  }
  if (positionals.length !== 1) fail('give exactly one file; see --help');
  if (!values.name) fail('give the set a --name');
  try {
    process.env.DATABASE_URL = workerDatabaseUrl();
  } catch (error) {
    if (error instanceof DatabaseNotFoundError) fail(error.message);
    throw error;
  }
  const { importEvalSet, suggestEvalMapping } = await import('@/lib/eval/sets');
  const { previewFile, importFormats } = await import('@/lib/importers');
  const { findActiveUserByEmail } = await import('@/lib/importers/jobs/cli');
  const { UserFacingError } = await import('@/lib/errors');
  const file = positionals[0];
  const format = values.format ?? null;
  if (format !== null && !(importFormats as readonly string[]).includes(format)) fail(`--format must be one of ${importFormats.join(', ')}`);
  const responses = (values.response ?? []).map((entry) => {
    const at = entry.indexOf('=');
    if (at <= 0) fail(`--response ${entry}: write it as column=label`);
    return { column: entry.slice(0, at), label: entry.slice(at + 1) || entry.slice(0, at) };
  });
  const suggested = suggestEvalMapping((await previewFile(file, { rowCount: 5 })).columns);
  const promptColumn = values.prompt ?? suggested?.promptColumn;
  if (!promptColumn) fail('no prompt column found; give --prompt');
  let actor: { id: string; email: string } | null = null;
  if (values.user) {
    actor = await findActiveUserByEmail(values.user);
    if (!actor) fail(`no active user with the email ${values.user}`);
  }
  try {
    const result = await importEvalSet(
      file,
      {
        name: values.name,
        description: values.description ?? null,
        format: format as (typeof importFormats)[number] | null,
        onRowError: values['all-or-nothing'] ? 'abort' : 'skip',
        mapping: { promptColumn, groupColumn: values.group ?? null, referenceColumn: values.reference ?? null, idColumn: values['id-column'] ?? null, responseColumns: responses },
      },
      actor,
    );
    console.log(`Imported ${result.prompts} prompts into set ${result.setId}${result.rowErrors > 0 ? ` (${result.rowErrors} rows with problems were skipped; see the set's page)` : ''}.`);
    return 0;
  } catch (error) {
    if (error instanceof UserFacingError) {
      console.error(`eval-import: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
