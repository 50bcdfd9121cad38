import { once } from 'node:events';

import { from as copyFrom } from 'pg-copy-streams';

import type { PgClient } from '@/lib/db/sql';

/**
 * `COPY … FROM STDIN` in text format. The `INSERT … SELECT FROM unnest($arrays) ORDER BY … ON
 * CONFLICT` it replaces made Postgres parse every batch as array literals, sort and plan it, and
 * the driver escape every text twice (array literal, then wire). Measured with `npm run
 * bench:import`, Postgres CPU of the import: 100k rows 3.1–3.5 s before, 2.4 s after (a raw COPY
 * of the same rows 2.0–2.3 s); 1M rows 30.0–31.5 s before, 28.5–30.3 s after (raw COPY ~20 s:
 * the rest is per-batch work — commits, counters — not the rows).
 */
export type CopyValue = string | number | null;

const special = /[\\\n\r\t]/;
const specials = /[\\\n\r\t]/g;
const escapes: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One field of COPY's text format (NULL is `\N`; backslash, newline, CR and tab are escaped). */
export function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  return special.test(value) ? value.replace(specials, (c) => escapes[c]) : value;
}

/** Chunks handed to the socket: large enough to amortise a write, small enough to stay flat in memory. */
const chunkChars = 256 * 1024;

/** Streams `rows` into `table (columns)` on `client` (inside its transaction) with back-pressure; returns the rows copied. */
export async function copyRows(client: PgClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<number> {
  const stream = client.query(copyFrom(`COPY "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) FROM STDIN`));
  let failure: Error | null = null;
  const failed = once(stream, 'error').then(([error]) => {
    failure = error as Error;
  });
  const finished = once(stream, 'finish');
  // Without a listener an early error (a bad value) would be thrown as unhandled.
  finished.catch(() => undefined);
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + copyField(row[i]);
    chunk += `${line}\n`;
    if (chunk.length >= chunkChars) {
      if (failure) break;
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), failed]);
      chunk = '';
    }
  }
  if (!failure) stream.end(chunk);
  await Promise.race([finished, failed]);
  if (failure) throw failure;
  return stream.rowCount;
}
