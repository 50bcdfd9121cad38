/** What the in-memory and the Postgres rate limiters share (memory.ts, postgres/limiter.ts). */
import type { Release } from '@/lib/llm/ports';
import type { EndpointLimits } from '@/lib/llm/types';

/** A call waiting for a slot. */
export type Waiter = {
  tokens: number;
  resolve: (release: Release) => void;
  reject: (err: Error) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
};

function positiveOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) && value > 0 ? value : null;
}

/** Limits that cannot deadlock or spin: at least one slot, and no zero-capacity bucket. */
export function saneLimits(limits: EndpointLimits): EndpointLimits {
  const concurrency = Number.isFinite(limits.concurrency) ? Math.max(1, Math.floor(limits.concurrency)) : 1;
  return { concurrency, rpm: positiveOrNull(limits.rpm), tpm: positiveOrNull(limits.tpm) };
}

/** The error an aborted wait for a slot rejects with. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * Puts a call in the queue of waiters; an abort takes it out again and rejects it (then
 * `afterAbort`, e.g. to let the next waiter in).
 */
export function enqueueWaiter(
  queue: Waiter[],
  request: { tokens: number; signal?: AbortSignal },
  resolve: (release: Release) => void,
  reject: (err: Error) => void,
  afterAbort?: () => void,
): void {
  const waiter: Waiter = { tokens: Math.max(0, request.tokens), resolve, reject, signal: request.signal };
  if (request.signal) {
    const signal = request.signal;
    waiter.onAbort = () => {
      const index = queue.indexOf(waiter);
      if (index === -1) return;
      queue.splice(index, 1);
      reject(abortReason(signal));
      afterAbort?.();
    };
    signal.addEventListener('abort', waiter.onAbort, { once: true });
  }
  queue.push(waiter);
}
