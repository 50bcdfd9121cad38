import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatabaseNotFoundError, portFromPostmasterPid, workerDatabaseUrl } from '@/lib/jobs/database-url';
import { budgetExceeded } from '@/lib/pipeline/run-control';
import { runSelectionSchema, selectedSourceTextsSql } from '@/lib/pipeline/selection';

describe('budgetExceeded', () => {
  it('stops at the money or the token cap, whichever comes first', () => {
    expect(budgetExceeded({ budgetUsd: null, budgetTokens: null }, { costUsd: 1e9, tokens: 1e12 })).toBeNull();
    expect(budgetExceeded({ budgetUsd: 1, budgetTokens: null }, { costUsd: 0.99, tokens: 0 })).toBeNull();
    expect(budgetExceeded({ budgetUsd: 1, budgetTokens: null }, { costUsd: 1, tokens: 0 })).toMatch(/\$1\.0000 spent of \$1\.00/);
    expect(budgetExceeded({ budgetUsd: 5, budgetTokens: 1000 }, { costUsd: 0.5, tokens: 1200 })).toMatch(/1,200 tokens used of 1,000/);
  });
});

describe('selectedSourceTextsSql', () => {
  it('numbers its parameters from the given position and orders first N by id', () => {
    const selection = runSelectionSchema.parse({ corpusIds: ['c1', 'c2'], topics: ['hate'], limit: { kind: 'first', count: 10 } });
    const sql = selectedSourceTextsSql(selection, 3);
    expect(sql.values).toEqual([['c1', 'c2'], ['hate'], 10]);
    expect(sql.text).toContain('"corpusId" = ANY($3::text[])');
    expect(sql.text).toContain('topic = ANY($4::text[])');
    expect(sql.text).toMatch(/ORDER BY id LIMIT \$5::int/);
  });

  it('samples by the audit hash rank with the seed as a parameter, never in the SQL text', () => {
    const selection = runSelectionSchema.parse({ corpusIds: ['c1'], limit: { kind: 'sample', size: 5, seed: "x'; DROP TABLE x; --" } });
    const sql = selectedSourceTextsSql(selection, 1);
    expect(sql.values).toEqual([['c1'], "x'; DROP TABLE x; --", 5]);
    expect(sql.text).toContain('md5($2 || id::text)');
    expect(sql.text).not.toContain('DROP');
  });

  it('takes every text of every topic by default', () => {
    const sql = selectedSourceTextsSql(runSelectionSchema.parse({ corpusIds: ['c1'] }), 1);
    expect(sql.values).toEqual([['c1']]);
    expect(sql.text).not.toContain('LIMIT');
    expect(sql.text).not.toContain('topic');
  });

  it('refuses an empty selection', () => {
    expect(runSelectionSchema.safeParse({ corpusIds: [] }).success).toBe(false);
  });
});

describe('workerDatabaseUrl', () => {
  it('prefers DATABASE_URL', () => {
    expect(workerDatabaseUrl({ DATABASE_URL: 'postgresql://a@b/c' }, '/nonexistent')).toBe('postgresql://a@b/c');
  });

  it("finds the embedded Postgres that npm start runs from the data folder", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-url-'));
    fs.mkdirSync(path.join(dir, 'postgres'));
    fs.writeFileSync(path.join(dir, 'postgres', 'postmaster.pid'), '4242\n/data/postgres\n1700000000\n54321\n/tmp\n127.0.0.1\n');
    fs.writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify({ postgresPassword: 'p@ss/word' }));
    expect(workerDatabaseUrl({}, dir)).toBe('postgresql://studio:p%40ss%2Fword@127.0.0.1:54321/studio');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says what to do when there is no database to join', () => {
    expect(() => workerDatabaseUrl({}, path.join(os.tmpdir(), 'no-such-studio-dir'))).toThrow(DatabaseNotFoundError);
    expect(portFromPostmasterPid('1\n2\n3\nnot-a-port\n')).toBeNull();
  });
});
