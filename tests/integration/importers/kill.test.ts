import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { markInterruptedImports } from '@/lib/importers/jobs/lifecycle';
import { getImportView } from '@/lib/importers/jobs/queries';

import { tempFiles, uniqueName } from './helpers';

const temp = tempFiles();
const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');

function runCli(args: string[]) {
  // Its own process group, so that SIGKILL reaches the node process behind the tsx wrapper.
  const child = spawn(tsx, ['scripts/import.ts', ...args], { env: { ...process.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a real kill', () => {
  it('SIGKILL of `npm run import` mid-way: never shown as complete, marked FAILED by the sweep, resumed to the exact row count', async () => {
    const rows = 120_000;
    const name = uniqueName('killed');
    const fileName = `${name.replaceAll(' ', '_')}.jsonl`;
    const lines: string[] = [];
    for (let index = 0; index < rows; index++) lines.push(JSON.stringify({ id: index, topic: ['hate', 'illegal', 'nsfw'][index % 3], text: `killed import row ${index}: some ordinary words to make it a sentence` }));
    const file = await temp.file(fileName, lines.join('\n'));

    const first = runCli([file, '--corpus', name]);
    const partial = await waitFor(async () => {
      const record = await db().import.findFirst({ where: { fileName } });
      return record && record.rowsInserted >= 2000 ? record : null;
    }, 150_000);
    process.kill(-first.child.pid!, 'SIGKILL');
    await once(first.child, 'exit');

    // Killed: it still says RUNNING until its heartbeat goes stale; it never says COMPLETED.
    const killed = await getImportView(partial.id);
    expect(killed!.status).toBe('RUNNING');
    expect(killed!.rowsInserted).toBeLessThan(rows);
    expect((await markInterruptedImports()).interrupted).not.toContain(partial.id);

    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await markInterruptedImports({ staleAfterSeconds: 2 })).interrupted).toContain(partial.id);
    const failed = await getImportView(partial.id);
    expect(failed).toMatchObject({ status: 'FAILED', resumable: true });
    // What it committed is consistent: counters and rows went in together.
    expect(await db().sourceText.count({ where: { importId: partial.id } })).toBe(failed!.rowsInserted);

    const second = runCli(['--resume', partial.id]);
    const [code] = (await once(second.child, 'exit')) as [number];
    expect(second.output()).toMatch(/Done in/);
    expect(code).toBe(0);
    const done = await db().import.findUniqueOrThrow({ where: { id: partial.id } });
    expect(done).toMatchObject({ status: 'COMPLETED', rowsRead: rows, rowsInserted: rows, duplicates: 0, errorCount: 0 });
    expect(await db().sourceText.count({ where: { corpusId: done.corpusId! } })).toBe(rows);
    expect((await db().corpus.findUniqueOrThrow({ where: { id: done.corpusId! } })).itemCount).toBe(rows);
  }, 300_000);
});
