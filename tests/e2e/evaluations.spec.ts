import fs from 'node:fs';
import { readZip } from '../integration/exporters/zip';
import { expect, test } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { signIn } from './helpers';

const ROWS = 24;
const HARMFUL = 'Sure, here is exactly how to do that. Step 1: do it when nobody is watching.';
const SAFE = "I can't help with that, but here is a safer way to think about it.";

/** A prompt set carrying two models' responses: "old" answers every 3rd prompt harmfully, "new" every 12th. */
function promptSetCsv(tag: string): string {
  const lines = ['id,benchmark,prompt,response_old,response_new'];
  for (let i = 0; i < ROWS; i += 1) {
    lines.push(`q${i},${i % 2 === 0 ? 'bench-a' : 'bench-b'},"${tag}: how do I deal with case ${i}?","${i % 3 === 0 ? HARMFUL : SAFE}","${i % 12 === 0 ? HARMFUL : SAFE}"`);
  }
  return `${lines.join('\n')}\n`;
}

test('a researcher imports responses of two models, judges them, reads the comparison, spot-checks the judge and downloads the report', async ({ page }) => {
  test.setTimeout(180_000);
  const tag = `e2e-eval-${Date.now()}`;
  await signIn(page, e2eAdmin.email, e2eAdmin.password);

  await page.goto('/evaluations/sets/new');
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Prompt set file').setInputFiles({ name: `${tag}.csv`, mimeType: 'text/csv', buffer: Buffer.from(promptSetCsv(tag)) });
  const mapping = page.getByRole('form', { name: 'Map the prompt set' });
  await expect(mapping.getByLabel('Prompt column')).toHaveValue('prompt');
  await expect(mapping.getByLabel('Group column (optional)')).toHaveValue('benchmark');
  await expect(mapping.getByLabel('Model label for column response_old')).toHaveValue('old');
  await expect(mapping.getByLabel('Model label for column response_new')).toHaveValue('new');
  await mapping.getByRole('button', { name: 'Import the prompt set' }).click();
  await expect(page).toHaveURL(/\/evaluations\/sets\/[^/]+$/);
  await expect(page.getByTestId('set-prompt-count')).toHaveText(String(ROWS));

  await page.getByRole('link', { name: 'Evaluate on this set' }).click();
  await page.waitForLoadState('networkidle');
  const form = page.getByRole('form', { name: 'New evaluation' });
  await expect(form.getByLabel('old', { exact: true })).toBeChecked();
  await expect(form.getByLabel('new', { exact: true })).toBeChecked();
  await expect(form.getByLabel('Rubric')).toHaveValue('harmlessness');
  await form.getByRole('button', { name: 'Start the evaluation' }).click();
  await expect(page).toHaveURL(/\/evaluations\/(?!new)[^/?]+$/);

  // The page refreshes itself while the evaluation runs.
  await expect(page.getByTestId('eval-comparison')).toContainText('new is more harmless than old on this set: 91.7% vs 66.7%', { timeout: 90_000 });
  await expect(page.getByTestId('eval-progress')).toHaveText(`${ROWS}/${ROWS} prompts`);
  const evaluationUrl = page.url();

  // Harmful text is blurred until revealed.
  await expect(page.getByTestId('harmful-text').first()).toHaveAttribute('data-revealed', 'false');

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Report (markdown)' }).click();
  const report = fs.readFileSync((await (await download).path()) ?? '', 'utf8');
  expect(report).toContain('new is more harmless than old on this set: 91.7% vs 66.7%');
  expect(report).toContain('Wilson');

  const spotCheck = page.getByRole('form', { name: 'Spot-check the judge' });
  await spotCheck.getByLabel('Sample size').fill('10');
  await spotCheck.getByRole('button', { name: 'Create a spot-check audit' }).click();
  await expect(page).toHaveURL(/\/audits\/[^/]+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Spot-check of Harmlessness judge');
  await expect(page.getByText('This audit checks an evaluation judge.')).toBeVisible();

  await page.goto(evaluationUrl);
  await expect(page.getByTestId('eval-comparison')).toBeVisible();

  // An export's dataset card can carry this evaluation's results.
  const evaluationId = new URL(evaluationUrl).pathname.split('/').at(-1) ?? '';
  const evaluationName = /^# Evaluation: (.+)$/m.exec(report)?.[1] ?? '';
  expect(evaluationName).not.toBe('');
  await page.goto('/exports');
  await page.waitForLoadState('networkidle');
  await page.getByLabel(/^Spot-check copy/).first().check();
  await page.getByLabel('Evaluation results in the card').selectOption(evaluationId);
  await page.getByLabel('Dataset title').fill(`${tag} bundle`);
  await page.getByRole('button', { name: 'Create bundle' }).click();
  await expect(page.getByText('The export is ready below.')).toBeVisible({ timeout: 60_000 });
  const row = page.locator('[data-testid^="export-row-"]').first();
  const [bundle] = await Promise.all([page.waitForEvent('download'), row.getByRole('link', { name: 'Download bundle' }).click()]);
  const folder = bundle.suggestedFilename().replace(/\.zip$/, '');
  const card = readZip(fs.readFileSync(await bundle.path())).find((entry) => entry.name === `${folder}/README.md`)?.data.toString('utf8') ?? '';
  expect(card).toContain(`## Evaluation: ${evaluationName}`);
  expect(card).toContain('new is more harmless than old on this set: 91.7% vs 66.7%');
});

test('the demo set evaluates two simulated targets, and a target can be saved as a versioned named target', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await page.goto('/evaluations');
  await page.waitForLoadState('networkidle');
  const loadDemo = page.getByRole('button', { name: 'Load the demo prompt set' });
  if ((await loadDemo.count()) > 0) {
    await loadDemo.first().click();
    await expect(page).toHaveURL(/\/evaluations\/sets\/[^/]+$/);
  } else {
    await page.getByRole('link', { name: 'Demo prompts (mild, for the simulator)' }).first().click();
  }
  await expect(page.getByTestId('set-prompt-count')).toHaveText('40');
  await page.getByRole('link', { name: 'Evaluate on this set' }).click();
  await page.waitForLoadState('networkidle');
  const form = page.getByRole('form', { name: 'New evaluation' });
  await expect(form.getByLabel('Model (overrides the endpoint\'s)').first()).toHaveValue('sim-target-base');
  await expect(form.getByLabel('Model (overrides the endpoint\'s)').nth(1)).toHaveValue('sim-target-aligned');

  const label = `e2e aligned ${Date.now()}`;
  await form.getByLabel('Label').nth(1).fill(label);
  await form.getByRole('button', { name: 'Save as a named target' }).nth(1).click();
  await expect(form.getByText(`Saved "${label}" as version 1.`)).toBeVisible();
  await expect(form.getByText(`saved target ${label} v1`)).toBeVisible();

  await form.getByRole('button', { name: 'Start the evaluation' }).click();
  await expect(page).toHaveURL(/\/evaluations\/(?!new)[^/?]+$/);
  await expect(page.getByTestId('eval-progress')).toHaveText('40/40 prompts', { timeout: 120_000 });
  await expect(page.getByTestId('eval-comparison')).toContainText('Harmlessness judge');
  await expect(page.getByText('SIMULATED').first()).toBeVisible();
  await expect(page.getByRole('figure', { name: /Share of responses judged HARMLESS/ })).toBeVisible();

  // Side by side: one prompt with both responses.
  await page.getByRole('link', { name: 'side by side' }).first().click();
  await expect(page.getByTestId('eval-prompt')).toHaveCount(1);
  await expect(page.getByRole('link', { name: 'Back to all prompts' })).toBeVisible();
});
