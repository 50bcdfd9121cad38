import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { db } from '@/lib/db/client';
import { importConfigSchema } from '@/lib/importers/jobs/config';
import { beginImport, cancelImport, createImport, deleteImport, markInterruptedImports, resumeImport } from '@/lib/importers/jobs/lifecycle';
import { getImportView } from '@/lib/importers/jobs/queries';
import { runImport } from '@/lib/importers/jobs/runner';
import { loadSampleCorpus, sampleCorpusName } from '@/lib/importers/sample';
import { cleanFileName, saveUpload, UploadTooLargeError } from '@/lib/importers/uploads';

import { createTestUser } from '../helpers';
import { corpusNamed, importFile, loadImport, newCorpus, tempFiles, textsOf, uniqueName } from './helpers';

const temp = tempFiles();

/** `count` unique texts, every 10th row a duplicate of the row before and every 25th row bad. */
function corpusLines(count: number): { content: string; unique: number; duplicates: number; bad: number } {
  const lines: string[] = [];
  let unique = 0;
  let duplicates = 0;
  let bad = 0;
  for (let index = 1; index <= count; index++) {
    if (index % 25 === 0) {
      lines.push('{"text": ""}');
      bad++;
    } else if (index % 10 === 0) {
      lines.push(lines[lines.length - 1]);
      duplicates++;
    } else {
      lines.push(JSON.stringify({ text: `text number ${index}`, topic: ['hate', 'nsfw'][index % 2] }));
      unique++;
    }
  }
  // A duplicate of a bad row is bad too.
  const badCopies = lines.filter((line, index) => index > 0 && line === '{"text": ""}' && (index + 1) % 25 !== 0).length;
  return { content: lines.join('\n'), unique, duplicates: duplicates - badCopies, bad: bad + badCopies };
}

const mapping = { textColumn: 'text', topic: { kind: 'column' as const, column: 'topic' } };

async function start(file: string, name: string) {
  const { id } = await createImport({ filePath: file, fileName: path.basename(file), fileBytes: 1, ownsFile: false, createdById: null });
  const { token } = await beginImport(id, importConfigSchema.parse(newCorpus(name, mapping)), null);
  return { id, token };
}

describe('interrupted imports are never shown as complete, and resume exactly', () => {
  it('a RUNNING import whose heartbeat went stale is marked FAILED by the sweep, then resumes with the right totals', async () => {
    const shape = corpusLines(3000);
    const file = await temp.file('stale.jsonl', shape.content);
    const name = uniqueName('stale');
    const { id } = await start(file, name);
    // Its runner "died" before doing anything: nothing beats any more.
    await db().$executeRaw`UPDATE "Import" SET "heartbeatAt" = (now() AT TIME ZONE 'UTC') - interval '5 minutes' WHERE id = ${id}`;
    const swept = await markInterruptedImports();
    expect(swept.interrupted).toContain(id);
    const failed = await getImportView(id);
    expect(failed).toMatchObject({ status: 'FAILED', failureKind: 'interrupted', resumable: true });
    expect(failed!.error).toMatch(/Interrupted/);

    const { token } = await resumeImport(id, null);
    const outcome = await runImport(id, token, { batchRows: 100 });
    expect(outcome).toMatchObject({ status: 'COMPLETED', rowsInserted: shape.unique, duplicates: shape.duplicates, errors: shape.bad });
    const record = await loadImport(id);
    expect(record).toMatchObject({ status: 'COMPLETED', rowsRead: 3000, rowsInserted: shape.unique, duplicates: shape.duplicates, errorCount: shape.bad });
    expect(await db().sourceText.count({ where: { importId: id } })).toBe(shape.unique);
  });

  it('an import that stops unexpectedly mid-way keeps its committed rows and continues after the last committed line', async () => {
    const shape = corpusLines(5000);
    const file = await temp.file('midway.jsonl', shape.content);
    const name = uniqueName('midway');
    const { id, token } = await start(file, name);
    let batches = 0;
    const first = await runImport(id, token, {
      batchRows: 200,
      writers: 2,
      onProgress: (progress) => {
        // Simulates the process failing (disk, bug) after a few committed batches.
        if (progress.phase === 'importing' && ++batches === 4) throw new Error('simulated crash');
      },
    });
    expect(first).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/stopped unexpectedly \(simulated crash\)/) });
    const partial = await loadImport(id);
    expect(partial.rowsInserted).toBeGreaterThan(0);
    expect(partial.rowsInserted).toBeLessThan(shape.unique);
    // Counters and rows were committed together.
    expect(await db().sourceText.count({ where: { importId: id } })).toBe(partial.rowsInserted);
    expect(partial.committedLine).toBeGreaterThan(0);
    expect((await getImportView(id))!.resumable).toBe(true);
    // The corpus shows that it is incomplete.
    expect((await corpusNamed(name))!.itemCount).toBe(partial.rowsInserted);

    const { token: again } = await resumeImport(id, null);
    const second = await runImport(id, again, { batchRows: 200 });
    expect(second.status).toBe('COMPLETED');
    const record = await loadImport(id);
    expect(record).toMatchObject({ rowsRead: 5000, rowsInserted: shape.unique, duplicates: shape.duplicates, errorCount: shape.bad });
    const texts = await textsOf(record.corpusId!);
    expect(texts).toHaveLength(shape.unique);
    // File order survives two writers and a resume.
    expect(texts.map((row) => row.line)).toEqual([...texts.map((row) => row.line!)].sort((a, b) => a - b));
    expect((await corpusNamed(name))!).toMatchObject({ itemCount: shape.unique, duplicateCount: shape.duplicates });
  });

  it('only interrupted imports can be resumed', async () => {
    const { importId } = await importFile(await temp.file('done.txt', 'one\ntwo\n'), newCorpus(uniqueName('done'), { textColumn: 'text' }));
    await expect(resumeImport(importId, null)).rejects.toThrow(/Only an interrupted import/);
  });
});

describe('cancel and delete', () => {
  it('cancelling a running import removes what it stored, including the corpus it created', async () => {
    const shape = corpusLines(20_000);
    const file = await temp.file('cancel.jsonl', shape.content);
    const name = uniqueName('cancel');
    const { id, token } = await start(file, name);
    const user = await createTestUser('RESEARCHER');
    let cancelled = false;
    const outcome = await runImport(id, token, {
      batchRows: 200,
      heartbeatMs: 100,
      onProgress: (progress) => {
        if (progress.phase === 'importing' && progress.rowsInserted > 0 && !cancelled) {
          cancelled = true;
          void cancelImport(id, { id: user.id, email: user.email });
        }
      },
    });
    expect(cancelled).toBe(true);
    expect(outcome.status).toBe('CANCELLED');
    const record = await loadImport(id);
    expect(record).toMatchObject({ status: 'CANCELLED', rowsInserted: 0, corpusId: null });
    expect(record.error).toMatch(/Cancelled by researcher-/);
    expect(await db().sourceText.count({ where: { importId: id } })).toBe(0);
    expect(await corpusNamed(name)).toBeNull();
    const audit = await db().auditLog.findFirst({ where: { action: 'import.cancel', targetId: id } });
    expect(audit?.actorId).toBe(user.id);
  });

  it('deleting an import removes its rows from an existing corpus and fixes the counts', async () => {
    const name = uniqueName('delete');
    const first = await importFile(await temp.file('d1.txt', 'alpha\nbeta\n'), newCorpus(name, { textColumn: 'text' }));
    const corpusId = first.record.corpusId!;
    const second = await importFile(await temp.file('d2.txt', 'beta\ngamma\ndelta\n'), { kind: 'corpus', target: { mode: 'existing', corpusId }, mapping: { textColumn: 'text' } });
    expect(second.outcome).toMatchObject({ rowsInserted: 2, duplicates: 1 });
    await deleteImport(second.importId, null);
    expect(await db().import.findUnique({ where: { id: second.importId } })).toBeNull();
    expect((await textsOf(corpusId)).map((row) => row.text)).toEqual(['alpha', 'beta']);
    expect(await db().corpus.findUniqueOrThrow({ where: { id: corpusId } })).toMatchObject({ itemCount: 2 });
    // Deleting the first import empties the corpus it created, so the corpus goes too.
    await deleteImport(first.importId, null);
    expect(await db().corpus.findUnique({ where: { id: corpusId } })).toBeNull();
  });

  it('a second import into a corpus waits for the running one', async () => {
    const name = uniqueName('busy');
    const first = await importFile(await temp.file('b1.txt', 'x\n'), newCorpus(name, { textColumn: 'text' }));
    const corpusId = first.record.corpusId!;
    const a = await createImport({ filePath: first.record.filePath, fileName: 'a', fileBytes: 2, ownsFile: false, createdById: null });
    await beginImport(a.id, importConfigSchema.parse({ kind: 'corpus', target: { mode: 'existing', corpusId }, mapping: { textColumn: 'text' } }), null);
    const b = await createImport({ filePath: first.record.filePath, fileName: 'b', fileBytes: 2, ownsFile: false, createdById: null });
    await expect(beginImport(b.id, importConfigSchema.parse({ kind: 'corpus', target: { mode: 'existing', corpusId }, mapping: { textColumn: 'text' } }), null)).rejects.toThrow(/Another import into this corpus is running/);
    await cancelImport(a.id, null);
  });
});

describe('sample corpus', () => {
  it('loads once, however often it is asked for', async () => {
    const results = await Promise.all([loadSampleCorpus(null), loadSampleCorpus(null), loadSampleCorpus(null)]);
    expect(new Set(results.map((result) => result.corpusId)).size).toBe(1);
    expect(results.filter((result) => result.created)).toHaveLength(1);
    expect(await db().corpus.count({ where: { name: sampleCorpusName } })).toBe(1);
    const corpus = await db().corpus.findUniqueOrThrow({ where: { id: results[0].corpusId } });
    expect(corpus.itemCount).toBe(100);
    const topics = await db().sourceText.groupBy({ by: ['topic'], where: { corpusId: corpus.id }, _count: true });
    expect(Object.fromEntries(topics.map((row) => [row.topic, row._count]))).toEqual({ hate: 25, 'self-harm': 25, illegal: 25, nsfw: 25 });
    expect((await loadSampleCorpus(null)).created).toBe(false);
  });
});

describe('uploads', () => {
  it('streams to the uploads folder and refuses more than the limit, leaving no partial file', async () => {
    process.env.DATA_DIR ??= path.join(tmpdir(), `studio-uploads-${process.pid}`);
    async function* chunks(count: number) {
      for (let index = 0; index < count; index++) yield Buffer.alloc(1024, 0x61);
    }
    const saved = await saveUpload(chunks(10), { maxBytes: 20 * 1024 });
    expect(saved.bytes).toBe(10 * 1024);
    expect(existsSync(saved.filePath)).toBe(true);
    const before = await readdir(path.dirname(saved.filePath));
    await expect(saveUpload(chunks(30), { maxBytes: 20 * 1024 })).rejects.toBeInstanceOf(UploadTooLargeError);
    expect(await readdir(path.dirname(saved.filePath))).toEqual(before);
    expect(cleanFileName('../../etc/pass\u0000wd.csv')).toBe('passwd.csv');
    expect(cleanFileName('')).toBe('upload');
  });
});
