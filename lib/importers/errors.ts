import type { RowError } from './types';

export const importFileErrorCodes = [
  'WRONG_FORMAT',
  'TRUNCATED',
  'CORRUPT',
  'DECOMPRESSION_BOMB',
  'TOO_LARGE',
  'EMPTY',
  'MISSING_COLUMN',
  'UNSUPPORTED',
  'ROW_ERROR',
  'TOO_MANY_ERRORS',
] as const;
export type ImportFileErrorCode = (typeof importFileErrorCodes)[number];

/**
 * A problem that stops the whole import. The message is written for the user (what is wrong and
 * what to do); `line`/`column` are set when one place in the file is to blame.
 */
export class ImportFileError extends Error {
  readonly code: ImportFileErrorCode;
  readonly line?: number;
  readonly column?: string;

  constructor(
    code: ImportFileErrorCode,
    message: string,
    where: { line?: number; column?: string; cause?: unknown } = {},
  ) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = 'ImportFileError';
    this.code = code;
    if (where.line !== undefined) this.line = where.line;
    if (where.column !== undefined) this.column = where.column;
  }
}

/** Row errors are told apart from records and mapped rows by their `reason`. */
export function isRowError<T extends object>(item: T | RowError): item is RowError {
  return 'reason' in item;
}

export function describeRowError(error: RowError): string {
  const column = error.column === undefined ? '' : `, column "${error.column}"`;
  return `line ${error.line}${column}: ${error.reason}`;
}

/** The error thrown for policy 'abort'. */
export function rowErrorToFileError(error: RowError): ImportFileError {
  return new ImportFileError('ROW_ERROR', `Import stopped at ${describeRowError(error)}`, {
    line: error.line,
    column: error.column,
  });
}
