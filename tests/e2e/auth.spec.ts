import { expect, test } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

test('an admin signs in, sees the app shell, and signs out', async ({ page }) => {
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  for (const area of ['Dashboard', 'Corpora', 'Recipes', 'Runs', 'Review', 'Audits', 'Exports', 'Settings']) {
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: area })).toBeVisible();
  }
  await signOut(page);
  await page.goto('/settings/users');
  await expect(page).toHaveURL(/\/login$/);
});

test('a wrong password shows an error and does not sign in', async ({ page }) => {
  await page.goto('/login');
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Email').fill(e2eAdmin.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toHaveText(/Wrong email or password/);
  await expect(page).toHaveURL(/\/login$/);
});

test('an admin creates a user who can then sign in; a reviewer cannot open admin pages', async ({ page }) => {
  const reviewer = { email: uniqueEmail('reviewer'), password: 'reviewer-password', role: 'REVIEWER' as const };
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(page, reviewer);
  await page.goto('/settings/audit-log?action=user.created');
  await expect(page.getByRole('row').filter({ hasText: 'user.created' }).filter({ hasText: e2eAdmin.email }).first()).toBeVisible();
  await signOut(page);

  await signIn(page, reviewer.email, reviewer.password);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await page.goto('/settings/users');
  await expect(page.getByText('You cannot open this page')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Create a user' })).toHaveCount(0);
  await page.goto('/settings');
  await expect(page.getByRole('link', { name: 'Users and roles' })).toHaveCount(0);
});

test('a deactivated user is signed out at once', async ({ browser }) => {
  const researcher = { email: uniqueEmail('researcher'), password: 'researcher-password', role: 'RESEARCHER' as const };
  const adminPage = await (await browser.newContext()).newPage();
  await signIn(adminPage, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(adminPage, researcher);

  const userPage = await (await browser.newContext()).newPage();
  await signIn(userPage, researcher.email, researcher.password);

  await adminPage.getByTestId(`user-row-${researcher.email}`).getByRole('button', { name: 'Deactivate' }).click();
  await expect(adminPage.getByTestId(`user-row-${researcher.email}`).getByText('deactivated')).toBeVisible();

  await userPage.goto('/runs');
  await expect(userPage).toHaveURL(/\/login$/);
});

test('repeated failures are rate-limited with a clear message', async ({ page }) => {
  const victim = uniqueEmail('locked');
  await page.goto('/login');
  await page.waitForLoadState('networkidle');
  for (let i = 0; i < 6; i++) {
    await page.getByLabel('Email').fill(victim);
    await page.getByLabel('Password').fill(`guess-${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('login-error')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  }
  await expect(page.getByTestId('login-error')).toHaveText(/Too many failed sign-in attempts for this account\. Try again in \d+ minutes?\./);
});
