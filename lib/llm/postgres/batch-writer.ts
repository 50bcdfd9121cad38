/*
 * Write-behind buffer for rows that need not be in the database before a call returns (call
 * log, cache entries). One multi-row INSERT per batch costs about as much as one single-row
 * INSERT, and it keeps a round trip off every call. Rows are written when the batch is full,
 * after `intervalMs`, on flush() and on close(); a failed write is retried with the rows kept
 * (bounded by `maxBuffered`, oldest dropped with a warning). A SIGKILL loses at most the rows of
 * the last interval.
 */

export type BatchWriterOptions<T> = {
  write: (items: T[]) => Promise<void>;
  maxBatch?: number;
  intervalMs?: number;
  maxBuffered?: number;
  warn: (message: string) => void;
  label: string;
};

export type BatchWriter<T> = {
  add(item: T): void;
  /** Writes everything buffered so far; rejects if the database refuses it. */
  flush(): Promise<void>;
  readonly pending: number;
  close(): Promise<void>;
};

export function createBatchWriter<T>(options: BatchWriterOptions<T>): BatchWriter<T> {
  const maxBatch = options.maxBatch ?? 200;
  const intervalMs = options.intervalMs ?? 20;
  const maxBuffered = options.maxBuffered ?? 50_000;
  let buffer: T[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let writing: Promise<void> | null = null;
  let failures = 0;
  let closed = false;

  function schedule(delayMs: number): void {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = null;
      void drain().catch(() => {});
    }, delayMs);
  }

  async function writeOnce(): Promise<void> {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, maxBatch);
      try {
        await options.write(batch);
      } catch (err) {
        failures += 1;
        if (failures === 1 || failures % 50 === 0) options.warn(`${options.label}: write failed (${failures}×), will retry: ${String(err)}`);
        throw err;
      }
      failures = 0;
      buffer = buffer.slice(batch.length);
    }
  }

  /** One writer at a time; a second caller waits for the first and then writes what is left. */
  async function drain(): Promise<void> {
    while (writing) await writing.catch(() => {});
    if (buffer.length === 0) return;
    writing = writeOnce();
    try {
      await writing;
    } catch (err) {
      schedule(Math.min(5_000, intervalMs * 2 ** Math.min(failures, 8)));
      throw err;
    } finally {
      writing = null;
    }
  }

  return {
    add(item) {
      if (closed) throw new Error(`${options.label} is closed`);
      buffer.push(item);
      if (buffer.length > maxBuffered) {
        buffer.shift();
        options.warn(`${options.label}: more than ${maxBuffered} rows waiting for the database; dropped the oldest`);
      }
      if (buffer.length >= maxBatch && !writing) {
        if (timer) clearTimeout(timer);
        timer = null;
        void drain().catch(() => {});
      } else {
        schedule(intervalMs);
      }
    },
    flush: drain,
    get pending() {
      return buffer.length;
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      try {
        await drain();
      } finally {
        closed = true;
      }
    },
  };
}
