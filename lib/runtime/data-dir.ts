import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';

/** Where the app keeps its embedded database, generated secrets and export files. */
export function dataDir(): string {
  return path.resolve(process.env.DATA_DIR ?? '.data');
}

export type GeneratedSecrets = { nextauthSecret: string; encryptionKey: string; postgresPassword: string };

/** Owner-only: the data folder holds secrets, uploaded (harmful) texts and export files. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Traversable but not listable: see `dataDirMode`. */
const TRAVERSE_ONLY_DIR_MODE = 0o711;

/** The folders of DATA_DIR that the app itself writes (the embedded cluster's folder is not among them). */
export const privateSubdirectories = ['uploads', 'exports'] as const;

/**
 * DATA_DIR's own mode: 0700. One exception: as root, the embedded Postgres runs as the unprivileged
 * `postgres` user and must traverse DATA_DIR to reach its cluster folder (DATA_DIR/postgres), so
 * then DATA_DIR is 0711 — other users can pass through it but not list it, and everything the app
 * keeps in it is private by its own mode (secrets.json 0600, uploads/ and exports/ 0700). The
 * cluster folder's own location and mode are decided in lib/db/embedded.ts, not here.
 */
export function dataDirMode(options: { isRoot: boolean; embeddedDatabase: boolean }): number {
  return options.isRoot && options.embeddedDatabase ? TRAVERSE_ONLY_DIR_MODE : PRIVATE_DIR_MODE;
}

function currentDataDirMode(): number {
  return dataDirMode({ isRoot: process.getuid?.() === 0, embeddedDatabase: !process.env.DATABASE_URL });
}

/** mkdir's mode only applies to folders it creates (and the umask trims it): chmod makes it hold for existing ones too. */
export function ensurePrivateDir(dir: string, mode: number = PRIVATE_DIR_MODE): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  chmodOrExplain(dir, mode);
}

function chmodOrExplain(target: string, mode: number): void {
  try {
    fs.chmodSync(target, mode);
  } catch (error) {
    throw new Error(`Cannot restrict ${target} to mode ${mode.toString(8)} (${(error as Error).message}); run the app as the owner of DATA_DIR.`, { cause: error });
  }
}

/**
 * Makes DATA_DIR private again at every start: its own mode, uploads/ and exports/ 0700 and
 * secrets.json 0600 (a copy or a restore from backup easily widens them).
 */
export function secureDataDir(dir = dataDir(), mode = currentDataDirMode()): void {
  ensurePrivateDir(dir, mode);
  for (const name of privateSubdirectories) ensurePrivateDir(path.join(dir, name));
  const secrets = path.join(dir, 'secrets.json');
  if (fs.existsSync(secrets)) chmodOrExplain(secrets, PRIVATE_FILE_MODE);
}

/**
 * Secrets the operator did not provide are generated once and kept (mode 600, re-asserted on
 * every call) in the data folder, so sessions and encrypted API keys survive restarts.
 */
export function loadOrCreateSecrets(dir = dataDir()): GeneratedSecrets {
  const file = path.join(dir, 'secrets.json');
  secureDataDir(dir);
  const existing = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>) : {};
  const secrets: GeneratedSecrets = {
    nextauthSecret: existing.nextauthSecret ?? crypto.randomBytes(32).toString('base64url'),
    encryptionKey: existing.encryptionKey ?? crypto.randomBytes(32).toString('base64'),
    postgresPassword: existing.postgresPassword ?? crypto.randomBytes(18).toString('base64url'),
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: PRIVATE_FILE_MODE });
    // writeFileSync's mode only applies when it creates the file.
    chmodOrExplain(file, PRIVATE_FILE_MODE);
  }
  return secrets;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
