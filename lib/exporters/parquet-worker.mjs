// Encodes Parquet row groups off the main thread (see ParquetWorkerTransform in parquet.ts), so
// the main thread keeps reading rows from Postgres while a group is encoded and compressed.
// Plain JavaScript: it must load in a bare worker under tsx, vitest and the Next server alike.
import { parentPort, workerData } from 'node:worker_threads';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';

import { ByteWriter, ParquetWriter } from 'hyparquet-writer';

const { schema, codec, columns, snappyUrl } = workerData;
// By URL from the parent rather than a relative import: a bundler that copies this file as an
// asset (as it does `new URL(…, import.meta.url)` targets) copies snappy.mjs the same way.
const { snappyCompress } = await import(snappyUrl);
const bytes = new ByteWriter(1 << 20);
const writer = new ParquetWriter({
  writer: bytes,
  schema,
  codec,
  compressors: {
    SNAPPY: snappyCompress,
    GZIP: (input) => gzipSync(input, { level: 1 }),
    BROTLI: (input) => brotliCompressSync(input, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } }),
  },
  createdBy: 'safer-instruct-studio',
});

function takeBytes() {
  const data = bytes.getBytes().slice();
  bytes.index = 0;
  return data;
}

/** A column packed by packColumns (parquet.ts) back into one view (or null) per value. */
function unpack(column) {
  if (!column || column.packed !== true) return column;
  const values = new Array(column.lengths.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const length = column.lengths[i];
    if (length < 0) {
      values[i] = null;
      continue;
    }
    values[i] = column.data.subarray(at, at + length);
    at += length;
  }
  return values;
}

parentPort.on('message', (message) => {
  try {
    if (message.kind === 'group') {
      const columnData = columns.map((column, i) => ({
        name: column.name,
        data: unpack(message.columns[i]),
        statistics: column.statistics,
        ...(column.plain ? { encoding: 'PLAIN' } : {}),
      }));
      // ByteWriter has no async flush, so write() finishes synchronously.
      void writer.write({ columnData, rowGroupSize: message.rows });
    } else {
      void writer.finish();
    }
    const data = takeBytes();
    parentPort.postMessage({ kind: 'bytes', data }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  }
});
