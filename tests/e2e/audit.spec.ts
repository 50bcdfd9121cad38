import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { expect, test, type Page } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

/** The embedded Postgres the e2e server started (its port is in postmaster.pid, its password in secrets.json). */
function databaseUrl(): string {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error('E2E_DATA_DIR is not set; run through playwright.config.ts');
  const port = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[3].trim();
  const { postgresPassword } = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8')) as { postgresPassword: string };
  return `postgresql://studio:${encodeURIComponent(postgresPassword)}@127.0.0.1:${port}/studio`;
}

/** An imported dataset of 30 kept pairs (20 hate, 10 nsfw) and 5 dropped ones, written straight to the database. */
async function seedDataset(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const datasetId = `e2e-${crypto.randomUUID()}`;
    await client.query('INSERT INTO "PreferenceDataset" ("id", "name", "pairCount") VALUES ($1, $2, 35)', [datasetId, name]);
    const rows: [string, string, string][] = [
      ...Array.from({ length: 20 }, (_, i): [string, string, string] => ['hate', 'KEPT', `hate instruction ${i}`]),
      ...Array.from({ length: 10 }, (_, i): [string, string, string] => ['nsfw', 'KEPT', `nsfw instruction ${i}`]),
      ...Array.from({ length: 5 }, (_, i): [string, string, string] => ['hate', 'DROPPED', `dropped instruction ${i}`]),
    ];
    for (const [topic, status, instruction] of rows) {
      await client.query(
        `INSERT INTO "Pair" ("origin", "datasetId", "topic", "instruction", "chosen", "rejected", "status", "instructionVerdict", "responseVerdict", "updatedAt")
         VALUES ('IMPORTED', $1, $2, $3, 'A safe, helpful answer.', 'A mild stand-in for a harmful text.', $4::"PairStatus", 'PASS', $5::"Verdict", now())`,
        [datasetId, topic, instruction, status, status === 'KEPT' ? 'PASS' : 'FAIL'],
      );
    }
  } finally {
    await client.end();
  }
}

async function expectPosition(page: Page, position: number) {
  await expect(page.getByTestId('review-item')).toHaveAttribute('data-position', String(position));
}

test('a reviewer completes a 20-item audit with the keyboard only; the researcher sees the statistics and the verdict', async ({ page }) => {
  test.setTimeout(180_000);
  const datasetName = `E2E audit data ${Date.now()}`;
  await seedDataset(datasetName);
  const reviewer = { email: uniqueEmail('auditor'), password: 'auditor-password', role: 'REVIEWER' as const };

  // The researcher (an admin here) creates the audit.
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, reviewer);
  await page.goto('/audits/new');
  await page.waitForLoadState('networkidle');
  const form = page.getByRole('form', { name: 'Create an audit' });
  await form.getByLabel('Name').fill('E2E spot check');
  await form.getByLabel(datasetName).check();
  await expect(page.getByTestId('audit-population')).toHaveText(
    'Population: 30 kept pairs. 5 dropped pairs are sampled only when stratifying by automatic verdict.',
  );
  // ±5% on a population of 30 needs almost everything: 28 pairs.
  await expect(page.getByTestId('audit-size-suggestion')).toContainText('Suggested sample size: 28 pairs');
  await form.getByLabel('Sample size').fill('20');
  await form.getByLabel('Threshold (%)').fill('80');
  await form.getByLabel('Guidelines', { exact: true }).fill('## Rules\n\n- **Accept** safe answers\n- <script>alert(1)</script>');
  await form.getByRole('button', { name: 'Create audit' }).click();
  await expect(page).toHaveURL(/\/audits\/(?!new$)[a-z0-9]+$/);
  const auditId = page.url().split('/').pop()!;
  await expect(page.getByTestId('audit-strata')).toContainText('hate');
  await expect(page.getByTestId('audit-verdict-text')).toHaveText('NOT YET');
  await signOut(page);

  // The reviewer works through it with the keyboard only.
  await signIn(page, reviewer.email, reviewer.password);
  await page.goto(`/audits/${auditId}/review`);
  await page.waitForLoadState('networkidle');
  await expect(page.getByRole('heading', { name: 'Rules' })).toBeVisible();
  await expect(page.getByText('<script>alert(1)</script>')).toBeVisible();
  await expectPosition(page, 1);
  await expect(page.getByTestId('automatic-verdict-hidden')).toBeVisible();

  for (let position = 1; position <= 20; position += 1) {
    await expectPosition(page, position);
    if (position === 3) {
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toHaveCount(0);
    }
    if (position === 7) {
      await page.keyboard.press('4');
      await expect(page.getByRole('button', { name: /chosen is unsafe/ })).toHaveAttribute('aria-pressed', 'true');
      await page.keyboard.press('n');
      // Shortcuts never fire while typing: this "a" and "r" are text.
      await page.keyboard.type('a vague reply');
      await expect(page.getByLabel('Note')).toHaveValue('a vague reply');
      await expectPosition(page, 7);
      await page.keyboard.press('Escape');
      await page.keyboard.press('r');
      await expectPosition(page, 8);
      await expect(page.getByTestId('last-answer')).toContainText('Item 7: you answered pair incorrect · tags: chosen is unsafe · with a note. Automatic verdict: final: kept');
      continue;
    }
    if (position === 10) {
      // Answer, take it back, answer again.
      await page.keyboard.press('r');
      await expectPosition(page, 11);
      await page.keyboard.press('u');
      await expectPosition(page, 10);
      await expect(page.getByText('You are changing your answer (pair incorrect).')).toBeVisible();
    }
    await page.keyboard.press('a');
  }
  await expect(page.getByTestId('review-done')).toBeVisible();
  await expect(page.getByTestId('review-progress')).toContainText('You: 20 answered · audit: 20 / 20 answers');
  await signOut(page);

  // The researcher sees the statistics and the verdict.
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto(`/audits/${auditId}`);
  await expect(page.getByTestId('audit-progress')).toContainText('20 of 20 answers');
  await expect(page.getByTestId('precision-pair')).toContainText('95.0%');
  await expect(page.getByTestId('precision-pair')).toContainText('19 of 20 audited acceptable');
  await expect(page.getByTestId('audit-verdict-text')).toHaveText('PASS');
  await expect(page.getByTestId('audit-verdict')).toContainText('lower 95% bound of precision ≥ 80%');
  await page.goto('/audits');
  await expect(page.getByTestId(`audit-row-${auditId}`)).toContainText('target met');
  const report = await page.request.get(`/api/audits/${auditId}/report?format=md`);
  expect(report.ok()).toBe(true);
  expect(await report.text()).toMatch(/lower 95% bound of precision ≥ 80%: \*\*met\*\*/);
});
