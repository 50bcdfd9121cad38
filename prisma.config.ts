import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The URL is only read by Prisma's own CLI on machines that can run it; the app and
// the offline migration scripts take DATABASE_URL from the environment themselves.
export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/unused' },
});
