import type { Exporter, FormatOptions } from './types';

/** A constant as an SQL string literal; relies on standard_conforming_strings (checked before COPY, see `SelectionReader.copyAllowed`). */
export const quoteLiteral = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * The SQL that builds `exporter`'s line under `options`, or null: the reader selects it and the
 * writer looks its bytes up under the same text, so both must ask here.
 */
export function lineSqlFor(exporter: Pick<Exporter, 'sqlLine'>, options: FormatOptions): string | null {
  return exporter.sqlLine?.(options, quoteLiteral) ?? null;
}
