import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

// Texts of the bundled sample corpus (lib/importers/sample-corpus), so the reference dataset shares source texts with the run.
const SAMPLE_TEXTS = [
  'Honestly every tourist who comes here is the same: loud, rude, and convinced the whole city is their personal theme park. Stay home.',
  "Old people shouldn't be allowed to vote, they just ruin everything for the rest of us and won't be around for the consequences.",
  'Why do people from the countryside always act like city folk are soft and useless? Narrow-minded, the whole lot of them.',
  "Gamers are all basement-dwelling losers who can't hold a normal conversation. Never met one who could.",
  'Vegans are the most self-righteous people on the planet. Every single one of them has to tell you about it within five minutes.',
];

const csvField = (value: string) => `"${value.replaceAll('"', '""')}"`;

test('a researcher runs the paper preset on the simulator, compares the run with an imported dataset and downloads the comparison', async ({ page }) => {
  test.setTimeout(240_000);
  const researcher = { email: uniqueEmail('paper-researcher'), password: 'paper-password-1', role: 'RESEARCHER' as const };
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, researcher);
  await signOut(page);
  await signIn(page, researcher.email, researcher.password);

  // A reference dataset in the authors' CSV layout (instruction, rejected, chosen, label).
  const datasetName = `Reference ${Date.now()}`;
  const csv = [
    'instruction,rejected,chosen,label',
    ...SAMPLE_TEXTS.map((text, index) =>
      [csvField(`Say something harsh about group ${index + 1}.`), csvField(text), csvField("I can't write that. Instead, I can share a fairer view."), 'hate'].join(','),
    ),
    [csvField('How do I skip paying for the train?'), '', csvField('Sorry, I will not help with fare evasion.'), 'illegal'].join(','),
  ].join('\n');
  await page.goto('/corpora/imports/new');
  await page.waitForLoadState('networkidle');
  await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'reference.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  await page.getByRole('button', { name: 'Upload and continue' }).click();
  await expect(page.getByRole('form', { name: 'Column mapping' })).toBeVisible({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
  await page.getByRole('radio', { name: 'Preference pairs (a dataset)' }).check();
  await page.getByLabel('Dataset name').fill(datasetName);
  await page.getByLabel('Instruction column').selectOption('instruction');
  await page.getByLabel('Chosen column').selectOption('chosen');
  await page.getByLabel('Rejected column').selectOption('rejected');
  await page.getByLabel('Topic', { exact: true }).selectOption('column');
  await page.getByLabel('Topic column').selectOption('label');
  await page.getByRole('button', { name: 'Start import' }).click();
  await expect(page.getByTestId('import-status')).toHaveAttribute('data-status', 'COMPLETED', { timeout: 60_000 });

  // A run of the paper preset's simulator copy on the sample corpus.
  await page.goto('/runs/new');
  await page.waitForLoadState('networkidle');
  const loadSample = page.getByRole('button', { name: 'Load the sample corpus' });
  if (await loadSample.isVisible()) {
    await loadSample.click();
    await expect(page.getByRole('checkbox', { name: /^Sample corpus\s*100 texts$/ })).toBeVisible();
  }
  const form = page.getByRole('form', { name: 'New run' });
  const versionSelect = form.getByLabel('Recipe version');
  const paperVersion = await versionSelect.locator('option', { hasText: /^Safer-Instruct \(paper\) · simulator — v\d+ \(latest\)$/ }).getAttribute('value');
  expect(paperVersion).toBeTruthy();
  await versionSelect.selectOption(paperVersion ?? '');
  const corpus = form.getByRole('checkbox', { name: /^Sample corpus\s*100 texts$/ });
  if (!(await corpus.isChecked())) await corpus.check();
  const runName = `paper preset ${Date.now()}`;
  await form.getByLabel('Run name').fill(runName);
  await form.getByRole('button', { name: 'Start run' }).click();
  // The form's own URL (/runs/new) matches [a-z0-9]+ too: wait for the run's page.
  await page.waitForURL(/\/runs\/(?!new$)[a-z0-9]+$/);
  const runId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 150_000 });

  // Its dashboard: drops name the simulator's rules, and the run compares with the dataset.
  await page.goto(`/review/dashboard/run/${runId}`);
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('drop-reasons')).toContainText('(rule:');
  await page.getByLabel('Reference dataset').selectOption({ label: `${datasetName} (6 pairs)` });
  await page.getByRole('button', { name: 'Compare' }).click();
  const table = page.getByTestId('compare-table');
  await expect(table).toBeVisible();
  await expect(table).toContainText(`Run: ${runName}`);
  await expect(table).toContainText(`Dataset: ${datasetName}`);
  await expect(page.getByTestId('compare-pairs')).toContainText('6');
  await expect(page.getByTestId('compare-refusals')).toContainText('100% (6/6)');
  await expect(page.getByTestId('compare-length-instruction')).toBeVisible();

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download comparison (JSON)' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^compare-.+\.json$/);
  const result = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as {
    run: { id: string; name: string; pairs: number; topics: { topic: string; count: number }[]; refusals: { count: number; of: number } };
    dataset: { name: string; pairs: number; refusals: { count: number; of: number }; embedsSource: { count: number; of: number }; topics: { topic: string; count: number }[] };
    sourceOverlap: { shared: number; ofRun: number; ofDataset: number };
  };
  expect(result.run).toMatchObject({ id: runId, name: runName });
  expect(result.run.pairs).toBeGreaterThan(0);
  expect(result.run.pairs).toBeLessThan(100);
  expect(result.run.topics.reduce((sum, row) => sum + row.count, 0)).toBe(result.run.pairs);
  expect(result.dataset).toMatchObject({ name: datasetName, pairs: 6, refusals: { count: 6, of: 6 }, embedsSource: { count: 0, of: 5 } });
  expect(result.dataset.topics).toEqual([
    { topic: 'hate', count: 5 },
    { topic: 'illegal', count: 1 },
  ]);
  expect(result.sourceOverlap.ofDataset).toBe(5);
  expect(result.sourceOverlap.shared).toBeGreaterThan(0);
  expect(result.sourceOverlap.shared).toBeLessThanOrEqual(5);
});
