// Snappy block compression for Parquet pages. The algorithm and its output are exactly those of
// hyparquet-writer's snappy.js (itself snappyjs, MIT, (c) 2016 Zhipeng Jia), byte for byte; only
// the writing differs: straight into one preallocated Uint8Array instead of a growing ByteWriter
// with a bounds check and a DataView call per byte. On 1.4 kB pairs that was ~40% of a Parquet
// export's CPU (issue 16). Plain JavaScript: the Parquet worker thread loads it without tsx.

const MAX_HASH_TABLE_BITS = 14;
const MAX_OFFSET = 0xffff;
const INPUT_MARGIN = 15;
const hashTables = new Array(MAX_HASH_TABLE_BITS + 1);

/** Snappy's own bound on the compressed size of `length` bytes. */
function maxCompressedLength(length) {
  return 32 + length + Math.floor(length / 6);
}

const hash = (key, shift) => Math.imul(key, 0x1e35a7bd) >>> shift;

function emitLiteral(out, op, input, from, length) {
  if (length <= 60) {
    out[op++] = (length - 1) << 2;
  } else {
    const n = length - 1;
    const bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
    out[op++] = (59 + bytes) << 2;
    for (let i = 0; i < bytes; i++) out[op++] = n >>> (i * 8);
  }
  if (length < 16) {
    for (let i = 0; i < length; i++) out[op++] = input[from + i];
    return op;
  }
  out.set(input.subarray(from, from + length), op);
  return op + length;
}

function emitCopyUpTo64(out, op, offset, length) {
  if (length < 12 && offset < 2048) {
    out[op] = 1 + ((length - 4) << 2) + ((offset >>> 8) << 5);
    out[op + 1] = offset & 0xff;
    return op + 2;
  }
  out[op] = 2 + ((length - 1) << 2);
  out[op + 1] = offset & 0xff;
  out[op + 2] = offset >>> 8;
  return op + 3;
}

function emitCopy(out, op, offset, length) {
  while (length >= 68) {
    op = emitCopyUpTo64(out, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = emitCopyUpTo64(out, op, offset, 60);
    length -= 60;
  }
  return emitCopyUpTo64(out, op, offset, length);
}

/**
 * @param {Uint8Array} input
 * @returns {Uint8Array} the Snappy block (varint length, then literals and copies)
 */
export function snappyCompress(input) {
  const inputSize = input.length;
  const out = new Uint8Array(maxCompressedLength(inputSize));
  let op = 0;
  let value = inputSize;
  while (value > 0x7f) {
    out[op++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[op++] = value;

  let bits = 1;
  while (1 << bits <= inputSize && bits <= MAX_HASH_TABLE_BITS) bits++;
  bits--;
  const shift = 32 - bits;
  const table = (hashTables[bits] ??= new Uint32Array(1 << bits));
  table.fill(0);

  let nextEmit = 0;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (inputSize >= INPUT_MARGIN) {
    const ipLimit = inputSize - INPUT_MARGIN;
    let ip = 1;
    let nextHash = hash(view.getUint32(ip, true), shift);
    let candidate = 0;
    outer: for (;;) {
      let skip = 32;
      let nextIp = ip;
      do {
        ip = nextIp;
        const h = nextHash;
        nextIp = ip + (skip++ >>> 5);
        if (ip > ipLimit) break outer;
        // Past ipLimit the next round stops before using the hash (the byte-wise original hashed garbage there).
        nextHash = nextIp <= ipLimit ? hash(view.getUint32(nextIp, true), shift) : 0;
        candidate = table[h];
        table[h] = ip;
      } while (ip - candidate > MAX_OFFSET || view.getUint32(ip) !== view.getUint32(candidate));

      op = emitLiteral(out, op, input, nextEmit, ip - nextEmit);
      do {
        const base = ip;
        let matched = 4;
        // Four bytes per comparison while a whole word fits, then byte by byte.
        while (ip + matched + 4 <= inputSize && view.getUint32(ip + matched) === view.getUint32(candidate + matched)) matched += 4;
        while (ip + matched < inputSize && input[ip + matched] === input[candidate + matched]) matched++;
        ip += matched;
        op = emitCopy(out, op, base - candidate, matched);
        nextEmit = ip;
        if (ip >= ipLimit) break outer;
        table[hash(view.getUint32(ip - 1, true), shift)] = ip - 1;
        const h = hash(view.getUint32(ip, true), shift);
        candidate = table[h];
        table[h] = ip;
      } while (ip - candidate <= MAX_OFFSET && view.getUint32(ip) === view.getUint32(candidate));
      ip++;
      nextHash = hash(view.getUint32(ip, true), shift);
    }
  }
  if (nextEmit < inputSize) op = emitLiteral(out, op, input, nextEmit, inputSize - nextEmit);
  return out.subarray(0, op);
}
