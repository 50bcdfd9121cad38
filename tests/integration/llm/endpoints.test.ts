import { afterAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { decryptSecret } from '@/lib/llm/crypto';
import {
  createEndpoint,
  deleteEndpoint,
  ensureSimulatorEndpoints,
  listEndpoints,
  loadEndpointConfig,
  SIMULATED_ENDPOINTS,
  updateEndpoint,
} from '@/lib/llm/endpoints';
import { testEndpoint } from '@/lib/llm/test-endpoint';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { UserFacingError } from '@/lib/errors';
import { createTestUser } from '../helpers';
import { uniqueName } from './helpers';

const KNOWN_KEY = 'sk-test-KNOWN-1234567890';

const simulators: SimulatorHandle[] = [];
afterAll(async () => {
  await Promise.all(simulators.map((sim) => sim.close()));
});

async function auditRowsAsText(targetId: string): Promise<string> {
  const rows = await db().auditLog.findMany({ where: { targetId }, orderBy: { createdAt: 'asc' } });
  return JSON.stringify(rows);
}

describe('provider endpoints', () => {
  it('stores a key encrypted, shows only its last four characters and resolves it for calls', async () => {
    const admin = await createTestUser('ADMIN');
    const name = uniqueName('openai');
    const view = await createEndpoint({ name, baseUrl: 'https://api.example.test/v1/', model: 'gpt-4o-mini', apiKey: KNOWN_KEY }, admin);

    expect(view).toMatchObject({ name, baseUrl: 'https://api.example.test/v1', apiKeySource: 'stored', apiKeyMasked: '…7890', apiKeyEnv: null, simulated: false });
    expect(JSON.stringify(view)).not.toContain(KNOWN_KEY);
    expect(JSON.stringify(await listEndpoints())).not.toContain(KNOWN_KEY);

    const row = await db().providerEndpoint.findUniqueOrThrow({ where: { id: view.id } });
    expect(row.apiKeyEncrypted).toMatch(/^v1:/);
    expect(row.apiKeyEncrypted).not.toContain(KNOWN_KEY);
    expect(row.apiKeyEncrypted).not.toContain(Buffer.from(KNOWN_KEY).toString('base64'));
    expect(decryptSecret(row.apiKeyEncrypted ?? '')).toBe(KNOWN_KEY);
    expect(row.apiKeyLast4).toBe('7890');

    // By id and by name; the resolved key is for server-side calls only.
    expect((await loadEndpointConfig(view.id)).apiKey).toBe(KNOWN_KEY);
    expect((await loadEndpointConfig(name)).apiKey).toBe(KNOWN_KEY);

    const audit = await auditRowsAsText(view.id);
    expect(audit).toContain('provider.created');
    expect(audit).not.toContain(KNOWN_KEY);
  });

  it('keeps the stored key on edit unless replaced, switches to an environment variable, and audits without the key', async () => {
    const admin = await createTestUser('ADMIN');
    const created = await createEndpoint({ name: uniqueName('edit'), baseUrl: 'http://localhost:8000/v1', model: 'llama3', apiKey: KNOWN_KEY }, admin);
    const base = { name: created.name, baseUrl: created.baseUrl, model: 'llama3.1', limits: { concurrency: 2, rpm: 100, tpm: null } };

    const kept = await updateEndpoint(created.id, base, { keepStoredKey: true }, admin);
    expect(kept).toMatchObject({ model: 'llama3.1', apiKeySource: 'stored', apiKeyMasked: '…7890', limits: { concurrency: 2, rpm: 100, tpm: null } });
    expect((await loadEndpointConfig(created.id)).apiKey).toBe(KNOWN_KEY);

    const replaced = await updateEndpoint(created.id, { ...base, apiKey: 'sk-other-key-abcdWXYZ' }, { keepStoredKey: true }, admin);
    expect(replaced.apiKeyMasked).toBe('…WXYZ');
    expect((await loadEndpointConfig(created.id)).apiKey).toBe('sk-other-key-abcdWXYZ');

    const variable = `IT_LLM_${Date.now()}_API_KEY`;
    const fromEnv = await updateEndpoint(created.id, { ...base, apiKeyEnv: variable }, { keepStoredKey: true }, admin);
    expect(fromEnv).toMatchObject({ apiKeySource: 'env', apiKeyEnv: variable, apiKeyMasked: null });
    const row = await db().providerEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.apiKeyEncrypted).toBeNull();
    // A missing variable is named in the error, which tells the admin what to set.
    await expect(loadEndpointConfig(created.id)).rejects.toThrow(new RegExp(`${variable} is not set`));
    process.env[variable] = 'sk-from-env-0000';
    try {
      expect((await loadEndpointConfig(created.id)).apiKey).toBe('sk-from-env-0000');
    } finally {
      delete process.env[variable];
    }

    const removed = await updateEndpoint(created.id, base, { keepStoredKey: false }, admin);
    expect(removed.apiKeySource).toBe('none');
    expect((await loadEndpointConfig(created.id)).apiKey).toBeNull();

    const audit = await auditRowsAsText(created.id);
    expect(audit.match(/provider\.updated/g)).toHaveLength(4);
    expect(audit).not.toContain(KNOWN_KEY);
    expect(audit).not.toContain('sk-other-key-abcdWXYZ');
  });

  it('does not let a stored key follow the endpoint to another server unless it is entered again or removed', async () => {
    const admin = await createTestUser('ADMIN');
    const created = await createEndpoint({ name: uniqueName('origin'), baseUrl: 'https://api.example.test/v1', model: 'm', apiKey: KNOWN_KEY }, admin);
    const base = { name: created.name, model: 'm' };

    // Same origin (path, trailing slash, host case): the key stays.
    const samePlace = await updateEndpoint(created.id, { ...base, baseUrl: 'https://API.example.test:443/v2/' }, { keepStoredKey: true }, admin);
    expect(samePlace).toMatchObject({ baseUrl: 'https://API.example.test:443/v2', apiKeySource: 'stored', apiKeyMasked: '…7890' });

    for (const elsewhere of ['https://attacker.example.test/v1', 'http://api.example.test/v1', 'https://api.example.test:8443/v1']) {
      const refused = await updateEndpoint(created.id, { ...base, baseUrl: elsewhere }, { keepStoredKey: true }, admin).catch((err: unknown) => err);
      expect(refused, elsewhere).toBeInstanceOf(UserFacingError);
      expect((refused as UserFacingError).field).toBe('apiKey');
      expect((refused as UserFacingError).message).toMatch(/points at another server \(https:\/\/api\.example\.test → .+\).*enter the key again, or choose "No key"/);
      expect((refused as UserFacingError).message).not.toContain(KNOWN_KEY);
    }
    // Nothing changed: the key is still bound to the old server.
    const unchanged = await db().providerEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(unchanged.baseUrl).toBe('https://API.example.test:443/v2');
    expect(decryptSecret(unchanged.apiKeyEncrypted ?? '')).toBe(KNOWN_KEY);

    const rekeyed = await updateEndpoint(created.id, { ...base, baseUrl: 'https://other.example.test/v1', apiKey: 'sk-other-server-key-9999' }, { keepStoredKey: true }, admin);
    expect(rekeyed).toMatchObject({ baseUrl: 'https://other.example.test/v1', apiKeyMasked: '…9999' });
    expect((await loadEndpointConfig(created.id)).apiKey).toBe('sk-other-server-key-9999');

    const cleared = await updateEndpoint(created.id, { ...base, baseUrl: 'https://third.example.test/v1' }, { keepStoredKey: false }, admin);
    expect(cleared).toMatchObject({ baseUrl: 'https://third.example.test/v1', apiKeySource: 'none' });
    expect((await loadEndpointConfig(created.id)).apiKey).toBeNull();
  });

  it('refuses to use an endpoint whose key variable is one of the app secrets, even when saved before the rule', async () => {
    const admin = await createTestUser('ADMIN');
    await expect(createEndpoint({ name: uniqueName('secret-env'), baseUrl: 'https://api.example.test/v1', model: 'm', apiKeyEnv: 'ENCRYPTION_KEY' }, admin)).rejects.toThrow(
      /ENCRYPTION_KEY holds one of the app's own secrets/,
    );
    const created = await createEndpoint({ name: uniqueName('old-row'), baseUrl: 'https://api.example.test/v1', model: 'm', apiKeyEnv: 'OPENAI_API_KEY' }, admin);
    await db().providerEndpoint.update({ where: { id: created.id }, data: { apiKeyEnv: 'DATABASE_URL' } });
    const failure = await loadEndpointConfig(created.id).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect(String(failure)).toMatch(/DATABASE_URL holds one of the app's own secrets/);
    expect(String(failure)).not.toContain(process.env.DATABASE_URL ?? 'unset');
  });

  it('refuses a duplicate name and reports a damaged stored key without leaking it', async () => {
    const admin = await createTestUser('ADMIN');
    const first = await createEndpoint({ name: uniqueName('dup'), baseUrl: 'http://localhost:1/v1', model: 'm', apiKey: KNOWN_KEY }, admin);
    await expect(createEndpoint({ name: first.name, baseUrl: 'http://localhost:2/v1', model: 'm' }, admin)).rejects.toThrow(/already exists/);

    const stored = (await db().providerEndpoint.findUniqueOrThrow({ where: { id: first.id } })).apiKeyEncrypted ?? '';
    const [version, iv, tag, data] = stored.split(':');
    const flipped = Buffer.from(data, 'base64');
    flipped[0] ^= 1;
    await db().providerEndpoint.update({ where: { id: first.id }, data: { apiKeyEncrypted: [version, iv, tag, flipped.toString('base64')].join(':') } });
    const failure = await loadEndpointConfig(first.id).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UserFacingError);
    expect(String(failure)).toMatch(/cannot be decrypted/);
    expect(String(failure)).not.toContain(KNOWN_KEY);
  });

  it('deletes an endpoint with an audit entry; later lookups say what is missing', async () => {
    const admin = await createTestUser('ADMIN');
    const created = await createEndpoint({ name: uniqueName('gone'), baseUrl: 'http://localhost:3/v1', model: 'm', apiKey: KNOWN_KEY }, admin);
    await deleteEndpoint(created.id, admin);
    expect(await db().providerEndpoint.findUnique({ where: { id: created.id } })).toBeNull();
    await expect(loadEndpointConfig(created.id)).rejects.toThrow(/No provider endpoint/);
    const audit = await auditRowsAsText(created.id);
    expect(audit).toContain('provider.deleted');
    expect(audit).not.toContain(KNOWN_KEY);
  });

  it('upserts the simulated endpoints and re-points them at a new simulator port', async () => {
    const first = await ensureSimulatorEndpoints('http://127.0.0.1:1111/v1');
    expect(first.map((e) => e.name)).toEqual(SIMULATED_ENDPOINTS.map((spec) => spec.name));
    expect(first.every((e) => e.simulated && e.baseUrl === 'http://127.0.0.1:1111/v1')).toBe(true);
    expect(first.find((e) => e.model === 'sim-reversed')?.mode).toBe('completion');

    const sim = await startSimulator();
    simulators.push(sim);
    const second = await ensureSimulatorEndpoints(sim.url);
    expect(second.map((e) => e.id)).toEqual(first.map((e) => e.id));
    for (const endpoint of second) {
      const outcome = await testEndpoint(await loadEndpointConfig(endpoint.id));
      expect(outcome).toMatchObject({ ok: true });
    }
  });

  it('the Test call sends the stored key and explains a rejected one without repeating it', async () => {
    const sim = await startSimulator({ requireApiKey: KNOWN_KEY });
    simulators.push(sim);
    const good = await createEndpoint({ name: uniqueName('keyed'), baseUrl: sim.url, model: 'sim-judge', apiKey: KNOWN_KEY }, null);
    const outcome = await testEndpoint(await loadEndpointConfig(good.id));
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      expect(outcome.reply).toMatch(/verdict/);
      expect(outcome.latencyMs).toBeGreaterThan(0);
    }

    const wrongKey = 'sk-test-WRONG-0987654321';
    const bad = await createEndpoint({ name: uniqueName('wrong-key'), baseUrl: sim.url, model: 'sim-judge', apiKey: wrongKey }, null);
    const rejected = await testEndpoint(await loadEndpointConfig(bad.id));
    expect(rejected).toMatchObject({ ok: false, kind: 'auth' });
    expect(JSON.stringify(rejected)).not.toContain(wrongKey);
  });
});
