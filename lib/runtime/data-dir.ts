import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';

/** Where the app keeps its embedded database, generated secrets and export files. */
export function dataDir(): string {
  return path.resolve(process.env.DATA_DIR ?? '.data');
}

export type GeneratedSecrets = { nextauthSecret: string; encryptionKey: string; postgresPassword: string };

/**
 * Secrets the operator did not provide are generated once and kept (mode 600) in the data
 * folder, so sessions and encrypted API keys survive restarts.
 */
export function loadOrCreateSecrets(dir = dataDir()): GeneratedSecrets {
  const file = path.join(dir, 'secrets.json');
  // The folder stays traversable: as root, the embedded Postgres runs as the 'postgres' user.
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const existing = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<GeneratedSecrets>) : {};
  const secrets: GeneratedSecrets = {
    nextauthSecret: existing.nextauthSecret ?? crypto.randomBytes(32).toString('base64url'),
    encryptionKey: existing.encryptionKey ?? crypto.randomBytes(32).toString('base64'),
    postgresPassword: existing.postgresPassword ?? crypto.randomBytes(18).toString('base64url'),
  };
  if (JSON.stringify(existing) !== JSON.stringify(secrets)) {
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
