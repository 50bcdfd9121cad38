import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged while counting them and feeding SHA-256, so no second read is needed for the hash. */
export class HashingPassThrough extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private hex: string | null = null;
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** Hex SHA-256 of everything that passed; call it once the stream has finished. */
  sha256(): string {
    if (this.hex === null) this.hex = this.hash.digest('hex');
    return this.hex;
  }
}
