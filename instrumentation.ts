// Next's startup hook (Node runtime only, never during `next build`): marks imports whose process
// died as failed (resumable), and runs the pipeline worker inside the app server process unless
// IN_APP_WORKER=0 (e.g. when only `npm run worker` processes should work on runs).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { startImportSweeper } = await import('@/lib/importers/jobs/lifecycle');
  startImportSweeper();
  if (process.env.IN_APP_WORKER === '0') return;
  const { startInAppWorker } = await import('@/lib/pipeline/runtime');
  // Not awaited: the server answers requests while the worker connects.
  void startInAppWorker();
}
