import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { saveUpload } from '@/lib/importers/uploads';
import { dataDirMode, loadOrCreateSecrets, secureDataDir } from '@/lib/runtime/data-dir';

const modeOf = (target: string) => statSync(target).mode & 0o777;
const octal = (mode: number) => mode.toString(8);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'data-dir-modes-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const previousDataDir = process.env.DATA_DIR;
afterEach(() => {
  if (previousDataDir === undefined) delete process.env.DATA_DIR;
  else process.env.DATA_DIR = previousDataDir;
});

/** A data folder as a copy or a restore from backup leaves it: everything readable by everyone. */
function wideOpenDataDir(name: string): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'uploads'), { recursive: true });
  mkdirSync(path.join(dir, 'exports'), { recursive: true });
  const secrets = { nextauthSecret: 'n', encryptionKey: Buffer.alloc(32, 1).toString('base64'), postgresPassword: 'p' };
  writeFileSync(path.join(dir, 'secrets.json'), JSON.stringify(secrets));
  for (const folder of [dir, path.join(dir, 'uploads'), path.join(dir, 'exports')]) chmodSync(folder, 0o777);
  chmodSync(path.join(dir, 'secrets.json'), 0o644);
  return dir;
}

describe('DATA_DIR permissions', () => {
  it('is owner-only, except traversable (never listable) for the embedded Postgres user when running as root', () => {
    expect(octal(dataDirMode({ isRoot: false, embeddedDatabase: true }))).toBe('700');
    expect(octal(dataDirMode({ isRoot: false, embeddedDatabase: false }))).toBe('700');
    expect(octal(dataDirMode({ isRoot: true, embeddedDatabase: false }))).toBe('700');
    expect(octal(dataDirMode({ isRoot: true, embeddedDatabase: true }))).toBe('711');
  });

  it('re-asserts secrets.json 0600 and uploads/, exports/ 0700 at every start, even when the secrets already exist', () => {
    const dir = wideOpenDataDir('existing');
    const secrets = loadOrCreateSecrets(dir);
    expect(secrets.nextauthSecret).toBe('n');
    expect(octal(modeOf(path.join(dir, 'secrets.json')))).toBe('600');
    expect(octal(modeOf(path.join(dir, 'uploads')))).toBe('700');
    expect(octal(modeOf(path.join(dir, 'exports')))).toBe('700');
    // Whatever the process runs as, nobody else can read or write in the data folder itself.
    expect(modeOf(dir) & 0o066).toBe(0);
  });

  it('creates a new data folder private, with the mode chosen for this process', () => {
    const dir = path.join(root, 'fresh', 'data');
    secureDataDir(dir, 0o700);
    expect(octal(modeOf(dir))).toBe('700');
    loadOrCreateSecrets(dir);
    expect(octal(modeOf(path.join(dir, 'secrets.json')))).toBe('600');
    for (const name of ['uploads', 'exports']) expect(octal(modeOf(path.join(dir, name)))).toBe('700');
  });

  it('stores uploads in a 0700 folder as 0600 files, also when the folder was left wide open', async () => {
    const dir = wideOpenDataDir('uploads');
    process.env.DATA_DIR = dir;
    const saved = await saveUpload((async function* () {
      yield new TextEncoder().encode('some harmful text\n');
    })());
    expect(path.dirname(saved.filePath)).toBe(path.join(dir, 'uploads'));
    expect(octal(modeOf(path.join(dir, 'uploads')))).toBe('700');
    expect(octal(modeOf(saved.filePath))).toBe('600');
  });
});
