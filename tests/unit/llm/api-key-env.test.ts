import { describe, expect, it } from 'vitest';

import { apiKeyEnvProblem } from '@/lib/llm/api-key-env';
import { ForbiddenApiKeyEnvError, resolveApiKey } from '@/lib/llm/secrets';
import { endpointInputSchema } from '@/lib/llm/types';

const base = { name: 'x', baseUrl: 'https://api.example.test/v1', model: 'm' };

function apiKeyEnvMessages(apiKeyEnv: string): string[] {
  const parsed = endpointInputSchema.safeParse({ ...base, apiKeyEnv });
  return parsed.success ? [] : parsed.error.issues.filter((issue) => issue.path.join('.') === 'apiKeyEnv').map((issue) => issue.message);
}

describe('which environment variables an endpoint may name as its API key', () => {
  it.each(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'TOGETHER_KEY', 'HF_TOKEN', 'MY_LAB_2_API_KEY'])('allows %s', (name) => {
    expect(apiKeyEnvProblem(name)).toBeNull();
    expect(apiKeyEnvMessages(name)).toEqual([]);
  });

  it.each(['NEXTAUTH_SECRET', 'ENCRYPTION_KEY', 'DATABASE_URL', 'ADMIN_PASSWORD', 'NEXTAUTH_KEY', 'DATABASE_API_KEY', 'ADMIN_TOKEN', 'PGPASSWORD', 'POSTGRES_KEY'])(
    "refuses the app's own secret %s, saying why",
    (name) => {
      const messages = apiKeyEnvMessages(name);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(new RegExp(`^${name} holds one of the app's own secrets`));
      expect(messages[0]).toMatch(/never sent to a provider/);
    },
  );

  it.each(['HOME', 'PATH', 'SECRET', 'openai_api_key', 'OPENAI_API_KEY_2', 'MY KEY', '_KEY', 'AWS_SECRET_ACCESS_KEY_ID'])('refuses %s, which does not look like an API key', (name) => {
    expect(apiKeyEnvMessages(name)).toEqual([`API key variable must be an upper-case name ending in _API_KEY, _KEY or _TOKEN, such as OPENAI_API_KEY (got "${name}")`]);
  });

  it('never reads a forbidden variable at call time, even from an endpoint saved before the rule', () => {
    const env = { ENCRYPTION_KEY: 'the-app-key', DATABASE_URL: 'postgresql://u:p@h/db', HOME: '/root', OPENAI_API_KEY: ' sk-fine ' };
    for (const apiKeyEnv of ['ENCRYPTION_KEY', 'DATABASE_URL', 'HOME']) {
      expect(() => resolveApiKey({ apiKeyEnv }, env)).toThrow(ForbiddenApiKeyEnvError);
      try {
        resolveApiKey({ apiKeyEnv }, env);
      } catch (error) {
        expect((error as Error).message).not.toContain(env[apiKeyEnv as keyof typeof env]);
        expect((error as Error).message).toMatch(/Settings → Providers/);
      }
    }
    expect(resolveApiKey({ apiKeyEnv: 'OPENAI_API_KEY' }, env)).toBe('sk-fine');
  });
});
