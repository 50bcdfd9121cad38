import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

import { snappyCompress } from './snappy.mjs';
import type { ParquetCodec } from './types';

/** Large enough for good compression and few footer entries, small enough that one group of long texts fits comfortably in memory. */
export const DEFAULT_PARQUET_ROW_GROUP_SIZE = 20_000;
/**
 * A row group is also closed once its text reaches this many characters (UTF-16 units, or bytes
 * for texts read as bytes): encoding holds the texts, their pages and the compressed pages at
 * once (several times the text), so with 1.5 kB pairs 20,000 rows pushed the process past 350 MB.
 * With the JSONL and its Parquet written at once (the Parquet on a worker), 4M peaked at 238 MB,
 * 2M at 200 MB and 1M at 182 MB for the same 200k-row bundle, files within 0.3% in size; but at
 * 1M rows 1M-character groups peaked higher (298 MB) than 2M (243–257 MB): twice the groups.
 */
export const PARQUET_ROW_GROUP_MAX_CHARS = 2_000_000;
/**
 * Snappy: every Parquet reader has it (pyarrow, DuckDB, polars, Spark, parquet-mr and the JVM
 * readers, which may lack Brotli). Brotli at quality 1 encoded ~2x faster than hyparquet-writer's
 * pure-JS Snappy and made ~30% smaller files, so it stays available as an option; Zstd would be the
 * better default but Node 20's zlib has no Zstd.
 */
export const DEFAULT_PARQUET_CODEC: ParquetCodec = 'SNAPPY';

/**
 * Native zlib at its fastest settings, and our Snappy (same bytes as hyparquet-writer's, 2–3x
 * faster: it writes into one preallocated buffer and compares words, not bytes).
 */
export const PAGE_COMPRESSORS = {
  SNAPPY: snappyCompress,
  GZIP: (input: Uint8Array): Uint8Array => gzipSync(input, { level: 1 }),
  BROTLI: (input: Uint8Array): Uint8Array => brotliCompressSync(input, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } }),
};
