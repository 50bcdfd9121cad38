/**
 * Rows through `COPY (SELECT …) TO STDOUT (FORMAT binary)`: the long texts arrive as the UTF-8
 * bytes Postgres stores and stay bytes until someone asks for the string. A JSONL line built by
 * Postgres (`sqlLine`) and the Parquet columns go to the file without ever becoming JavaScript
 * strings; the 1M-row benchmark spent ~40% of its time decoding and re-encoding those texts
 * (issue 16). Back-pressure: pg-copy-streams reads the socket only as fast as rows are taken.
 */
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

import { promptMessagesFor, type PromptMessage } from '@/lib/pairs/prompt-messages';

import type { SourceNames } from './query';
import type { AuditStatus, EncodedRow, ExportRow, SourceKind } from './types';

/** The columns of an export row, in the order `CopiedRow` and `toExportRow` read them; every value is text or boolean. */
export const EXPORT_COLUMN_LIST = [
  'p.id::text',
  'p.instruction',
  'p.chosen',
  'p.rejected',
  'p.topic',
  'p."runId"',
  'p."datasetId"',
  'lower(p."instructionVerdict"::text)',
  'p."instructionReason"',
  'lower(p."responseVerdict"::text)',
  'p."responseReason"',
  'lower(p."auditOutcome"::text)',
  'p."humanEdited"',
  'p.simulated',
  'p."promptMessages"::text',
];
const FIXED_COLUMNS = EXPORT_COLUMN_LIST.length;
/**
 * What a lines-only read (`RowsOptions.linesOnly`) selects: the lines carry the texts, and the
 * router and a direct download's counts need no more than these. The rest (answers, reasons,
 * stored prompt, verdicts, audit outcome, source) is NULL in the SQL: 30% of Postgres' work
 * besides the lines went to them.
 */
const LINES_ONLY_COLUMNS = new Set(['p.id::text', 'p.instruction', 'p.topic', 'p."humanEdited"', 'p.simulated']);

/** The SQL columns of `copyRows`: every one for full rows, else NULL in place of those a lines-only read leaves unread. */
export function copyRowColumns(full: boolean): string[] {
  return EXPORT_COLUMN_LIST.map((column) => (full || LINES_ONLY_COLUMNS.has(column) ? column : 'NULL'));
}

type RowMeta = Pick<ExportRow, 'sourceKind' | 'sourceId' | 'sourceName' | 'instructionVerdict' | 'responseVerdict' | 'auditStatus'>;

const AUDIT_STATUSES: Record<string, AuditStatus> = { none: 'none', accepted: 'accepted', rejected: 'rejected' };
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

const fieldText = (data: Buffer, fields: Int32Array, i: number): string | null =>
  fields[2 * i + 1] < 0 ? null : data.toString('utf8', fields[2 * i], fields[2 * i] + fields[2 * i + 1]);
const fieldBytes = (data: Buffer, fields: Int32Array, i: number): Buffer | null =>
  fields[2 * i + 1] < 0 ? null : data.subarray(fields[2 * i], fields[2 * i] + fields[2 * i + 1]);
const fieldFlag = (data: Buffer, fields: Int32Array, i: number): boolean => fields[2 * i + 1] === 1 && data[fields[2 * i]] === 1;

function rowMeta(data: Buffer, fields: Int32Array, names: SourceNames): RowMeta {
  const runId = fieldText(data, fields, 5);
  const datasetId = fieldText(data, fields, 6);
  const sourceId = runId ?? datasetId ?? '';
  return {
    sourceKind: runId !== null ? 'run' : 'dataset',
    sourceId,
    sourceName: (runId !== null ? names.runs.get(runId) : names.datasets.get(sourceId)) ?? '(deleted source)',
    instructionVerdict: fieldText(data, fields, 7),
    responseVerdict: fieldText(data, fields, 9),
    auditStatus: AUDIT_STATUSES[fieldText(data, fields, 11) as string] ?? 'none',
  };
}

/** One row as COPY sent it; the long texts are decoded on first use (see the module comment). */
export class CopiedRow implements ExportRow {
  readonly id: string;
  readonly topic: string | null;
  readonly humanEdited: boolean;
  readonly simulated: boolean;
  readonly encoded: EncodedRow;
  private decoded: { instruction?: string; chosen?: string | null; rejected?: string | null; instructionReason?: string | null; responseReason?: string | null; promptMessages?: readonly PromptMessage[] | null } = {};
  private readonly storedPrompt: Uint8Array | null;
  private readonly instructionBytes: Uint8Array;
  /** Null for a lines-only read. */
  private readonly meta: RowMeta | null;

  /** `fields` holds each field's start and length (-1 for NULL) in `data`, and is reused for the next row. */
  constructor(
    data: Buffer,
    fields: Int32Array,
    names: SourceNames,
    lineKeys: readonly string[],
    /** False for a lines-only read (see `copyRowColumns`): asking for what it left unread then throws. */
    private readonly full: boolean,
  ) {
    this.id = fieldText(data, fields, 0) as string;
    this.topic = fieldText(data, fields, 4);
    this.meta = full ? rowMeta(data, fields, names) : null;
    this.humanEdited = fieldFlag(data, fields, 12);
    this.simulated = fieldFlag(data, fields, 13);
    this.storedPrompt = fieldBytes(data, fields, 14);
    this.instructionBytes = fieldBytes(data, fields, 1) as Buffer;
    const lines = new Map<string, Uint8Array | null>();
    for (let i = 0; i < lineKeys.length; i++) lines.set(lineKeys[i], fieldBytes(data, fields, FIXED_COLUMNS + i));
    this.encoded = {
      text: full
        ? {
            instruction: this.instructionBytes,
            chosen: fieldBytes(data, fields, 2),
            rejected: fieldBytes(data, fields, 3),
            instructionReason: fieldBytes(data, fields, 8),
            responseReason: fieldBytes(data, fields, 10),
          }
        : null,
      lines,
      bothSides: fieldFlag(data, fields, FIXED_COLUMNS + lineKeys.length),
    };
  }

  private requireFull(name: string): void {
    if (!this.full) throw new Error(`row ${this.id} was read lines-only, without ${name}; read full rows for it`);
  }

  private fullMeta(name: string): RowMeta {
    if (this.meta === null) this.requireFull(name);
    return this.meta as RowMeta;
  }

  get sourceKind(): SourceKind {
    return this.fullMeta('sourceKind').sourceKind;
  }
  get sourceId(): string {
    return this.fullMeta('sourceId').sourceId;
  }
  get sourceName(): string {
    return this.fullMeta('sourceName').sourceName;
  }
  get instructionVerdict(): string | null {
    return this.fullMeta('instructionVerdict').instructionVerdict;
  }
  get responseVerdict(): string | null {
    return this.fullMeta('responseVerdict').responseVerdict;
  }
  get auditStatus(): AuditStatus {
    return this.fullMeta('auditStatus').auditStatus;
  }

  get instruction(): string {
    return (this.decoded.instruction ??= decode(this.instructionBytes) as string);
  }
  get chosen(): string | null {
    return this.decodedText('chosen');
  }
  get rejected(): string | null {
    return this.decodedText('rejected');
  }
  get instructionReason(): string | null {
    return this.decodedText('instructionReason');
  }
  get responseReason(): string | null {
    return this.decodedText('responseReason');
  }
  /** A long text, decoded from its bytes on first use and kept. */
  private decodedText(name: 'chosen' | 'rejected' | 'instructionReason' | 'responseReason'): string | null {
    if (this.decoded[name] === undefined) {
      this.requireFull(name);
      this.decoded[name] = decode(this.encoded.text?.[name] ?? null);
    }
    return this.decoded[name] ?? null;
  }
  get promptMessages(): readonly PromptMessage[] | null {
    if (this.decoded.promptMessages === undefined) {
      this.requireFull('promptMessages');
      this.decoded.promptMessages = this.storedPrompt === null ? null : promptMessagesFor(this.instruction, JSON.parse(decode(this.storedPrompt) as string));
    }
    return this.decoded.promptMessages;
  }
}

function decode(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Splits COPY's binary stream into rows of fields (each a view into the received bytes, or null).
 * The format: an 11-byte signature, flags and a header extension, then per row an int16 field
 * count and per field an int32 length (-1 for NULL) and the bytes; a count of -1 ends the data.
 */
export class BinaryCopyParser {
  /** Bytes of an unfinished row (or header), kept as received until `need` of them are there: a huge text costs one copy, not one per chunk. */
  private rest: Buffer[] = [];
  private restLength = 0;
  private need = 0;
  private headerRead = false;
  private fields = new Int32Array(64);
  ended = false;

  /**
   * Calls `onRow(data, fields, count)` for every complete row in `chunk` (plus what was left of the
   * previous ones); `fields` holds (start, length) per field, length -1 for NULL, and is reused.
   */
  push(chunk: Buffer, onRow: (data: Buffer, fields: Int32Array, count: number) => void): void {
    if (this.ended) return;
    if (this.restLength > 0) {
      this.rest.push(chunk);
      this.restLength += chunk.length;
      if (this.restLength < this.need) return;
    }
    const data = this.restLength > 0 ? Buffer.concat(this.rest, this.restLength) : chunk;
    this.rest = [];
    this.restLength = 0;
    let at = 0;
    if (!this.headerRead) {
      const headerLength = data.length >= 19 ? 19 + data.readInt32BE(15) : 19;
      if (data.length >= 11 && !data.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      if (data.length < headerLength) {
        this.keep(data, headerLength);
        return;
      }
      at = headerLength;
      this.headerRead = true;
    }
    while (at + 2 <= data.length) {
      const count = data.readInt16BE(at);
      if (count === -1) {
        this.ended = true;
        return;
      }
      if (2 * count > this.fields.length) this.fields = new Int32Array(2 * count);
      const fields = this.fields;
      let cursor = at + 2;
      let needed = 0;
      for (let i = 0; i < count; i++) {
        if (cursor + 4 > data.length) {
          needed = cursor + 4;
          break;
        }
        const length = data.readInt32BE(cursor);
        cursor += 4;
        fields[2 * i] = cursor;
        fields[2 * i + 1] = length;
        if (length === -1) continue;
        if (cursor + length > data.length) {
          needed = cursor + length;
          break;
        }
        cursor += length;
      }
      if (needed > 0) {
        this.keep(data.subarray(at), needed - at);
        return;
      }
      onRow(data, fields, count);
      at = cursor;
    }
    if (at < data.length) this.keep(data.subarray(at), at + 2 - at);
  }

  private keep(bytes: Buffer, need: number): void {
    this.rest = [bytes];
    this.restLength = bytes.length;
    this.need = need;
  }
}

/**
 * Every row of `sql` (selecting `copyRowColumns(full)`, then one column per line key, then
 * the both-sides-have-text flag) as CopiedRows. Must run inside the snapshot's transaction. A consumer that stops early
 * lets the rest of the COPY run out unread: the connection is only usable again once it has.
 */
export async function* copyRows(
  client: pg.ClientBase,
  sql: string,
  names: SourceNames,
  lineKeys: readonly string[],
  full: boolean,
): AsyncGenerator<ExportRow> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
  const parser = new BinaryCopyParser();
  let batch: CopiedRow[] = [];
  const onRow = (data: Buffer, fields: Int32Array) => {
    batch.push(new CopiedRow(data, fields, names, lineKeys, full));
  };
  let finished = false;
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) {
      parser.push(chunk as Buffer, onRow);
      const rows = batch;
      batch = [];
      for (const row of rows) yield row;
    }
    finished = true;
    if (!parser.ended) throw new Error('the COPY stream ended before its last row');
  } finally {
    if (!finished && !stream.destroyed && !stream.readableEnded) {
      stream.resume();
      await new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('error', () => resolve());
        stream.once('close', resolve);
      });
    }
  }
}
