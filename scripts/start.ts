// `npm start`: embedded Postgres (unless DATABASE_URL), migrations, first admin, build when
// sources changed, then `next start`. Ctrl-C stops everything cleanly.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { openDatabase, type DatabaseHandle } from '@/lib/db/runtime';
import { migrateOnStart, MigrationStateError } from '@/lib/db/migrate';
import { loadOrCreateSecrets, dataDir } from '@/lib/runtime/data-dir';
import { buildIsCurrent, markBuildCurrent } from '@/lib/runtime/build-fingerprint';

// Offline-first: a first start must not announce (or attempt) Next.js telemetry.
process.env.NEXT_TELEMETRY_DISABLED ??= '1';

const dev = process.argv.includes('--dev');
const log = (line: string) => console.log(`[studio] ${line}`);
const require = createRequire(import.meta.url);
const nextBin = require.resolve('next/dist/bin/next');
const webServer = fileURLToPath(new URL('./web-server.mjs', import.meta.url));

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const appUrl = process.env.APP_URL ?? `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}`;

let database: DatabaseHandle | null = null;
let server: ChildProcess | null = null;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    if (server?.pid && server.exitCode === null) {
      // next start leaves next-server behind unless the whole group is signalled.
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 5000);
        server?.once('exit', () => (clearTimeout(timer), resolve(null)));
      });
    }
    if (database?.embedded) log('Stopping the embedded Postgres…');
    await database?.stop().catch((error: unknown) => log(`Postgres stop: ${String(error)}`));
  }
  process.exit(code);
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

async function main() {
  // Also makes DATA_DIR private again on every start (secrets.json 0600, uploads/ and exports/ 0700).
  const secrets = loadOrCreateSecrets();
  process.env.NEXTAUTH_SECRET ||= secrets.nextauthSecret;
  process.env.ENCRYPTION_KEY ||= secrets.encryptionKey;
  process.env.NEXTAUTH_URL ||= appUrl;

  database = await openDatabase((line) => process.env.DEBUG_POSTGRES && log(line), log);
  process.env.DATABASE_URL = database.url;
  log(database.embedded ? `Embedded Postgres running (data in ${database.clusterDir ?? `${dataDir()}/postgres`}).` : 'Using the Postgres at DATABASE_URL.');

  try {
    const applied = await migrateOnStart(database.url);
    log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database schema is up to date.');
  } catch (error) {
    if (error instanceof MigrationStateError) {
      console.error(`\n[studio] Cannot start: ${error.message}\n`);
      return stop(1);
    }
    throw error;
  }

  // Sign-in settings (limits, TRUST_PROXY_HOPS, ADMIN_PASSWORD) are checked here, not at the first sign-in.
  const { UserFacingError } = await import('@/lib/errors');
  try {
    const { trustedProxyHops } = await import('@/lib/auth/client-address');
    trustedProxyHops();
    const { ensureFirstAdmin } = await import('@/lib/auth/users');
    await ensureFirstAdmin(log);
  } catch (error) {
    if (error instanceof UserFacingError) {
      console.error(`\n[studio] Cannot start: ${error.message}\n`);
      return stop(1);
    }
    throw error;
  }

  // LLM simulator: runs in this process when no real provider endpoint is configured.
  const { startSimulatorWhenNoEndpoints } = await import('@/lib/llm/simulator-on-start');
  await startSimulatorWhenNoEndpoints(log);

  if (!dev && !buildIsCurrent()) {
    log('Building the app (first start or changed sources; about a minute)…');
    const build = spawnSync(process.execPath, [nextBin, 'build'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    if (build.status !== 0) {
      console.error('[studio] next build failed.');
      return stop(1);
    }
    markBuildCurrent();
  }

  // Our own server around Next's handler, so the app sees socket addresses (scripts/web-server.mjs).
  server = spawn(process.execPath, [webServer, ...(dev ? ['--dev'] : [])], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NODE_ENV: dev ? 'development' : 'production', PORT: String(port), HOST: host },
    detached: true,
  });
  server.once('exit', (code) => {
    if (!stopping) {
      log(`The web server exited (${code}).`);
      void stop(code ?? 1);
    }
  });
  log(`Open ${appUrl} and sign in.`);
}

main().catch((error: unknown) => {
  console.error('[studio] Start failed:', error);
  void stop(1);
});
