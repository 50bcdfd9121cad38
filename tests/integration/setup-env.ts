import { inject } from 'vitest';

process.env.DATABASE_URL = inject('databaseUrl');
process.env.NEXTAUTH_SECRET ??= 'integration-test-secret';
process.env.ENCRYPTION_KEY ??= Buffer.alloc(32, 7).toString('base64');
