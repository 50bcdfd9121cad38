import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '@/lib/db/generated/client';
import { poolSize } from '@/lib/db/pools';

export type { PrismaClient } from '@/lib/db/generated/client';
export { Prisma } from '@/lib/db/generated/client';

const globalForPrisma = globalThis as unknown as { studioPrisma?: PrismaClient };

function createPrismaClient(): PrismaClient {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error('DATABASE_URL is not set. Start the app with `npm start`, which provides the embedded Postgres.');
  }
  return new PrismaClient({ adapter: new PrismaPg({ connectionString, max: poolSize('prisma') }) });
}

/** One client per process (module reloads in dev and test reuse it). */
export function db(): PrismaClient {
  globalForPrisma.studioPrisma ??= createPrismaClient();
  return globalForPrisma.studioPrisma;
}

export async function disconnectDb(): Promise<void> {
  await globalForPrisma.studioPrisma?.$disconnect();
  globalForPrisma.studioPrisma = undefined;
}
