import NextAuth from 'next-auth';
import { authOptions } from '@/lib/auth/options';
import { clientAddress } from '@/lib/auth/client-address';
import { blockMessage } from '@/lib/auth/login';
import { runInSignInContext } from '@/lib/auth/sign-in-context';

// Public by design: this is the sign-in endpoint itself.
export const publicRoute = true;

const nextAuthHandler = NextAuth(authOptions);

type RouteContext = { params: Promise<{ nextauth: string[] }> };

/**
 * Every next-auth call runs in a sign-in context carrying the client address. The limits are
 * enforced inside `authorize`; this only turns its verdict into a 429 with Retry-After (the
 * next-auth response it replaces carries no session, since `authorize` refused).
 */
async function handle(request: Request, context: RouteContext): Promise<Response> {
  return runInSignInContext(clientAddress(request.headers), async (signIn) => {
    const response: Response = await nextAuthHandler(request, context);
    if (!signIn.block) return response;
    return Response.json({ error: blockMessage(signIn.block) }, { status: 429, headers: { 'Retry-After': String(signIn.block.retryAfterSeconds) } });
  });
}

export function GET(request: Request, context: RouteContext) {
  return handle(request, context);
}

export function POST(request: Request, context: RouteContext) {
  return handle(request, context);
}
