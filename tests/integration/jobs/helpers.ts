import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { db } from '@/lib/db/client';
import { bundleRequestSchema } from '@/lib/exporters/request';
import { importConfigSchema } from '@/lib/importers/jobs/config';
import { beginImport, createImport, queueImport } from '@/lib/importers/jobs/lifecycle';

/** `npm run worker` as a child: node itself, not npx, so that SIGKILL hits the worker and not a wrapper. */
export function startWorkerProcess(output: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    cwd: process.cwd(),
    env: { ...process.env, IN_APP_WORKER: '0', PIPELINE_JOBS: '4' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  return child;
}

export async function stopWorkerProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, output: string[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nworker output:\n${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A temp folder for this test file's import files. */
export async function tempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jobs-it-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A JSONL corpus file of `rows` distinct texts. */
export async function writeCorpusFile(dir: string, name: string, rows: number): Promise<string> {
  const lines: string[] = [];
  for (let index = 0; index < rows; index++) {
    lines.push(JSON.stringify({ id: index, topic: ['hate', 'illegal', 'nsfw'][index % 3], text: `${name} row ${index}: some ordinary words to make it a sentence` }));
  }
  const file = path.join(dir, `${name}.jsonl`);
  await writeFile(file, lines.join('\n'));
  return file;
}

/** What the mapping action does: createImport → beginImport → queueImport. The job is left to a worker. */
export async function queueCorpusImport(file: string, corpusName: string): Promise<string> {
  const { size } = await import('node:fs/promises').then((fs) => fs.stat(file));
  const { id } = await createImport({ filePath: file, fileName: path.basename(file), fileBytes: size, ownsFile: false, createdById: null });
  const config = importConfigSchema.parse({ kind: 'corpus', target: { mode: 'new', name: corpusName }, mapping: { textColumn: 'text', topic: { kind: 'column', column: 'topic' }, idColumn: 'id' } });
  const { token } = await beginImport(id, config, null);
  await queueImport(id, token);
  return id;
}

/** A preference dataset of `pairs` KEPT pairs with distinct instructions, written in one statement. */
export async function createDataset(name: string, pairs: number): Promise<string> {
  const dataset = await db().preferenceDataset.create({ data: { name } });
  await db().$executeRaw`
    INSERT INTO "Pair" (origin, "datasetId", topic, instruction, chosen, rejected, status, "updatedAt")
    SELECT 'IMPORTED', ${dataset.id}, (ARRAY['hate', 'illegal', 'nsfw'])[1 + g % 3], ${name} || ' instruction ' || g,
      'chosen answer ' || g || repeat(' with some words', 8), 'rejected answer ' || g || repeat(' with other words', 8), 'KEPT', now()
    FROM generate_series(1, ${pairs}::int) AS g`;
  return dataset.id;
}

export function bundleOf(datasetId: string, formats: string[]) {
  return bundleRequestSchema.parse({
    selection: { datasetIds: [datasetId], statuses: ['KEPT'] },
    formats,
    card: { title: 'jobs test', license: 'other', licenseName: 'harm-research-1.0', licenseLink: 'https://example.org/license', language: ['en'] },
  });
}
