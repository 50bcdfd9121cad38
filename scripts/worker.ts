// `npm run worker`: an extra pipeline worker process. It joins the app's Postgres (DATABASE_URL,
// or the embedded one `npm start` runs from DATA_DIR) and takes chunk jobs from the same queue as
// the in-app worker; endpoint limits are shared, so more processes help until those limits bind.
import { loadOrCreateSecrets } from '@/lib/runtime/data-dir';
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
  // Stored API keys are encrypted with the app's key; without ENCRYPTION_KEY use the generated one.
  process.env.ENCRYPTION_KEY ||= loadOrCreateSecrets().encryptionKey;
  const concurrency = Number(process.argv.find((arg) => arg.startsWith('--jobs='))?.slice('--jobs='.length));
  const { startWorkerRuntime } = await import('@/lib/pipeline/runtime');
  const runtime = await startWorkerRuntime({ log, concurrentChunks: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : undefined });
  log('ready; Ctrl-C stops after the stages in progress');
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
