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

/** The columns read by COPY, in the order `CopiedRow` reads them; every value is text or boolean. */
export const COPY_ROW_COLUMNS = [
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
const FIXED_COLUMNS = COPY_ROW_COLUMNS.length;

const AUDIT_STATUSES: Record<string, AuditStatus> = { none: 'none', accepted: 'accepted', rejected: 'rejected' };
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/** One row as COPY sent it; the long texts are decoded on first use (see the module comment). */
export class CopiedRow implements ExportRow {
  readonly id: string;
  readonly topic: string | null;
  readonly sourceKind: SourceKind;
  readonly sourceId: string;
  readonly sourceName: string;
  readonly instructionVerdict: string | null;
  readonly responseVerdict: string | null;
  readonly auditStatus: AuditStatus;
  readonly humanEdited: boolean;
  readonly simulated: boolean;
  readonly encoded: EncodedRow;
  private decoded: { instruction?: string; chosen?: string | null; rejected?: string | null; instructionReason?: string | null; responseReason?: string | null; promptMessages?: readonly PromptMessage[] | null } = {};
  private readonly storedPrompt: Uint8Array | null;

  /** `fields` holds each field's start and length (-1 for NULL) in `data`, and is reused for the next row. */
  constructor(data: Buffer, fields: Int32Array, names: SourceNames, lineKeys: readonly string[]) {
    const text = (i: number) => (fields[2 * i + 1] < 0 ? null : data.toString('utf8', fields[2 * i], fields[2 * i] + fields[2 * i + 1]));
    const bytes = (i: number) => (fields[2 * i + 1] < 0 ? null : data.subarray(fields[2 * i], fields[2 * i] + fields[2 * i + 1]));
    const flag = (i: number) => fields[2 * i + 1] === 1 && data[fields[2 * i]] === 1;
    const runId = text(5);
    const datasetId = text(6);
    const sourceId = runId ?? datasetId ?? '';
    this.id = text(0) as string;
    this.topic = text(4);
    this.sourceKind = runId !== null ? 'run' : 'dataset';
    this.sourceId = sourceId;
    this.sourceName = (runId !== null ? names.runs.get(runId) : names.datasets.get(sourceId)) ?? '(deleted source)';
    this.instructionVerdict = text(7);
    this.responseVerdict = text(9);
    this.auditStatus = AUDIT_STATUSES[text(11) as string] ?? 'none';
    this.humanEdited = flag(12);
    this.simulated = flag(13);
    this.storedPrompt = bytes(14);
    const lines = new Map<string, Uint8Array | null>();
    lineKeys.forEach((key, i) => lines.set(key, bytes(FIXED_COLUMNS + i)));
    this.encoded = {
      text: {
        instruction: bytes(1) as Buffer,
        chosen: bytes(2),
        rejected: bytes(3),
        instructionReason: bytes(8),
        responseReason: bytes(10),
      },
      lines,
      bothSides: flag(FIXED_COLUMNS + lineKeys.length),
    };
  }

  get instruction(): string {
    return (this.decoded.instruction ??= decode(this.encoded.text.instruction) as string);
  }
  get chosen(): string | null {
    if (this.decoded.chosen === undefined) this.decoded.chosen = decode(this.encoded.text.chosen);
    return this.decoded.chosen;
  }
  get rejected(): string | null {
    if (this.decoded.rejected === undefined) this.decoded.rejected = decode(this.encoded.text.rejected);
    return this.decoded.rejected;
  }
  get instructionReason(): string | null {
    if (this.decoded.instructionReason === undefined) this.decoded.instructionReason = decode(this.encoded.text.instructionReason);
    return this.decoded.instructionReason;
  }
  get responseReason(): string | null {
    if (this.decoded.responseReason === undefined) this.decoded.responseReason = decode(this.encoded.text.responseReason);
    return this.decoded.responseReason;
  }
  get promptMessages(): readonly PromptMessage[] | null {
    if (this.decoded.promptMessages === undefined) {
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
  private rest: Buffer | null = null;
  private headerRead = false;
  private fields = new Int32Array(64);
  ended = false;

  /**
   * Calls `onRow(data, fields)` for every complete row in `chunk` (plus what was left of the
   * previous one); `fields` holds (start, length) per field, length -1 for NULL, and is reused.
   */
  push(chunk: Buffer, onRow: (data: Buffer, fields: Int32Array, count: number) => void): void {
    const data = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = null;
    let at = 0;
    if (!this.headerRead) {
      if (data.length < 19) {
        this.rest = data;
        return;
      }
      if (!data.subarray(0, 11).equals(SIGNATURE)) throw new Error('not a binary COPY stream');
      at = 19 + data.readInt32BE(15);
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
      let complete = true;
      for (let i = 0; i < count; i++) {
        if (cursor + 4 > data.length) {
          complete = false;
          break;
        }
        const length = data.readInt32BE(cursor);
        cursor += 4;
        fields[2 * i] = cursor;
        fields[2 * i + 1] = length;
        if (length === -1) continue;
        if (cursor + length > data.length) {
          complete = false;
          break;
        }
        cursor += length;
      }
      if (!complete) break;
      onRow(data, fields, count);
      at = cursor;
    }
    if (at < data.length) this.rest = data.subarray(at);
  }
}

/**
 * Every row of `sql` (selecting COPY_ROW_COLUMNS, then one column per line key, then the
 * both-sides-have-text flag) as CopiedRows. Must run inside the snapshot's transaction. A consumer that stops early
 * lets the rest of the COPY run out unread: the connection is only usable again once it has.
 */
export async function* copyRows(client: pg.ClientBase, sql: string, names: SourceNames, lineKeys: readonly string[]): AsyncGenerator<ExportRow> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
  const parser = new BinaryCopyParser();
  let batch: CopiedRow[] = [];
  const onRow = (data: Buffer, fields: Int32Array) => {
    batch.push(new CopiedRow(data, fields, names, lineKeys));
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
