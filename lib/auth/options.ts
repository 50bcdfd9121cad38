import type { NextAuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import { z } from 'zod';
import { authenticate } from '@/lib/auth/login';
import { currentSignInContext } from '@/lib/auth/sign-in-context';
import { endSession, SESSION_MAX_AGE_SECONDS } from '@/lib/auth/sessions';

const credentialsSchema = z.object({ email: z.string().min(1).max(320), password: z.string().min(1).max(1024) });

export const authOptions: NextAuthOptions = {
  secret: process.env.NEXTAUTH_SECRET,
  session: { strategy: 'jwt', maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: '/login', error: '/login' },
  providers: [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      // The sign-in limits live here, where the password is verified, on exactly the credentials
      // next-auth passes (whatever path, body encoding or repeated field the request used).
      async authorize(credentials) {
        const context = currentSignInContext();
        if (!context) return null;
        const parsed = credentialsSchema.safeParse(credentials);
        if (!parsed.success) return null;
        const result = await authenticate(parsed.data.email, parsed.data.password, context.clientAddress);
        if (result.outcome === 'blocked') context.block = result.block;
        if (result.outcome !== 'ok') return null;
        const { user } = result;
        return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: user.sessionId };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user) token.sessionId = user.sessionId;
      return token;
    },
    session({ session, token }) {
      session.sessionId = token.sessionId;
      return session;
    },
  },
  events: {
    // A copied cookie must stop working once its owner signs out: the session row goes.
    async signOut({ token }) {
      if (token?.sessionId) await endSession(token.sessionId);
    },
  },
};
