import 'next-auth';
import 'next-auth/jwt';
import type { RoleName } from '@/lib/auth/permissions';

declare module 'next-auth' {
  interface User {
    role: RoleName;
    sessionVersion: number;
  }
  interface Session {
    userId: string;
    sessionVersion: number;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    userId: string;
    sessionVersion: number;
  }
}
