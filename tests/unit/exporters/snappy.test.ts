import { randomBytes } from 'node:crypto';

import { snappyUncompress } from 'hyparquet';
import { snappyCompress as referenceSnappy } from 'hyparquet-writer/src/snappy.js';
import { describe, expect, it } from 'vitest';

import { snappyCompress } from '@/lib/exporters/snappy.mjs';

/** Lengths around every boundary of the format: the 15-byte input margin, 60-byte literals, 64-byte copies, 64 KiB offsets, hash-table sizes. */
const LENGTHS = [0, 1, 3, 4, 14, 15, 16, 17, 59, 60, 61, 64, 67, 68, 69, 255, 256, 257, 4095, 4096, 16384, 65535, 65536, 65537, 70_000, 300_000, 1 << 20];

function inputs(length: number): Buffer[] {
  const text = Array.from({ length: Math.ceil(length / 48) + 1 }, (_, i) => `line ${i % 37} ünïcödé "quoted" 😀 ${randomBytes(3).toString('hex')}\n`).join('');
  return [randomBytes(length), Buffer.from(text).subarray(0, length), Buffer.alloc(length, 0x61), Buffer.from('abcd'.repeat(length)).subarray(0, length)];
}

describe('snappyCompress', () => {
  it('writes exactly the bytes of hyparquet-writer’s compressor, and they decompress to the input', () => {
    for (const length of LENGTHS) {
      for (const input of inputs(length)) {
        const ours = snappyCompress(input);
        expect(Buffer.from(ours).equals(Buffer.from(referenceSnappy(input))), `length ${length}`).toBe(true);
        const back = new Uint8Array(input.length);
        snappyUncompress(ours, back);
        expect(Buffer.from(back).equals(input)).toBe(true);
      }
    }
  });

  it('reads a view into a larger buffer from its own offset', () => {
    const backing = Buffer.from('xxxxxxxx' + 'hello snappy, hello snappy, hello snappy!'.repeat(20) + 'yyyyyyyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 8, backing.length - 16);
    expect(Buffer.from(snappyCompress(view)).equals(Buffer.from(referenceSnappy(view)))).toBe(true);
  });
});
