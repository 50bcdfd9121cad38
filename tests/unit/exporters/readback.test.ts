import path from 'node:path';

import type { DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';

import { TABLE_COLUMNS } from '@/lib/exporters/columns';
import { exporters } from '@/lib/exporters/registry';
import { toTrlConversationalRecord, toTrlStandardRecord } from '@/lib/exporters/trl';
import type { ExportRow } from '@/lib/exporters/types';

import { connectDuckDb, encodeToFile, makeRows, makeTempDir, queryRows, queryRowsJs, sqlPath } from './rows';

/** The row as the flat CSV/Parquet table should hold it. */
function tableRecord(row: ExportRow): Record<string, unknown> {
  return Object.fromEntries(TABLE_COLUMNS.map((column) => [column.name, column.read(row)]));
}

const COLUMN_LIST = TABLE_COLUMNS.map((column) => `"${column.name}"`).join(', ');

describe('files read back by DuckDB', () => {
  const rows = makeRows(60);
  let duck: DuckDBConnection;
  let dir: string;

  beforeAll(async () => {
    duck = await connectDuckDb();
    dir = await makeTempDir();
  });

  it('TRL standard JSONL: every value, incl. emoji, RTL, zero-width, NFD, newlines and quotes', async () => {
    const file = path.join(dir, 'trl.jsonl');
    await encodeToFile(exporters['trl-standard'].create(), rows, file);
    const read = await queryRows(
      duck,
      `select prompt, chosen, rejected from read_json_auto(${sqlPath(file)}, format='newline_delimited')`,
    );
    expect(read).toEqual(rows.map((row) => toTrlStandardRecord(row)).filter((record) => record !== null));
  });

  it('TRL conversational JSONL: nested message lists', async () => {
    const file = path.join(dir, 'conv.jsonl');
    await encodeToFile(exporters['trl-conversational'].create(), rows, file);
    const read = await queryRowsJs(
      duck,
      `select prompt, chosen, rejected from read_json_auto(${sqlPath(file)}, format='newline_delimited')`,
    );
    expect(read).toEqual(rows.map(toTrlConversationalRecord).filter((record) => record !== null));
  });

  it('CSV: every column, null apart from empty string, embedded CR/LF kept', async () => {
    const file = path.join(dir, 'table.csv');
    await encodeToFile(exporters.csv.create(), rows, file);
    const read = await queryRows(
      duck,
      `select ${COLUMN_LIST} from read_csv(${sqlPath(file)}, header=true, all_varchar=true, allow_quoted_nulls=false, quote='"', escape='"', delim=',')`,
    );
    const expected = rows.map((row) =>
      Object.fromEntries(
        Object.entries(tableRecord(row)).map(([name, value]) => [name, typeof value === 'boolean' ? String(value) : value]),
      ),
    );
    expect(read).toEqual(expected);
    expect(read.find((record) => record.id === rows[2].id)?.chosen).toBe('');
  });

  it('Parquet: every column with its type, across several row groups', async () => {
    const file = path.join(dir, 'table.parquet');
    await encodeToFile(exporters.parquet.create({ parquetRowGroupSize: 16 }), rows, file);
    const read = await queryRows(duck, `select ${COLUMN_LIST} from read_parquet(${sqlPath(file)})`);
    expect(read).toEqual(rows.map(tableRecord));
    const [meta] = await queryRows(duck, `select num_rows, num_row_groups from parquet_file_metadata(${sqlPath(file)})`);
    expect(meta).toEqual({ num_rows: BigInt(rows.length), num_row_groups: BigInt(Math.ceil(rows.length / 16)) });
    const types = await queryRows(duck, `select name, type, converted_type from parquet_schema(${sqlPath(file)}) where name <> 'root'`);
    expect(types.find((t) => t.name === 'human_edited')?.type).toBe('BOOLEAN');
    expect(types.find((t) => t.name === 'chosen')?.converted_type).toBe('UTF8');
  });

  it.each(['SNAPPY', 'GZIP', 'BROTLI', 'UNCOMPRESSED'] as const)('Parquet with %s pages reads back', async (codec) => {
    const file = path.join(dir, `codec-${codec}.parquet`);
    await encodeToFile(exporters.parquet.create({ parquetCodec: codec, parquetRowGroupSize: 25 }), rows, file);
    const read = await queryRows(duck, `select ${COLUMN_LIST} from read_parquet(${sqlPath(file)})`);
    expect(read).toEqual(rows.map(tableRecord));
    const codecs = await queryRows(duck, `select distinct compression from parquet_metadata(${sqlPath(file)})`);
    expect(codecs.map((row) => row.compression)).toEqual([codec]);
  });

  it('Parquet with no rows is still a valid file with the full schema', async () => {
    const file = path.join(dir, 'empty.parquet');
    await encodeToFile(exporters.parquet.create(), [], file);
    const [meta] = await queryRows(duck, `select num_rows from parquet_file_metadata(${sqlPath(file)})`);
    expect(meta.num_rows).toBe(0n);
    const columns = await queryRows(duck, `select name from parquet_schema(${sqlPath(file)}) where name <> 'root'`);
    expect(columns.map((column) => column.name)).toEqual(TABLE_COLUMNS.map((column) => column.name));
  });
});
