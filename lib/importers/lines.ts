/**
 * Turns bytes into text blocks of whole lines, validating UTF-8 strictly. A block is decoded in
 * one call (fast path); only a block that fails is re-decoded line by line to find the bad lines,
 * which are then decoded leniently so that line structure (and CSV quoting) stays intact while the
 * readers turn those lines into row errors.
 */

export type LineBlock =
  | {
      kind: 'text';
      /** Whole lines, each ending in "\n" — except possibly the very last line of the file. */
      text: string;
      /** 0-based indexes (within this block) of lines that are not valid UTF-8; null when none. */
      badLines: number[] | null;
    }
  /** One physical line exceeded the record limit and was skipped, up to and including its "\n". */
  | { kind: 'overlong' };

const LF = 0x0a;
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

function decodeBlock(bytes: Buffer): Extract<LineBlock, { kind: 'text' }> {
  try {
    return { kind: 'text', text: strictDecoder.decode(bytes), badLines: null };
  } catch {
    return decodeLineByLine(bytes);
  }
}

function decodeLineByLine(bytes: Buffer): Extract<LineBlock, { kind: 'text' }> {
  const parts: string[] = [];
  const badLines: number[] = [];
  let start = 0;
  for (let lineIndex = 0; start < bytes.length; lineIndex++) {
    const newline = bytes.indexOf(LF, start);
    const end = newline < 0 ? bytes.length : newline + 1;
    const line = bytes.subarray(start, end);
    try {
      parts.push(strictDecoder.decode(line));
    } catch {
      badLines.push(lineIndex);
      parts.push(lenientDecoder.decode(line));
    }
    start = end;
  }
  return { kind: 'text', text: parts.join(''), badLines };
}

export async function* decodeLineBlocks(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<LineBlock> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let skippingOverlongLine = false;
  for await (const incoming of chunks) {
    let chunk = incoming;
    if (skippingOverlongLine) {
      const newline = chunk.indexOf(LF);
      if (newline < 0) continue;
      chunk = chunk.subarray(newline + 1);
      skippingOverlongLine = false;
    }
    const lastNewline = chunk.lastIndexOf(LF);
    if (lastNewline < 0) {
      if (chunk.length === 0) continue;
      carry.push(chunk);
      carryBytes += chunk.length;
      if (carryBytes > maxLineBytes) {
        carry = [];
        carryBytes = 0;
        skippingOverlongLine = true;
        yield { kind: 'overlong' };
      }
      continue;
    }
    const wholeLines = chunk.subarray(0, lastNewline + 1);
    const block = carryBytes > 0 ? Buffer.concat([...carry, wholeLines], carryBytes + wholeLines.length) : wholeLines;
    const rest = chunk.subarray(lastNewline + 1);
    carry = rest.length > 0 ? [rest] : [];
    carryBytes = rest.length;
    yield decodeBlock(block);
  }
  if (skippingOverlongLine || carryBytes === 0) return;
  yield decodeBlock(carry.length === 1 ? carry[0] : Buffer.concat(carry, carryBytes));
}

/** Converts a block's relative bad-line indexes to absolute 1-based line numbers. */
export function absoluteBadLines(badLines: number[] | null, blockFirstLine: number): number[] {
  return badLines === null ? [] : badLines.map((index) => blockFirstLine + index);
}
