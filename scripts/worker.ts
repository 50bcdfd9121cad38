// `npm run worker`: a worker process for every queue (pipeline chunks, imports, exports, the
// periodic sweeps). It joins the app's Postgres (DATABASE_URL, or the embedded one `npm start`
// runs from DATA_DIR) and takes jobs from the same queues as the in-app worker; endpoint limits
// are shared, so more processes help until those limits bind.
import fs from 'node:fs';
import path from 'node:path';
import { dataDir } from '@/lib/runtime/data-dir';
import { DatabaseNotFoundError, workerDatabaseUrl } from '@/lib/jobs/database-url';

const log = (line: string) => console.log(`[worker ${process.pid}] ${line}`);

async function main() {
  try {
    process.env.DATABASE_URL = workerDatabaseUrl();
  } catch (error) {
    if (error instanceof DatabaseNotFoundError) {
      console.error(`[worker] ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  // Stored API keys are encrypted with the app's key: ENCRYPTION_KEY, or the one `npm start`
  // generated into DATA_DIR (read, never created here: a new key could not decrypt anything).
  const secretsFile = path.join(dataDir(), 'secrets.json');
  if (!process.env.ENCRYPTION_KEY && fs.existsSync(secretsFile)) {
    const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as { encryptionKey?: string };
    if (secrets.encryptionKey) process.env.ENCRYPTION_KEY = secrets.encryptionKey;
  }
  if (!process.env.ENCRYPTION_KEY) log('ENCRYPTION_KEY is not set: endpoints with a stored API key will fail (keys from environment variables work).');
  const concurrency = Number(process.argv.find((arg) => arg.startsWith('--jobs='))?.slice('--jobs='.length));
  const { startWorkerRuntime } = await import('@/lib/worker/runtime');
  const runtime = await startWorkerRuntime({ log, concurrency: Number.isInteger(concurrency) && concurrency > 0 ? { pipelineChunk: concurrency } : {} });
  log('ready for every queue; Ctrl-C stops after the stages in progress');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    log('stopping…');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    runtime
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('[worker] failed:', error);
  process.exit(1);
});
