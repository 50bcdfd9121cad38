import { expect, test } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

test('a researcher starts a run on the sample corpus and watches it finish', async ({ page }) => {
  test.setTimeout(180_000);
  const researcher = { email: uniqueEmail('pipeline-researcher'), password: 'pipeline-password-1', role: 'RESEARCHER' as const };
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, researcher);
  await signOut(page);
  await signIn(page, researcher.email, researcher.password);

  await page.goto('/runs/new');
  await page.waitForLoadState('networkidle');
  const loadSample = page.getByRole('button', { name: 'Load the sample corpus' });
  if (await loadSample.isVisible()) {
    await loadSample.click();
    await expect(page.getByRole('checkbox', { name: /^Sample corpus\s*100 texts$/ })).toBeVisible();
  }

  const form = page.getByRole('form', { name: 'New run' });
  // The latest version of the simulator recipe (another test may have saved a newer one).
  const versionSelect = form.getByLabel('Recipe version');
  const simulatorVersion = await versionSelect.locator('option', { hasText: /^Safer-Instruct \(paper\) · simulator — v\d+ \(latest\)$/ }).getAttribute('value');
  await versionSelect.selectOption(simulatorVersion ?? '');
  const corpus = form.getByRole('checkbox', { name: /^Sample corpus\s*100 texts$/ });
  if (!(await corpus.isChecked())) await corpus.check();
  await form.getByLabel('Run name').fill('e2e sample run');
  await form.getByRole('button', { name: 'Start run' }).click();

  await expect(page).toHaveURL(/\/runs\/[a-z0-9]+$/);
  await expect(page.getByRole('heading', { name: 'e2e sample run' })).toBeVisible();
  const bar = page.getByRole('progressbar', { name: 'Run progress' });
  await expect(bar).toHaveAttribute('aria-valuemax', '100');
  // The live progress polls every second until every item is final.
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 120_000 });
  await expect(bar).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByTestId('run-done-count')).toContainText('100 of 100 items done');

  const funnel = page.getByTestId('funnel');
  await expect(funnel).toBeVisible();
  await expect(page.getByTestId('funnel-items-count')).toHaveText('100');
  const induced = Number(await page.getByTestId('funnel-induced-count').textContent());
  const kept = Number(await page.getByTestId('funnel-pairKept-count').textContent());
  expect(induced).toBeGreaterThan(0);
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(induced);

  // The run shows on the runs list and the dashboard.
  await page.goto('/runs');
  await expect(page.getByRole('link', { name: 'e2e sample run' })).toBeVisible();
  await page.goto('/');
  await expect(page.getByTestId('recent-runs')).toContainText('e2e sample run');
});
