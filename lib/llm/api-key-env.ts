/*
 * Which environment variables an endpoint may name as its API key. The key is sent as a bearer
 * token to the endpoint's base URL, so naming a variable is reading it out to that server: only
 * names that look like API keys are allowed, and never the app's own secrets. Shared by the form
 * schema (a field error) and by resolveApiKey (rows saved before this rule cannot be used).
 */

/** Upper-case, ending in _KEY, _API_KEY or _TOKEN: OPENAI_API_KEY, TOGETHER_KEY, HF_TOKEN. */
export const API_KEY_ENV_PATTERN = /^[A-Z][A-Z0-9_]*_(KEY|TOKEN)$/;

/** The app's own secrets and connection settings, and their families (prefixes). */
export const APP_SECRET_VARIABLES = ['NEXTAUTH_SECRET', 'ENCRYPTION_KEY', 'DATABASE_URL', 'ADMIN_PASSWORD'] as const;
const APP_SECRET_PREFIXES = ['NEXTAUTH_', 'ENCRYPTION_', 'DATABASE_', 'ADMIN_', 'POSTGRES_', 'PG'] as const;

/** Why `name` may not be used as an endpoint's API key variable, or null when it may. */
export function apiKeyEnvProblem(name: string): string | null {
  const prefix = APP_SECRET_PREFIXES.find((family) => name.startsWith(family));
  if ((APP_SECRET_VARIABLES as readonly string[]).includes(name) || prefix !== undefined) {
    return `${name} holds one of the app's own secrets or settings (${prefix ?? name}…) and is never sent to a provider; name the variable that holds the provider's key, e.g. OPENAI_API_KEY`;
  }
  if (!API_KEY_ENV_PATTERN.test(name)) {
    return `API key variable must be an upper-case name ending in _API_KEY, _KEY or _TOKEN, such as OPENAI_API_KEY (got "${name}")`;
  }
  return null;
}
