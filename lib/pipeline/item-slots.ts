/**
 * How many items a worker process advances at once, whatever chunk they belong to.
 *
 * A chunk job ends when its slowest item ends. Under the issue-16 fault mix (429s with a 1 s
 * Retry-After, 500s with exponential backoff) an item's time varies a lot, so with every item of
 * every held chunk in flight, most chunks spent their last seconds waiting on one or two
 * stragglers: bench:pipeline's fault phase kept only 15–19 calls in flight of 64 (10 jobs × 25
 * items). Bigger chunks give the worker more items than it runs; these slots admit them in the
 * order their chunks started (FIFO), so older chunks finish first, their jobs free up early and
 * the next chunk's items fill the slots a straggler does not use.
 */

/** Items a worker advances at once unless PIPELINE_ITEMS says otherwise. Measured with `npm run bench:pipeline`. */
export const DEFAULT_ITEMS_IN_FLIGHT = 400;

export function itemsInFlightFromEnv(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.PIPELINE_ITEMS);
  return Number.isInteger(value) && value > 0 ? value : DEFAULT_ITEMS_IN_FLIGHT;
}

export class ItemSlots {
  private readonly waiting: { grant: () => void; onAbort: () => void }[] = [];
  private free: number;

  constructor(readonly size: number) {
    this.free = Math.max(1, size);
  }

  /** Waits for a slot in arrival order; rejects with the signal's reason when it aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free > 0 && this.waiting.length === 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', waiter.onAbort);
          resolve();
        },
        onAbort: () => {
          const index = this.waiting.indexOf(waiter);
          if (index !== -1) this.waiting.splice(index, 1);
          reject(signal?.reason);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.free += 1;
  }

  /** Items waiting for a slot (for tests and logs). */
  get queued(): number {
    return this.waiting.length;
  }
}
