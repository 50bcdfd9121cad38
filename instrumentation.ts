// Next's startup hook (Node runtime only, never during `next build`): runs a worker for every
// queue inside the app server process unless IN_APP_WORKER=0 (then the server only enqueues, and
// `npm run worker` processes do the work, sweeps included).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || process.env.NEXT_PHASE === 'phase-production-build') return;
  if (process.env.IN_APP_WORKER === '0') return;
  const { startInAppWorker } = await import('@/lib/worker/runtime');
  // Not awaited: the server answers requests while the worker connects.
  void startInAppWorker();
}
