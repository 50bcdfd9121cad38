import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptSecret, DecryptionError, encryptionKeyFromEnv, encryptSecret, EncryptionKeyError, lastFourOf } from '@/lib/llm/crypto';

const key = crypto.randomBytes(32);
const secret = 'sk-test-KNOWN-1234567890';

describe('API key encryption (AES-256-GCM)', () => {
  it('round-trips, and never repeats a ciphertext or contains the plaintext', () => {
    const a = encryptSecret(secret, key);
    const b = encryptSecret(secret, key);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain(secret);
    expect(decryptSecret(a, key)).toBe(secret);
    expect(decryptSecret(encryptSecret('ünïcødé 🔑', key), key)).toBe('ünïcødé 🔑');
  });

  it('refuses another key, a flipped bit or another format, without saying anything about the value', () => {
    const stored = encryptSecret(secret, key);
    const [version, iv, tag, data] = stored.split(':');
    const flipped = Buffer.from(data, 'base64');
    flipped[flipped.length - 1] ^= 0x01;
    const cases = [
      () => decryptSecret(stored, crypto.randomBytes(32)),
      () => decryptSecret([version, iv, tag, flipped.toString('base64')].join(':'), key),
      () => decryptSecret([version, iv, Buffer.alloc(16).toString('base64'), data].join(':'), key),
      () => decryptSecret(`v2:${iv}:${tag}:${data}`, key),
      () => decryptSecret('plain text', key),
    ];
    for (const attempt of cases) {
      expect(attempt).toThrow(DecryptionError);
      try {
        attempt();
      } catch (err) {
        expect(String(err)).not.toContain(secret);
      }
    }
  });

  it('reads ENCRYPTION_KEY as 32 base64 bytes and says how to fix a bad one', () => {
    expect(encryptionKeyFromEnv({ ENCRYPTION_KEY: key.toString('base64') }).equals(key)).toBe(true);
    expect(() => encryptionKeyFromEnv({})).toThrow(EncryptionKeyError);
    expect(() => encryptionKeyFromEnv({ ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/32 bytes.*got 16/);
  });

  it('shows the last four characters only of keys long enough to spare them', () => {
    expect(lastFourOf(secret)).toBe('7890');
    expect(lastFourOf('short123')).toBeNull();
  });
});
