import { expect, test, type Browser, type Page } from '@playwright/test';
import { e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, signOut, uniqueEmail } from './helpers';

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

async function expectSignedOut(page: Page) {
  await page.goto('/runs');
  await expect(page).toHaveURL(/\/login$/);
}

async function changePassword(page: Page, current: string, next: string) {
  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password').fill(current);
  await form.getByLabel('New password', { exact: true }).fill(next);
  await form.getByLabel('Repeat the new password').fill(next);
  await form.getByRole('button', { name: 'Change password' }).click();
}

async function adminWithNewUser(browser: Browser, role: 'RESEARCHER' | 'REVIEWER' = 'RESEARCHER') {
  const user = { email: uniqueEmail(role.toLowerCase()), password: `${role.toLowerCase()}-first-password`, role };
  const admin = await newPage(browser);
  await signIn(admin, e2eAdmin.email, e2eAdmin.password);
  await createUserViaAdmin(admin, user);
  return { admin, user };
}

test('a user changes their password: this session stays, other sessions end, only the new password works', async ({ browser }) => {
  const { admin, user } = await adminWithNewUser(browser, 'REVIEWER');
  await admin.context().close();
  const here = await newPage(browser);
  const elsewhere = await newPage(browser);
  await signIn(here, user.email, user.password);
  await signIn(elsewhere, user.email, user.password);

  await here.goto('/settings');
  await here.getByRole('link', { name: 'Password and sessions' }).click();
  await here.waitForLoadState('networkidle');
  await changePassword(here, 'not my password', 'a new password 1');
  await expect(here.getByRole('form', { name: 'Change password' }).getByRole('alert')).toHaveText(/current password is wrong/);
  await changePassword(here, user.password, 'a new password 1');
  await expect(here.getByTestId('password-changed')).toBeVisible();

  await here.goto('/runs');
  await expect(here.getByTestId('current-user')).toHaveText(user.email);
  await expectSignedOut(elsewhere);

  await signOut(here);
  await here.getByLabel('Email').fill(user.email);
  await here.getByLabel('Password').fill(user.password);
  await here.getByRole('button', { name: 'Sign in' }).click();
  await expect(here.getByTestId('login-error')).toHaveText(/Wrong email or password/);
  await signIn(here, user.email, 'a new password 1');
});

test('an admin resets a password (shown once); the user must choose a new one at sign-in', async ({ browser }) => {
  const { admin, user } = await adminWithNewUser(browser);
  const userPage = await newPage(browser);
  await signIn(userPage, user.email, user.password);

  const row = admin.getByTestId(`user-row-${user.email}`);
  admin.once('dialog', (dialog) => void dialog.accept());
  await row.getByRole('button', { name: 'Reset password' }).click();
  const shown = admin.getByTestId('reset-password-value');
  await expect(shown).toBeVisible();
  const generated = (await shown.textContent())?.trim() ?? '';
  expect(generated.length).toBeGreaterThanOrEqual(10);
  await admin.reload();
  await expect(admin.getByTestId('reset-password-value')).toHaveCount(0);

  await expectSignedOut(userPage);
  await userPage.getByLabel('Email').fill(user.email);
  await userPage.getByLabel('Password').fill(user.password);
  await userPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(userPage.getByTestId('login-error')).toBeVisible();

  // Forced change: every page leads to the change-password page until it is done.
  await userPage.getByLabel('Email').fill(user.email);
  await userPage.getByLabel('Password').fill(generated);
  await userPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(userPage).toHaveURL(/\/change-password$/);
  await userPage.goto('/runs');
  await expect(userPage).toHaveURL(/\/change-password$/);
  await userPage.waitForLoadState('networkidle');
  await changePassword(userPage, generated, 'my own new password');
  await expect(userPage).not.toHaveURL(/\/change-password$/);
  await expect(userPage.getByTestId('current-user')).toHaveText(user.email);
  await userPage.goto('/runs');
  await expect(userPage).toHaveURL(/\/runs$/);

  await admin.goto('/settings/audit-log?action=user.password_reset');
  await expect(admin.getByRole('row').filter({ hasText: 'user.password_reset' }).first()).toBeVisible();
  await expect(admin.getByText(generated)).toHaveCount(0);
});

test('signing out revokes the session: a copied cookie no longer works', async ({ browser }) => {
  const page = await newPage(browser);
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  const copied = await page.context().cookies();
  await signOut(page);

  const thief = await browser.newContext();
  await thief.addCookies(copied);
  await expectSignedOut(await thief.newPage());
});

test('"sign out everywhere" ends every session of the user', async ({ browser }) => {
  const { admin, user } = await adminWithNewUser(browser);
  await admin.context().close();
  const one = await newPage(browser);
  const two = await newPage(browser);
  await signIn(one, user.email, user.password);
  await signIn(two, user.email, user.password);
  await one.goto('/settings/account');
  await one.waitForLoadState('networkidle');
  await one.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(one).toHaveURL(/\/login$/);
  await expectSignedOut(two);
});

test("an admin ends another user's sessions", async ({ browser }) => {
  const { admin, user } = await adminWithNewUser(browser);
  const userPage = await newPage(browser);
  await signIn(userPage, user.email, user.password);
  await admin.getByTestId(`user-row-${user.email}`).getByRole('button', { name: 'End sessions' }).click();
  await expect(admin.getByRole('status')).toHaveText(new RegExp(`Ended 1 session of ${user.email}`));
  await expectSignedOut(userPage);
  // Ending sessions does not lock the user out.
  await signIn(userPage, user.email, user.password);
});
