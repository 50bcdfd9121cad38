// Browser-side sign-in/out against next-auth's endpoints, done by hand so that the
// rate limiter's 429 reaches the form as a message.
export type SignInOutcome = { ok: true } | { ok: false; message: string };

async function csrfToken(): Promise<string> {
  const response = await fetch('/api/auth/csrf', { cache: 'no-store' });
  const body = (await response.json()) as { csrfToken: string };
  return body.csrfToken;
}

export async function signInWithPassword(email: string, password: string): Promise<SignInOutcome> {
  const body = new URLSearchParams({ email, password, csrfToken: await csrfToken(), json: 'true', callbackUrl: '/' });
  const response = await fetch('/api/auth/callback/credentials', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Auth-Return-Redirect': '1' },
    body,
  });
  if (response.status === 429) {
    const data = (await response.json()) as { error: string };
    return { ok: false, message: data.error };
  }
  const data = (await response.json().catch(() => ({}))) as { url?: string };
  const failed = !response.ok || !data.url || new URL(data.url, window.location.origin).searchParams.has('error');
  return failed ? { ok: false, message: 'Wrong email or password, or the account is deactivated.' } : { ok: true };
}

export async function signOutNow(): Promise<void> {
  const body = new URLSearchParams({ csrfToken: await csrfToken(), json: 'true' });
  await fetch('/api/auth/signout', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
}
