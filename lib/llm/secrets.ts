import { createHash } from 'node:crypto';
import { apiKeyEnvProblem } from '@/lib/llm/api-key-env';

/** Shows only the prefix family and the last four characters, e.g. `sk-…abcd`. */
export function maskApiKey(key: string | null | undefined): string {
  if (!key) return '(none)';
  // Too short to reveal any of it safely.
  if (key.length <= 8) return '…';
  const prefix = key.startsWith('sk-') ? 'sk-' : key.slice(0, 2);
  return `${prefix}…${key.slice(-4)}`;
}

// Servers sometimes echo the Authorization header or the key in error bodies.
const BEARER_TOKEN = /(Bearer\s+)[^\s"',]+/gi;

/** Removes every occurrence of the key (and any bearer token) from a text that may reach a user, log or database. */
export function scrubSecrets(text: string, key: string | null | undefined): string {
  let out = text;
  if (key && key.length >= 4) out = out.split(key).join(maskApiKey(key));
  return out.replace(BEARER_TOKEN, '$1***');
}

/** A short stable fingerprint of a key, safe to keep in memory maps; never the key itself. */
export function fingerprintSecret(key: string | null): string {
  if (!key) return 'none';
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export class MissingApiKeyError extends Error {
  constructor(readonly variable: string) {
    super(`Environment variable ${variable} is not set; set it in the server environment or store the key in the endpoint`);
    this.name = 'MissingApiKeyError';
  }
}

export class ForbiddenApiKeyEnvError extends Error {
  constructor(message: string) {
    super(`${message}; edit the endpoint under Settings → Providers`);
    this.name = 'ForbiddenApiKeyEnvError';
  }
}

/** Resolves the key of an endpoint from the environment variable it names or its stored value; null for keyless local servers. */
export function resolveApiKey(
  source: { apiKeyEnv?: string | null; apiKey?: string | null },
  env: Record<string, string | undefined> = process.env,
): string | null {
  if (source.apiKeyEnv) {
    // Rows saved before the rule existed are checked here too: the value would go to the endpoint.
    const problem = apiKeyEnvProblem(source.apiKeyEnv);
    if (problem) throw new ForbiddenApiKeyEnvError(problem);
    const value = env[source.apiKeyEnv]?.trim();
    if (!value) throw new MissingApiKeyError(source.apiKeyEnv);
    return value;
  }
  return source.apiKey?.trim() || null;
}
