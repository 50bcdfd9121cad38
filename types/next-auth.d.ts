import 'next-auth';
import 'next-auth/jwt';
import type { RoleName } from '@/lib/auth/permissions';

// The JWT carries only the id of a UserSession row; who the user is, and whether the session
// still counts, is read from the database on every request (lib/auth/session.ts).
declare module 'next-auth' {
  interface User {
    role: RoleName;
    sessionId: string;
  }
  interface Session {
    sessionId: string;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    sessionId: string;
  }
}
