/**
 * Hash-rank sampling, shared by audits (lib/audit/sampling), run selection (lib/pipeline/selection)
 * and evaluation runs (lib/eval/runs).
 *
 * Samples are drawn by *hash rank*: every id gets rank = first 52 bits of md5(seed || id), and a
 * sample of n is the n ids with the smallest rank (ties, practically impossible, broken by id).
 * For a well-mixed hash this is a uniform random sample without replacement (bottom-k sampling),
 * and it has two properties a PRNG shuffle lacks:
 * - the database can draw the very same sample with `ORDER BY <sqlSampleRankExpression>, id`
 *   (see below) without loading the population into memory;
 * - the sample is stable under unrelated changes: adding items to the population never evicts a
 *   sampled item unless the new item's rank is smaller.
 */
import { createHash } from 'node:crypto';

/** Bits of the md5 digest used as the rank: 52 so the value is an exact integer in a JS number. */
const RANK_HEX_DIGITS = 13;

/**
 * Stable pseudo-random rank of `id` under `seed`: an integer in [0, 2^52).
 * Equals the SQL `sqlSampleRankExpression` on PostgreSQL with a UTF-8 database, because both hash
 * the UTF-8 bytes of seed followed by id.
 */
export function rankForSample(id: string, seed: string): number {
  const digest = createHash('md5').update(seed + id, 'utf8').digest('hex');
  return Number.parseInt(digest.slice(0, RANK_HEX_DIGITS), 16);
}

const SQL_PLACEHOLDER = /^\$[1-9][0-9]*$/;
const SQL_IDENTIFIER_CHAIN = /^(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+")(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"]|"")+"))*$/;

/**
 * PostgreSQL expression with the same value as `rankForSample(id, seed)` (a bigint):
 *
 *   ('x' || substr(md5($1 || "Item"."id"::text), 1, 13))::bit(52)::bigint
 *
 * `seedPlaceholder` must be a positional parameter (`$1`, `$2`, …) so the seed is never spliced into
 * SQL text; `idColumn` must be a plain or double-quoted identifier chain. Draw a sample with
 * `ORDER BY <expr>, <id> COLLATE "C" LIMIT n`, or per stratum with
 * `row_number() OVER (PARTITION BY <stratum> ORDER BY <expr>, <id> COLLATE "C") <= n_stratum`.
 */
export function sqlSampleRankExpression(seedPlaceholder: string, idColumn: string): string {
  if (!SQL_PLACEHOLDER.test(seedPlaceholder)) {
    throw new Error(`seedPlaceholder must be a positional parameter like "$1", got ${JSON.stringify(seedPlaceholder)}`);
  }
  if (!SQL_IDENTIFIER_CHAIN.test(idColumn)) {
    throw new Error(`idColumn must be a column reference like "id" or "Item"."id", got ${JSON.stringify(idColumn)}`);
  }
  return `('x' || substr(md5(${seedPlaceholder} || ${idColumn}::text), 1, ${RANK_HEX_DIGITS}))::bit(${RANK_HEX_DIGITS * 4})::bigint`;
}

/** Byte-order comparison of ASCII ids, matching `COLLATE "C"` in PostgreSQL. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `ids` ordered by their hash rank under `seed` (the order the SQL expression gives). */
export function orderByHashRank(ids: readonly string[], seed: string): string[] {
  return ids
    .map((id) => ({ id, rank: rankForSample(id, seed) }))
    .sort((a, b) => a.rank - b.rank || compareIds(a.id, b.id))
    .map((entry) => entry.id);
}
