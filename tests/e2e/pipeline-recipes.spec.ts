import fs from 'node:fs';
import { expect, test } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { signIn } from './helpers';

test('the recipe editor previews the prompt live, tries 5 items without saving, and saves a new version', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto('/recipes');
  await page.getByRole('link', { name: 'Safer-Instruct (helpful refusals) · simulator' }).click();
  await page.waitForLoadState('networkidle');
  await expect(page.getByTestId('recipe-versions')).toContainText('v1');

  const preview = page.getByTestId('prompt-preview');
  await expect(preview).toContainText('### response:');
  await expect(page.getByTestId('prompt-provenance')).toContainText("authors' verbatim text");
  const template = page.getByLabel('Template');
  await template.fill('Reply to this e2e marker text:\n{{text}}\n\n### Instruction:\n');
  await expect(preview).toContainText('Reply to this e2e marker text:');
  await template.fill('Broken {{ text }');
  await expect(page.getByTestId('preview-error')).toContainText('line 1');
  await template.fill('Below is a response. Write the instruction it completes.\n\n### Response:\n{{text}}\n\n### Instruction:\n');

  await page.getByRole('button', { name: 'Try on 5 items' }).click();
  await expect(page.getByTestId('try-item')).toHaveCount(5, { timeout: 60_000 });
  await expect(page.getByTestId('try-results')).toContainText('Induce instruction');

  await page.getByRole('button', { name: 'Save as version 2' }).click();
  await expect(page.getByRole('status')).toHaveText('Saved as version 2.');
  await expect(page.getByTestId('recipe-versions')).toContainText('v2');
  // Version 1 is unchanged.
  await page.getByRole('link', { name: 'v1', exact: true }).click();
  await expect(page.getByLabel('Template')).toHaveValue(/Write the instruction that the response is trying to complete/);
});

test('reversed-tuning data: checks an Alpaca file and downloads the flipped training file', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto('/recipes/reversed-data');
  await page.waitForLoadState('networkidle');
  const dataset = [
    { instruction: 'Name a colour.', input: '', output: 'Blue.' },
    { instruction: 'Add the numbers.', input: '2 and 3', output: '5' },
    { instruction: 'Broken', output: 42 },
  ];
  await page.getByLabel('Instruction dataset (JSON array or JSONL)').setInputFiles({ name: 'alpaca.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(dataset)) });
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByTestId('reversed-records')).toHaveText('2');
  await expect(page.getByTestId('reversed-check')).toContainText('"output" must be a non-empty string');
  await expect(page.getByTestId('reversed-note')).toContainText("Template: Authors' template");

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download flipped file' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('alpaca.reversed.authors.jsonl');
  const lines = fs.readFileSync(await download.path(), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { prompt: string; completion: string });
  expect(lines).toHaveLength(2);
  expect(lines[1].completion).toBe('Add the numbers.\n\n2 and 3');
  expect(lines[0].prompt).toBe(
    'Below is a response to a certain instruction. Write the instruction that the response is trying to complete.\n\n### response:\nBlue.\n\n### Instruction:',
  );
});
