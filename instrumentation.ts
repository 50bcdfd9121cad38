// Next's startup hook: runs the pipeline worker inside the app server process (Node runtime only,
// never during `next build`). IN_APP_WORKER=0 turns it off, e.g. when only `npm run worker`
// processes should work on runs.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.IN_APP_WORKER === '0' || process.env.NEXT_PHASE === 'phase-production-build') return;
  const { startInAppWorker } = await import('@/lib/pipeline/runtime');
  // Not awaited: the server answers requests while the worker connects.
  void startInAppWorker();
}
