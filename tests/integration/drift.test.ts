import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, inject } from 'vitest';
import { openSchemaEngine, SCHEMA_PATH, MIGRATIONS_DIR } from '@/lib/db/schema-engine';

describe('schema drift check', () => {
  it('schema.prisma and prisma/migrations agree', async () => {
    const engine = await openSchemaEngine(inject('databaseUrl'));
    try {
      const diff = await engine.diffMigrationsToSchema();
      expect(diff.sql, 'run `npm run db:migrate -- --name <change>` to create the missing migration').not.toMatch(/CREATE|ALTER|DROP/);
      expect(diff.hasChanges).toBe(false);
    } finally {
      engine.close();
    }
  });

  it('detects a schema change that has no migration (the check can fail)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'drift-'));
    const schema = (await fs.readFile(SCHEMA_PATH, 'utf8')).replace('model User {', 'model User {\n  driftProbe String?');
    const schemaPath = path.join(dir, 'schema.prisma');
    await fs.writeFile(schemaPath, schema);
    const engine = await openSchemaEngine(inject('databaseUrl'), schemaPath, MIGRATIONS_DIR);
    try {
      const diff = await engine.diffMigrationsToSchema();
      expect(diff.hasChanges).toBe(true);
      expect(diff.sql).toContain('driftProbe');
    } finally {
      engine.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
