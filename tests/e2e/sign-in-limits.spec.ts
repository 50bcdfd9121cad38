import crypto from 'node:crypto';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import { baseURL, e2eAdmin } from '../../playwright.config';
import { createUserViaAdmin, signIn, uniqueEmail } from './helpers';

// Each known way past the old limiter, tried against the real server. Requests go out from their
// own loopback address (127.x.y.z), so the server sees a distinct socket address per test and the
// per-address limit of the browser's 127.0.0.1 — shared by every other spec — stays untouched.

type RawResponse = { status: number; body: string; setCookies: string[] };

function randomLoopback(): string {
  return `127.${crypto.randomInt(1, 255)}.${crypto.randomInt(1, 255)}.${crypto.randomInt(2, 255)}`;
}

function raw(localAddress: string, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, baseURL), { method, headers, localAddress, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text, setCookies: response.headers['set-cookie'] ?? [] }));
    });
    request.on('error', reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

/** A client with its own address and a CSRF token, posting sign-ins like an attacker's script. */
async function attacker(localAddress = randomLoopback()) {
  const csrf = await raw(localAddress, 'GET', '/api/auth/csrf');
  const csrfToken = (JSON.parse(csrf.body) as { csrfToken: string }).csrfToken;
  const cookie = csrf.setCookies.map((c) => c.split(';')[0]).join('; ');
  const post = (path: string, body: string, contentType = 'application/x-www-form-urlencoded', extra: Record<string, string> = {}) =>
    raw(localAddress, 'POST', path, { 'Content-Type': contentType, Cookie: cookie, ...extra }, body);
  const form = (fields: [string, string][]) => new URLSearchParams([...fields, ['csrfToken', csrfToken], ['json', 'true']]).toString();
  return {
    csrfToken,
    post,
    signIn: (email: string, password: string, path = '/api/auth/callback/credentials', extra: Record<string, string> = {}) =>
      post(path, form([['email', email], ['password', password]]), 'application/x-www-form-urlencoded', extra),
    form,
  };
}

const hasSession = (response: RawResponse) => response.setCookies.some((c) => /session-token=[^;]/.test(c));

async function lockAccount(email: string) {
  const client = await attacker();
  for (let i = 0; i < 5; i++) expect((await client.signIn(email, `wrong-${i}`)).status).toBe(401);
  expect((await client.signIn(email, 'one more')).status).toBe(429);
}

const users = Array.from({ length: 5 }, (_, i) => ({ email: uniqueEmail(`limits-${i}`), password: `limits-password-${i}`, role: 'RESEARCHER' as const }));

test.beforeAll(async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, e2eAdmin.email, e2eAdmin.password);
  for (const user of users) await createUserViaAdmin(page, user);
  await page.context().close();
});

test('the right password works from a raw client (the tests below can succeed)', async () => {
  const client = await attacker();
  const response = await client.signIn(users[0].email, users[0].password);
  expect(response.status).toBe(200);
  expect(hasSession(response)).toBe(true);
});

test('an extra path segment does not get past a locked account', async () => {
  const victim = users[1];
  await lockAccount(victim.email);
  const client = await attacker();
  for (const path of ['/api/auth/callback/credentials/x', '/api/auth/callback/credentials/x/y']) {
    const wrong = await client.signIn(victim.email, 'still guessing', path);
    expect(wrong.status).toBe(429);
    const right = await client.signIn(victim.email, victim.password, path);
    expect(right.status).toBe(429);
    expect(hasSession(right)).toBe(false);
  }
});

test('a repeated email field and a JSON body under a form content type do not get past a locked account', async () => {
  const victim = users[2];
  await lockAccount(victim.email);
  const client = await attacker();
  // The old limiter read the first email, next-auth the last.
  const repeated = await client.post(
    '/api/auth/callback/credentials',
    client.form([
      ['email', uniqueEmail('decoy')],
      ['email', victim.email],
      ['password', victim.password],
    ]),
  );
  expect(repeated.status).toBe(429);
  expect(hasSession(repeated)).toBe(false);
  // The old limiter parsed this as a form (and found no email); next-auth reads it as JSON.
  const json = await client.post(
    '/api/auth/callback/credentials',
    JSON.stringify({ email: victim.email, password: victim.password, csrfToken: client.csrfToken, json: 'true' }),
    'application/x-www-form-urlencoded; x=application/json',
  );
  expect(json.status).toBe(429);
  expect(hasSession(json)).toBe(false);
});

test('a fresh X-Forwarded-For per request does not reset the per-address limit', async () => {
  const client = await attacker();
  for (let i = 0; i < 20; i++) {
    const response = await client.signIn(uniqueEmail('spray'), 'x', '/api/auth/callback/credentials', { 'X-Forwarded-For': `198.51.100.${i}` });
    expect(response.status).toBe(401);
  }
  const victim = users[3];
  const right = await client.signIn(victim.email, victim.password, '/api/auth/callback/credentials', { 'X-Forwarded-For': '203.0.113.77' });
  expect(right.status).toBe(429);
  expect(JSON.parse(right.body)).toMatchObject({ error: expect.stringMatching(/network address/) });
  expect(hasSession(right)).toBe(false);
  // The victim's account itself is not locked: from another address the password works.
  expect((await (await attacker()).signIn(victim.email, victim.password)).status).toBe(200);
});

test('50 parallel guesses check at most the limit of passwords', async () => {
  const victim = users[4];
  const clients = await Promise.all(Array.from({ length: 5 }, () => attacker()));
  const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => clients[i % clients.length].signIn(victim.email, `parallel-${i}`)));
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 401)).toHaveLength(5);
  expect(statuses.filter((s) => s === 429)).toHaveLength(45);
  const right = await clients[0].signIn(victim.email, victim.password);
  expect(right.status).toBe(429);
  expect(hasSession(right)).toBe(false);
});
