import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/options';
import { checkLoginRateLimit, clientIp } from '@/lib/auth/login';

// Public by design: this is the sign-in endpoint itself.
export const publicRoute = true;

const nextAuthHandler = NextAuth(authOptions);

type RouteContext = { params: Promise<{ nextauth: string[] }> };

export function GET(request: Request, context: RouteContext) {
  return nextAuthHandler(request, context);
}

/** Sign-in attempts are refused with 429 before the password is even checked when rate-limited. */
export async function POST(request: Request, context: RouteContext) {
  const { nextauth } = await context.params;
  if (nextauth.join('/') === 'callback/credentials') {
    const form = await request.clone().formData();
    const email = String(form.get('email') ?? '');
    const block = await checkLoginRateLimit(email, clientIp(request.headers));
    if (block.blocked) {
      const minutes = Math.ceil(block.retryAfterSeconds / 60);
      return Response.json(
        { error: `${block.reason} Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` },
        { status: 429, headers: { 'Retry-After': String(block.retryAfterSeconds) } },
      );
    }
  }
  return nextAuthHandler(request, context);
}
