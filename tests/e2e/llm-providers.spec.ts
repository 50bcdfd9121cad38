import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import pg from 'pg';
import { e2eAdmin } from '../../playwright.config';
import { startSimulator, type SimulatorHandle } from '@/lib/llm/simulator/server';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

// A key the test types into the form; afterwards it must exist only in the simulator's check.
const KNOWN_KEY = 'sk-test-KNOWN-1234567890';
const WRONG_KEY = 'sk-test-WRONG-0987654321';

let sim: SimulatorHandle;

test.beforeAll(async () => {
  // The simulator answers 401 to any other key: a passing Test proves the key reached it.
  sim = await startSimulator({ requireApiKey: KNOWN_KEY });
});

test.afterAll(async () => {
  await sim.close();
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** The server's embedded Postgres: port from postmaster.pid, password from secrets.json, both in the e2e data folder. */
async function queryServerDatabase<T extends pg.QueryResultRow>(sql: string): Promise<T[]> {
  const dataDir = process.env.E2E_DATA_DIR ?? '';
  const port = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3].trim();
  const { postgresPassword } = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { postgresPassword: string };
  const client = new pg.Client({ host: '127.0.0.1', port: Number(port), user: 'studio', password: postgresPassword, database: 'studio' });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function addEndpoint(page: Page, fields: { name: string; model: string; key: string }) {
  const form = page.getByRole('form', { name: 'Add an endpoint' });
  await form.getByLabel('Name').fill(fields.name);
  await form.getByLabel('Model').fill(fields.model);
  await form.getByLabel('Base URL').fill(sim.url);
  await form.getByLabel('API key value').fill(fields.key);
  await form.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.getByTestId(`endpoint-row-${fields.name}`)).toBeVisible();
}

test('an admin adds an endpoint with a key, tests it, and the key shows up nowhere', async ({ page }) => {
  const name = `Judge ${Date.now()}`;
  const wrongName = `Wrong key ${Date.now()}`;
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto('/settings');
  await page.getByRole('link', { name: 'Model providers' }).click();
  await expect(page).toHaveURL(/\/settings\/providers$/);
  await page.waitForLoadState('networkidle');

  // `npm start` found no real endpoint, so it started the simulator and listed its endpoints.
  await expect(page.getByTestId('endpoint-row-Simulator · judge').getByText('SIMULATED')).toBeVisible();

  await addEndpoint(page, { name, model: 'sim-judge', key: KNOWN_KEY });
  const row = page.getByTestId(`endpoint-row-${name}`);
  await expect(row).toContainText('…7890');
  await expect(page.getByRole('form', { name: 'Add an endpoint' }).getByLabel('Name')).toHaveValue('');

  const result = page.getByTestId(`endpoint-test-row-${name}`);
  await row.getByRole('button', { name: 'Test' }).click();
  await expect(result.getByTestId('endpoint-test-ok')).toBeVisible({ timeout: 20_000 });
  await expect(result.getByTestId('endpoint-test-latency')).toHaveText(/^\d+ ms$/);
  await expect(result.getByTestId('endpoint-test-reply')).toContainText('verdict');
  expect(sim.stats.byStatus['200']).toBe(1);
  expect(sim.stats.byStatus['401']).toBeUndefined();

  // A rejected key is explained, without repeating it.
  await addEndpoint(page, { name: wrongName, model: 'sim-judge', key: WRONG_KEY });
  await page.getByTestId(`endpoint-row-${wrongName}`).getByRole('button', { name: 'Test' }).click();
  await expect(page.getByTestId(`endpoint-test-row-${wrongName}`).getByTestId('endpoint-test-error')).toContainText('rejected the API key');
  expect(sim.stats.byStatus['401']).toBe(1);

  // Edit without typing a key keeps the stored one.
  await row.getByRole('button', { name: 'Edit' }).click();
  const editForm = page.getByRole('form', { name: `Edit ${name}` });
  await expect(editForm.getByText('A key ending in …7890 is stored')).toBeVisible();
  await editForm.getByLabel('Model').fill('sim-expert');
  await editForm.getByRole('button', { name: 'Save changes' }).click();
  await expect(row).toContainText('sim-expert');
  await row.getByRole('button', { name: 'Test' }).click();
  await expect.poll(() => sim.stats.byStatus['200'], { timeout: 20_000 }).toBe(2);
  await expect(result.getByTestId('endpoint-test-ok')).toBeVisible();
  await expect(result.getByTestId('endpoint-test-reply')).not.toContainText('verdict');

  // Not in what the browser received…
  for (const html of [await page.content(), await (await page.request.get('/settings/providers')).text()]) {
    expect(html).not.toContain(KNOWN_KEY);
    expect(html).not.toContain(WRONG_KEY);
  }
  // …not in the built client files…
  const staticDir = path.join(process.env.NEXT_DIST_DIR ?? '.next', 'static');
  const staticFiles = filesUnder(staticDir);
  expect(staticFiles.length).toBeGreaterThan(0);
  for (const file of staticFiles) expect(fs.readFileSync(file).includes(KNOWN_KEY), file).toBe(false);
  // …and not in the database except as ciphertext (endpoints, audit log, call log).
  const dump = await queryServerDatabase<{ t: string }>(
    `SELECT (SELECT json_agg(e)::text FROM "ProviderEndpoint" e) || (SELECT coalesce(json_agg(a)::text, '') FROM "AuditLog" a) || (SELECT coalesce(json_agg(c)::text, '') FROM "LlmCall" c) AS t`,
  );
  expect(dump[0].t).toContain(name);
  expect(dump[0].t).not.toContain(KNOWN_KEY);
  expect(dump[0].t).not.toContain(WRONG_KEY);

  // Delete asks for confirmation.
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.getByRole('button', { name: 'Confirm delete' }).click();
  await expect(page.getByTestId(`endpoint-row-${name}`)).toHaveCount(0);
  await expect(page.getByText(`Deleted ${name}.`)).toBeVisible();
});

test('a reviewer sees the providers read-only', async ({ page }) => {
  const reviewer = { email: uniqueEmail('providers-reviewer'), password: 'reviewer-password', role: 'REVIEWER' as const };
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, reviewer);
  await signOut(page);

  await signIn(page, reviewer.email, reviewer.password);
  await page.goto('/settings');
  await expect(page.getByRole('link', { name: 'Model providers (read-only)' })).toBeVisible();
  await page.goto('/settings/providers');
  await page.waitForLoadState('networkidle');
  const row = page.getByTestId('endpoint-row-Simulator · expert');
  await expect(row).toBeVisible();
  await expect(row.getByText('SIMULATED')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Add an endpoint' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Test' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Edit' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Delete' })).toHaveCount(0);
});
