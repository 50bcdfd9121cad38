// npm run db:migrate [-- --name add_corpora]  → create a migration from schema changes, apply it
// npm run db:deploy                          → apply pending migrations only
// tsx scripts/db-migrate.ts --check           → exit 1 when schema.prisma and migrations disagree
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '@/lib/db/runtime';
import { migrateOnStart } from '@/lib/db/migrate';
import { MIGRATIONS_DIR, openSchemaEngine } from '@/lib/db/schema-engine';

const { values } = parseArgs({ options: { name: { type: 'string', default: 'change' }, deploy: { type: 'boolean' }, check: { type: 'boolean' } } });

function migrationTimestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

const db = await openDatabase();
let exitCode = 0;
try {
  const applied = await migrateOnStart(db.url);
  for (const name of applied) console.log(`applied ${name}`);
  if (!values.deploy) {
    const engine = await openSchemaEngine(db.url);
    const diff = await engine.diffMigrationsToSchema().finally(() => engine.close());
    if (!diff.hasChanges) {
      console.log('schema.prisma and prisma/migrations agree; nothing to create.');
    } else if (values.check) {
      console.error('Drift: schema.prisma differs from prisma/migrations. Run `npm run db:migrate -- --name <what>`.\n' + diff.sql);
      exitCode = 1;
    } else {
      const slug = values.name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'change';
      const dir = path.join(MIGRATIONS_DIR, `${migrationTimestamp()}_${slug}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, 'migration.sql'), diff.sql);
      console.log(`created ${path.relative(process.cwd(), dir)}/migration.sql`);
      for (const name of await migrateOnStart(db.url)) console.log(`applied ${name}`);
    }
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await db.stop();
}
process.exit(exitCode);
