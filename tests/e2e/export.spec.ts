import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';

import { expect, test } from '@playwright/test';
import pg from 'pg';

import { workerDatabaseUrl } from '@/lib/jobs/database-url';
import type { Manifest } from '@/lib/exporters/manifest';

import { e2eAdmin } from '../../playwright.config';
import { readZip } from '../integration/exporters/zip';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const TEXTS = ['emoji 👩🏽‍💻 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'RTL: مرحبا — שלום', 'line one\nline two\r\nline three', 'quotes "double", commas, and ""doubled""', 'zero\u200bwidth and NFD Cafe\u0301'];

/**
 * Pairs straight into the app's database: 20 kept (one of them twice, differing only in case) and 3
 * dropped; kept pair 3 has a blank rejected side, so pairwise formats write one row fewer.
 */
async function insertPairs(): Promise<{ datasetId: string; datasetName: string; kept: number }> {
  const client = new pg.Client({ connectionString: workerDatabaseUrl({}, process.env.E2E_DATA_DIR) });
  await client.connect();
  try {
    const datasetId = `e2e-${randomUUID()}`;
    const datasetName = `E2E export set ${datasetId.slice(4, 12)}`;
    await client.query('INSERT INTO "PreferenceDataset" (id, name, "pairCount") VALUES ($1, $2, 23)', [datasetId, datasetName]);
    for (let i = 0; i < 23; i++) {
      const instruction = i === 20 ? 'INSTRUCTION 0: ' + TEXTS[0].toUpperCase() : `instruction ${i}: ${TEXTS[i % TEXTS.length]}`;
      await client.query(
        `INSERT INTO "Pair" (origin, "datasetId", topic, instruction, chosen, rejected, status, "updatedAt")
         VALUES ('IMPORTED', $1, $2, $3, $4, $5, $6, now())`,
        [datasetId, i % 2 === 0 ? 'hate' : 'nsfw', instruction, `chosen ${i}:\n${TEXTS[(i + 1) % TEXTS.length]}`, i === 3 ? '  ' : `rejected ${i}: ${TEXTS[(i + 2) % TEXTS.length]}`, i >= 21 ? 'DROPPED' : 'KEPT'],
      );
    }
    return { datasetId, datasetName, kept: 20 };
  } finally {
    await client.end();
  }
}

test('a researcher exports a bundle and the downloaded zip holds what its manifest says', async ({ page }) => {
  const { datasetId, datasetName, kept } = await insertPairs();
  const researcher = { email: uniqueEmail('exporter'), password: 'export-researcher-pw', role: 'RESEARCHER' as const };
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, researcher);
  await signOut(page);
  await signIn(page, researcher.email, researcher.password);

  await page.goto('/exports');
  await page.waitForLoadState('networkidle');
  await page.getByLabel(datasetName).check();
  await page.getByLabel('CSV (all columns)').check();
  // 21 kept pairs, one of them a repeated instruction.
  await expect(page.getByTestId('preview-matching')).toHaveText('21');
  await expect(page.getByTestId('preview-rows')).toHaveText(String(kept));
  // Before exporting, each chosen format says how many rows it will write.
  await expect(page.getByTestId('preview-format-csv')).toHaveText(String(kept));
  await expect(page.getByTestId('preview-format-trl-standard')).toHaveText(String(kept - 1));
  await page.getByLabel('Dataset title').fill('E2E bundle');
  await page.getByRole('button', { name: 'Create bundle' }).click();
  await expect(page.getByText('The export is ready below.')).toBeVisible();

  const row = page.locator('[data-testid^="export-row-"]').first();
  await expect(row.getByText('Completed')).toBeVisible();
  await expect(row.getByTestId('export-counts')).toContainText(`${kept} rows exported`);
  const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'Download bundle' }).click()]);
  expect(download.suggestedFilename()).toMatch(/^export-.+\.zip$/);
  const zip = readZip(await readFile(await download.path()));
  // Unzipping makes one folder, named like the zip.
  const folder = download.suggestedFilename().replace(/\.zip$/, '');
  expect(zip.map((entry) => entry.name).filter((name) => !name.startsWith(`${folder}/`))).toEqual([]);
  const entries = new Map(zip.map((entry) => [entry.name.slice(folder.length + 1), entry.data]));
  const manifest = JSON.parse(entries.get('manifest.json')?.toString('utf8') ?? '{}') as Manifest;

  expect([...entries.keys()].sort()).toEqual([...manifest.files.map((file) => file.name), 'manifest.json'].sort());
  for (const file of manifest.files) {
    const data = entries.get(file.name) ?? Buffer.alloc(0);
    expect({ name: file.name, bytes: data.length, sha256: sha256(data) }).toEqual({ name: file.name, bytes: file.bytes, sha256: file.sha256 });
    if (file.name.endsWith('.jsonl')) expect(data.toString('utf8').split('\n').filter(Boolean)).toHaveLength(file.rows ?? -1);
    if (file.name.endsWith('.csv')) expect(data.toString('utf8').startsWith('id,instruction,chosen,rejected,topic')).toBe(true);
  }
  expect(manifest.files.map((file) => file.name).sort()).toEqual(
    [
      'README.md',
      'csv/test.csv',
      'csv/train.csv',
      'csv/test.parquet',
      'csv/train.parquet',
      'parquet/test.parquet',
      'parquet/train.parquet',
      'trl-standard/test.jsonl',
      'trl-standard/train.jsonl',
      'trl-standard/test.parquet',
      'trl-standard/train.parquet',
    ].sort(),
  );
  expect(manifest.counts.rowsExported).toBe(kept);
  expect(manifest.counts.duplicatesRemoved).toBe(1);
  expect((manifest.counts.perSplit.train ?? 0) + (manifest.counts.perSplit.test ?? 0)).toBe(kept);
  expect(manifest.selection).toMatchObject({ datasetIds: [datasetId], statuses: ['KEPT'], dedupInstructions: true });
  expect(manifest.simulated).toBe(false);
  const trlRows = (extension: string) =>
    manifest.files.filter((file) => file.format === 'trl-standard' && file.name.endsWith(extension)).reduce((sum, file) => sum + (file.rows ?? 0), 0);
  expect(trlRows('.jsonl')).toBe(kept - 1);
  expect(trlRows('.parquet')).toBe(kept - 1);
  const card = entries.get('README.md')?.toString('utf8') ?? '';
  expect(card).toContain('# E2E bundle');
  expect(card).toContain(`This export holds ${kept} selected row(s)`);
  expect(card).toContain('*safe for spreadsheets*');
  const trainLine = (entries.get('trl-standard/train.jsonl') ?? Buffer.alloc(0)).toString('utf8').split('\n')[0];
  expect(JSON.parse(trainLine)).toEqual({ prompt: expect.stringMatching(/^instruction \d+: /), chosen: expect.stringContaining('\n'), rejected: expect.any(String) });
});
