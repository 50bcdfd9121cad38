import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/*
 * API keys at rest: AES-256-GCM with a random 96-bit IV per value, stored as
 * `v1:<iv>:<tag>:<ciphertext>` (base64). The version prefix lets a later key rotation tell
 * formats apart. The additional data binds a ciphertext to its purpose, so a value copied from
 * another encrypted column would not decrypt here.
 */

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const ADDITIONAL_DATA = Buffer.from('safer-instruct-studio:provider-api-key:v1');

export class EncryptionKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncryptionKeyError';
  }
}

/** The stored value cannot be decrypted (wrong ENCRYPTION_KEY or a damaged value); never says more. */
export class DecryptionError extends Error {
  constructor() {
    super('The stored API key cannot be decrypted with the current ENCRYPTION_KEY (it was changed, or the value is damaged). Enter the key again.');
    this.name = 'DecryptionError';
  }
}

/** ENCRYPTION_KEY: 32 bytes, base64 (npm start generates one into DATA_DIR/secrets.json). */
export function encryptionKeyFromEnv(env: Record<string, string | undefined> = process.env): Buffer {
  const raw = env.ENCRYPTION_KEY?.trim();
  if (!raw) throw new EncryptionKeyError('ENCRYPTION_KEY is not set; start the app with `npm start` (it generates one) or set a base64 32-byte key.');
  const key = Buffer.from(raw, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new EncryptionKeyError(`ENCRYPTION_KEY must be ${KEY_BYTES} bytes encoded as base64 (got ${key.length} bytes); generate one with \`openssl rand -base64 32\`.`);
  }
  return key;
}

export function encryptSecret(plaintext: string, key: Buffer = encryptionKeyFromEnv()): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(ADDITIONAL_DATA);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [FORMAT, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join(':');
}

export function decryptSecret(stored: string, key: Buffer = encryptionKeyFromEnv()): string {
  const parts = stored.split(':');
  if (parts.length !== 4 || parts[0] !== FORMAT) throw new DecryptionError();
  const [, ivText, tagText, dataText] = parts;
  const iv = Buffer.from(ivText, 'base64');
  const tag = Buffer.from(tagText, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new DecryptionError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(ADDITIONAL_DATA);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(dataText, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptionError();
  }
}

/** What the UI may show of a stored key: its last four characters, only when the key is long enough to spare them. */
export function lastFourOf(key: string): string | null {
  return key.length > 8 ? key.slice(-4) : null;
}
