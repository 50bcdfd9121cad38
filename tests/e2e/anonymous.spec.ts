import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

const appDir = path.resolve(process.cwd(), 'app');

function listFiles(dir: string, name: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full, name) : name.test(entry.name) ? [full] : [];
  });
}

/** app/(app)/runs/[runId]/page.tsx → /runs/does-not-exist */
function urlFor(file: string): string {
  const segments = path
    .relative(appDir, path.dirname(file))
    .split(path.sep)
    .filter((s) => s && !/^\(.*\)$/.test(s))
    .map((s) => (s.startsWith('[') ? 'does-not-exist' : s));
  return `/${segments.join('/')}`;
}

const pages = listFiles(appDir, /^page\.tsx$/).map(urlFor).filter((url) => url !== '/login');
const handlers = listFiles(appDir, /^route\.ts$/).filter((f) => !/export const publicRoute = true/.test(fs.readFileSync(f, 'utf8')));

test('every page sends anonymous visitors to the login page', async ({ page }) => {
  expect(pages.length).toBeGreaterThan(5);
  for (const url of pages) {
    await page.goto(url);
    await expect(page, `${url} must require sign-in`).toHaveURL(/\/login$/);
  }
});

test('every route handler answers anonymous requests with 401', async ({ request }) => {
  for (const file of handlers) {
    const url = urlFor(file);
    for (const method of ['GET', 'POST'] as const) {
      const response = await request.fetch(url, { method, maxRedirects: 0 });
      if (response.status() === 405) continue;
      expect(response.status(), `${method} ${url}`).toBe(401);
    }
  }
});
