import type pg from 'pg';
import { createPool, poolSize } from '@/lib/db/pools';

export { NOW_UTC, type SqlPool } from '@/lib/db/sql';

/** A SQL string literal, for the few statements sent as one multi-statement simple query. */
export function sqlLiteral(value: string): string {
  if (value.includes('\u0000')) throw new Error('A SQL literal cannot contain a NUL character');
  const quoted = `'${value.replace(/'/g, "''")}'`;
  return value.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

export function sqlInteger(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Expected an integer for SQL, got ${value}`);
  return String(value);
}

/** A finite number as a float8 literal (String() may give exponent notation, which Postgres reads). */
export function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`Expected a finite number for SQL, got ${value}`);
  return `${String(value)}::float8`;
}

/** sqlNumber, or NULL for null. */
export function sqlNumberOrNull(value: number | null): string {
  return value === null ? 'NULL' : sqlNumber(value);
}

/**
 * A small pool of its own: the LLM layer's statements are short and must not queue behind page
 * queries. Its sessions use synchronous_commit = off: cache entries, call-log rows and leases
 * then commit without waiting for the WAL flush. A crash of the database server (not of the
 * app) can lose the last few hundred milliseconds of them, which costs at most a repeated call;
 * it never corrupts anything.
 */
export function createLlmPool(connectionString: string, max = poolSize('llm')): pg.Pool {
  return createPool('llm', { connectionString, max, onConnect: (client) => client.query('SET synchronous_commit = off') });
}
