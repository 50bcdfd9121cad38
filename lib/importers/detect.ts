import { csvDelimiters, type CsvDelimiter, type ImportFormat } from './types';

/** What we know about the start of the (decompressed) file, for format checks and detection. */
export interface HeadSniff {
  bytes: Buffer;
  /** Head decoded leniently (for sniffing only), BOM removed. */
  text: string;
  /** First non-whitespace character, '' when there is none. */
  firstChar: string;
  /** The first line when it ends inside the head, else null. */
  firstLine: string | null;
  /** Non-null when the bytes are not text: what they look like ("a ZIP archive", …). */
  binaryKind: string | null;
  /** The head is the whole file. */
  complete: boolean;
}

const utf8Bom = [0xef, 0xbb, 0xbf];

export function utf8BomLength(bytes: Uint8Array): number {
  return bytes.length >= 3 && bytes[0] === utf8Bom[0] && bytes[1] === utf8Bom[1] && bytes[2] === utf8Bom[2] ? 3 : 0;
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

export function hasParquetMagic(bytes: Uint8Array): boolean {
  return startsWithBytes(bytes, [0x50, 0x41, 0x52, 0x31]);
}

function startsWithBytes(bytes: Uint8Array, prefix: readonly number[]): boolean {
  if (bytes.length < prefix.length) return false;
  return prefix.every((byte, index) => bytes[index] === byte);
}

const binarySignatures: ReadonlyArray<{ prefix: readonly number[]; kind: string }> = [
  { prefix: [0x50, 0x41, 0x52, 0x31], kind: 'a Parquet file' },
  { prefix: [0x50, 0x4b, 0x03, 0x04], kind: 'a ZIP archive (an .xlsx workbook is one)' },
  { prefix: [0xd0, 0xcf, 0x11, 0xe0], kind: 'an old Office document (.xls/.doc)' },
  { prefix: [0x25, 0x50, 0x44, 0x46], kind: 'a PDF document' },
  { prefix: [0x1f, 0x8b], kind: 'gzip data nested inside gzip' },
  { prefix: [0x42, 0x5a, 0x68], kind: 'bzip2 data (only gzip is supported)' },
  { prefix: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], kind: 'xz data (only gzip is supported)' },
  { prefix: [0x28, 0xb5, 0x2f, 0xfd], kind: 'zstd data (only gzip is supported)' },
  { prefix: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], kind: 'a 7-Zip archive' },
  { prefix: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], kind: 'an SQLite database' },
  { prefix: [0xff, 0xfe], kind: 'UTF-16 text (re-save it as UTF-8)' },
  { prefix: [0xfe, 0xff], kind: 'UTF-16 text (re-save it as UTF-8)' },
];

const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Text or not: known magic numbers first, then NUL bytes and the share of undecodable/control characters. */
export function describeBinary(bytes: Uint8Array): string | null {
  const signature = binarySignatures.find((candidate) => startsWithBytes(bytes, candidate.prefix));
  if (signature) return signature.kind;
  const sample = bytes.subarray(0, 8192);
  if (sample.includes(0)) return 'binary data (it contains NUL bytes)';
  // Drop a possibly cut multi-byte character at the end of the sample.
  const text = lenientDecoder.decode(sample.subarray(0, Math.max(0, sample.length - 3)));
  let suspicious = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0xfffd || (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d && code !== 0x0c)) {
      suspicious++;
    }
  }
  // Generous: a Latin-1 text has a few percent of bad bytes and is better reported row by row.
  return text.length > 0 && suspicious / text.length > 0.3 ? 'binary data' : null;
}

export function sniffHead(bytes: Buffer, complete: boolean): HeadSniff {
  const bomLength = utf8BomLength(bytes);
  const text = lenientDecoder.decode(bytes.subarray(bomLength));
  const firstCharMatch = /\S/.exec(text);
  const newline = text.indexOf('\n');
  const firstLine = newline >= 0 ? text.slice(0, newline) : complete ? text : null;
  return {
    bytes,
    text,
    firstChar: firstCharMatch ? firstCharMatch[0] : '',
    firstLine,
    binaryKind: describeBinary(bytes.subarray(bomLength)),
    complete,
  };
}

const extensionFormats: Record<string, ImportFormat> = {
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  parquet: 'parquet',
  pq: 'parquet',
  txt: 'text',
  text: 'text',
};

/** `data.csv.gz` → csv. Unknown extensions give null (the content decides). */
export function formatFromFileName(fileName: string | null): ImportFormat | null {
  if (!fileName) return null;
  const name = fileName.toLowerCase().replace(/\.(gz|gzip)$/, '');
  const dot = name.lastIndexOf('.');
  if (dot < 0) return null;
  return extensionFormats[name.slice(dot + 1)] ?? null;
}

function firstLineIsJson(sniff: HeadSniff): boolean {
  if (sniff.firstLine === null) return false;
  try {
    const value: unknown = JSON.parse(sniff.firstLine);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

function looksLikePrettyPrintedJson(sniff: HeadSniff): boolean {
  return sniff.firstLine !== null && sniff.firstLine.trim() === '{';
}

function notTextMessage(sniff: HeadSniff): string | null {
  return sniff.binaryKind === null ? null : `it looks like ${sniff.binaryKind}, not text`;
}

/**
 * Does the head fit the format? Returns why not (completing "The file is not <format>: …"), or
 * null when it fits. Row-level damage is left to the readers, which report it with line numbers.
 */
export const formatContentChecks: Record<ImportFormat, (sniff: HeadSniff) => string | null> = {
  csv: (sniff) => notTextMessage(sniff) ?? (firstLineIsJson(sniff) ? 'it looks like JSON (choose JSONL or JSON)' : null),
  tsv: (sniff) => notTextMessage(sniff) ?? (firstLineIsJson(sniff) ? 'it looks like JSON (choose JSONL or JSON)' : null),
  text: (sniff) => notTextMessage(sniff),
  jsonl: (sniff) => {
    const binary = notTextMessage(sniff);
    if (binary) return binary;
    if (sniff.firstChar === '[') return 'it starts with "[" — a JSON array (choose JSON)';
    if (sniff.firstChar !== '{') return 'JSONL needs one JSON object per line, but the file does not start with "{" (is it CSV or plain text?)';
    if (looksLikePrettyPrintedJson(sniff)) return 'the first line is just "{" — pretty-printed JSON, not one object per line';
    return null;
  },
  json: (sniff) => {
    const binary = notTextMessage(sniff);
    if (binary) return binary;
    if (sniff.firstChar === '{') return 'it starts with "{" — expected a JSON array of objects; if it has one object per line, choose JSONL';
    if (sniff.firstChar !== '[') return 'expected a JSON array of objects starting with "["';
    return null;
  },
  parquet: (sniff) => {
    if (hasParquetMagic(sniff.bytes)) return null;
    const looksLike = sniff.binaryKind ?? (sniff.firstChar === '{' || sniff.firstChar === '[' ? 'JSON text' : 'text');
    return `it has no "PAR1" magic bytes; it looks like ${looksLike}`;
  },
};

/** Best guess from the content alone (used when neither the user nor the file name says). */
export function detectFormatFromContent(sniff: HeadSniff): ImportFormat | null {
  if (hasParquetMagic(sniff.bytes)) return 'parquet';
  if (sniff.binaryKind !== null) return null;
  if (sniff.firstChar === '[') return 'json';
  if (sniff.firstChar === '{') return 'jsonl';
  const delimiter = detectDelimiter(sniff.text, sniff.complete);
  if (delimiter === '\t') return 'tsv';
  return delimiter === null ? 'text' : 'csv';
}

/** Field counts of the first records for one delimiter, honouring quotes (embedded delimiters/newlines). */
function fieldCountsPerRecord(text: string, delimiter: string, complete: boolean, maxRecords: number): number[] {
  const counts: number[] = [];
  let fields = 1;
  let inQuotes = false;
  let lineHasContent = false;
  for (let index = 0; index < text.length && counts.length < maxRecords; index++) {
    const char = text[index];
    if (inQuotes) {
      if (char === '"') {
        if (text[index + 1] === '"') index++;
        else inQuotes = false;
      }
      continue;
    }
    if (char === '"') {
      inQuotes = true;
      lineHasContent = true;
    } else if (char === delimiter) {
      fields++;
      lineHasContent = true;
    } else if (char === '\n') {
      if (lineHasContent) counts.push(fields);
      fields = 1;
      lineHasContent = false;
    } else if (char !== '\r') {
      lineHasContent = true;
    }
  }
  // The last record counts only if the head is the whole file (otherwise it may be cut).
  if (complete && lineHasContent && !inQuotes && counts.length < maxRecords) counts.push(fields);
  return counts;
}

/**
 * The delimiter that splits the first records into the same number (> 1) of fields most
 * consistently; null when none does (then it is plain text, one item per line).
 */
export function detectDelimiter(text: string, complete: boolean): CsvDelimiter | null {
  let best: { delimiter: CsvDelimiter; consistency: number; fields: number } | null = null;
  for (const delimiter of csvDelimiters) {
    const counts = fieldCountsPerRecord(text, delimiter, complete, 50);
    if (counts.length === 0) continue;
    const frequency = new Map<number, number>();
    for (const count of counts) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    let modeFields = 0;
    let modeRecords = 0;
    for (const [fields, records] of frequency) {
      if (records > modeRecords || (records === modeRecords && fields > modeFields)) {
        modeFields = fields;
        modeRecords = records;
      }
    }
    const consistency = modeRecords / counts.length;
    if (modeFields < 2 || consistency < 0.8) continue;
    if (!best || consistency > best.consistency) best = { delimiter, consistency, fields: modeFields };
  }
  return best?.delimiter ?? null;
}
