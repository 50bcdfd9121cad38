import { expect, test, type Page } from '@playwright/test';

import { e2eAdmin } from '../../playwright.config';
import { signIn } from './helpers';

test.describe.configure({ mode: 'serial' });

async function upload(page: Page, name: string, content: string) {
  await page.goto('/corpora/imports/new');
  await page.waitForLoadState('networkidle');
  await page.getByLabel('File', { exact: true }).setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(content, 'utf8') });
  await page.getByRole('button', { name: 'Upload and continue' }).click();
  await expect(page.getByRole('form', { name: 'Column mapping' })).toBeVisible({ timeout: 30_000 });
  await page.waitForLoadState('networkidle');
}

async function startAndWait(page: Page) {
  await page.getByRole('button', { name: 'Start import' }).click();
  await expect(page.getByTestId('import-status')).toHaveAttribute('data-status', 'COMPLETED', { timeout: 60_000 });
}

test('an empty database offers the sample corpus, which loads once', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto('/corpora');
  await page.waitForLoadState('networkidle');
  // Other specs may have imported preference datasets into the shared server, but no corpus yet.
  await expect(page.getByText(/No corpora yet|No corpus yet/)).toBeVisible();
  await page.getByRole('button', { name: 'Load the sample corpus' }).click();
  await expect(page.getByRole('heading', { name: 'Sample corpus' })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('corpus-item-count')).toHaveText('100');
  await expect(page.getByTestId('topic-hate')).toContainText('25');
});

test('upload a CSV, map its columns, watch it complete, and read the texts blurred until revealed', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  const csv = [
    'ref,body,label,source',
    'r-1,"Everyone from that town is rude, honestly.",hate,forum',
    'r-2,"I feel like nothing will ever get better.\nNothing at all.",self-harm,chat',
    'r-3,Skipping the fare again today,illegal,forum',
  ].join('\n');
  await upload(page, 'e2e-upload.csv', csv);
  await expect(page.getByRole('table', { name: 'Preview of the first rows' })).toContainText('ref');

  await page.getByLabel('Corpus name').fill('E2E uploaded corpus');
  await page.getByLabel('Text column').selectOption('body');
  await page.getByLabel('Topic', { exact: true }).selectOption('column');
  await page.getByLabel('Topic column').selectOption('label');
  // "ref" is not a name the suggestion knows as an id: map it by hand.
  await page.getByLabel('Id column').selectOption('ref');
  await expect(page.getByRole('checkbox', { name: 'source' })).toBeChecked();
  await startAndWait(page);
  await expect(page.getByTestId('import-inserted')).toHaveText('3');
  await expect(page.getByTestId('import-errors')).toHaveText('0');

  await page.getByRole('link', { name: /Open the corpus/ }).click();
  await expect(page.getByRole('heading', { name: 'E2E uploaded corpus' })).toBeVisible();
  await expect(page.getByRole('note')).toContainText('Content note');
  const texts = page.getByTestId('source-text');
  await expect(texts).toHaveCount(3);
  const first = texts.first().getByTestId('harmful-text');
  await expect(first).toHaveAttribute('data-revealed', 'false');
  await expect(texts.first()).toContainText('r-1');
  await texts.first().getByRole('button', { name: 'Reveal text' }).click();
  await expect(first).toHaveAttribute('data-revealed', 'true');
  await expect(first).toHaveText('Everyone from that town is rude, honestly.');
  await expect(texts.nth(1).getByTestId('harmful-text')).toHaveAttribute('data-revealed', 'false');

  // Search narrows the list (server-side ILIKE).
  await page.getByLabel('Search the texts').fill('FARE');
  await page.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByTestId('source-text')).toHaveCount(1);
});

test('a file with bad rows: the good rows are stored and the report lists line, column and reason', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  const csv = ['text,topic', 'a fine row,hate', ',hate', 'another fine row,nsfw', '"   ",illegal', `${'x'.repeat(40)},hate`].join('\n');
  await upload(page, 'e2e-bad-rows.csv', csv);
  await page.getByLabel('Corpus name').fill('E2E bad rows');
  await page.getByLabel('Maximum text length (characters)').fill('30');
  await startAndWait(page);
  await expect(page.getByTestId('import-inserted')).toHaveText('2');
  await expect(page.getByTestId('import-errors')).toHaveText('3');

  const report = page.getByRole('table', { name: 'Row errors' });
  await expect(report.getByTestId('row-error')).toHaveCount(3);
  await expect(report.getByTestId('row-error').nth(0)).toContainText('3');
  await expect(report.getByTestId('row-error').nth(0)).toContainText('text');
  await expect(report.getByTestId('row-error').nth(0)).toContainText('empty text');
  await expect(report.getByTestId('row-error').nth(2)).toContainText('40 characters long; the limit is 30');

  const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
  const download = await page.request.get(href!);
  expect(download.status()).toBe(200);
  expect(await download.text()).toBe('line,column,reason\n3,text,empty text\n5,text,empty text\n6,text,text is 40 characters long; the limit is 30\n');
});
