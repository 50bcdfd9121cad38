import { openSchemaEngine } from '@/lib/db/schema-engine';

export class MigrationStateError extends Error {}

/**
 * Applies pending migrations, but refuses (instead of half-starting) when the database has a
 * failed migration, holds migrations this code does not know, or a migration file was edited.
 */
export async function migrateOnStart(databaseUrl: string): Promise<string[]> {
  const engine = await openSchemaEngine(databaseUrl);
  try {
    const diagnosis = await engine.diagnose();
    if (diagnosis.failedMigrationNames.length > 0) {
      throw new MigrationStateError(
        `The database has failed migration(s): ${diagnosis.failedMigrationNames.join(', ')}. ` +
          'Fix the database by hand (see the _prisma_migrations table), then start again.',
      );
    }
    const history = diagnosis.history;
    if (history?.diagnostic === 'migrationsDirectoryIsBehind' || history?.diagnostic === 'historiesDiverge') {
      throw new MigrationStateError(
        `The database is ahead of this code: it has migration(s) ${history.unpersistedMigrationNames.join(', ')} ` +
          'that prisma/migrations does not contain. Run the newer version of the app, or point DATABASE_URL at another database.',
      );
    }
    if (diagnosis.editedMigrationNames.length > 0) {
      throw new MigrationStateError(
        `Migration(s) ${diagnosis.editedMigrationNames.join(', ')} were edited after they were applied. Restore the original files.`,
      );
    }
    const { appliedMigrationNames } = await engine.applyMigrations();
    return appliedMigrationNames;
  } finally {
    engine.close();
  }
}
