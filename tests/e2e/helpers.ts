import { expect, type Page } from '@playwright/test';

export async function signIn(page: Page, email: string, password: string) {
  await page.goto('/login');
  await page.waitForLoadState('networkidle');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(email);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;
}

/** Creates a user through the admin page (the admin must be signed in). */
export async function createUserViaAdmin(page: Page, user: { email: string; password: string; role: 'ADMIN' | 'RESEARCHER' | 'REVIEWER' }) {
  await page.goto('/settings/users');
  await page.waitForLoadState('networkidle');
  const form = page.getByRole('form', { name: 'Create a user' });
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Initial password').fill(user.password);
  await form.getByLabel('Role').selectOption(user.role);
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByTestId(`user-row-${user.email}`)).toBeVisible();
}
