// Drives Prisma's schema engine compiled to wasm over @prisma/adapter-pg, so that
// migrations can be diffed and applied without the native engine download (OFFLINE.md).
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type {
  ApplyMigrationsOutput,
  DiagnoseMigrationHistoryOutput,
  MigrationList,
  SchemaEngine as WasmSchemaEngine,
} from '@prisma/schema-engine-wasm';

export const PRISMA_DIR = path.resolve(process.cwd(), 'prisma');
export const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
const LOCKFILE = 'migration_lock.toml';
const NO_FILTERS = { externalTables: [], externalEnums: [] };

type PgConnectionParts = { host: string; port: number; user: string; password: string; database: string };

export function parseDatabaseUrl(url: string): PgConnectionParts {
  const parsed = new URL(url);
  return {
    host: decodeURIComponent(parsed.hostname) || 'localhost',
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

type PerformIO = (query: object) => Promise<{ fields: { dataTypeID: number }[] }>;
type QueryRaw = (query: object) => Promise<{ columnTypes: number[] }>;
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
const CHARACTER_COLUMN_TYPE = 6; // ColumnTypeEnum.Character in @prisma/driver-adapter-utils

// adapter-pg cannot decode Postgres' internal "char" type (OID 18) that the schema
// describer reads from pg_catalog (and the describer insists on a Character column):
// decode it as text, then report those columns as Character.
function withCharColumns<T extends SqlDriverAdapter>(adapter: T): T {
  const target = adapter as unknown as { performIO: PerformIO; queryRaw: QueryRaw };
  const charColumnsByQuery = new WeakMap<object, number[]>();
  const performIO = target.performIO.bind(adapter);
  const queryRaw = target.queryRaw.bind(adapter);
  target.performIO = async (query) => {
    const result = await performIO(query);
    const charColumns: number[] = [];
    result.fields.forEach((field, index) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        charColumns.push(index);
      }
    });
    if (charColumns.length > 0) charColumnsByQuery.set(query, charColumns);
    return result;
  };
  target.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const index of charColumnsByQuery.get(query) ?? []) result.columnTypes[index] = CHARACTER_COLUMN_TYPE;
    return result;
  };
  return adapter;
}

// adapter-pg's own shadow database is unsafe with a connection string (the URL wins, so the
// "shadow" is the real database) and leaks databases; this factory creates and drops its own.
function migrationAdapterFactory(databaseUrl: string): SqlMigrationAwareDriverAdapterFactory {
  const parts = parseDatabaseUrl(databaseUrl);
  const main = new PrismaPg({ ...parts, max: 2 });
  return {
    provider: 'postgres',
    adapterName: main.adapterName,
    connect: async () => withCharColumns(await main.connect()),
    connectToShadowDb: async () => {
      const shadowName = `prisma_shadow_${crypto.randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client(parts);
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${shadowName}"`);
      } finally {
        await admin.end();
      }
      const shadow = withCharColumns(await new PrismaPg({ ...parts, database: shadowName, max: 2 }).connect());
      const dispose = shadow.dispose.bind(shadow);
      shadow.dispose = async () => {
        await dispose();
        const dropper = new pg.Client(parts);
        await dropper.connect();
        try {
          await dropper.query(`DROP DATABASE IF EXISTS "${shadowName}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      };
      return shadow;
    },
  };
}

type WasmModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg') & { SchemaEngine: typeof WasmSchemaEngine };
let wasmModulePromise: Promise<WasmModule> | null = null;

async function loadWasmModule(): Promise<WasmModule> {
  wasmModulePromise ??= (async () => {
    const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    const registry = { message: '', set_message(m: string) { registry.message = m; }, get() { return registry.message; } };
    globals.PRISMA_WASM_PANIC_REGISTRY ??= registry;
    const bg = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as WasmModule;
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bytes = await fs.readFile(path.join(dir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bg as unknown as WebAssembly.ModuleImports });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start(): void };
    bg.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return bg;
  })();
  return wasmModulePromise;
}

export async function readMigrationList(migrationsDir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await fs.readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockContent = await fs.readFile(path.join(migrationsDir, LOCKFILE), 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: LOCKFILE, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (dir) => ({
        path: dir,
        migrationFile: {
          path: 'migration.sql',
          content: await fs
            .readFile(path.join(migrationsDir, dir, 'migration.sql'), 'utf8')
            .then((value) => ({ tag: 'ok' as const, value }))
            .catch((error: Error) => ({ tag: 'error' as const, value: error.message })),
        },
      })),
    ),
  };
}

export type SchemaEngineSession = {
  applyMigrations(): Promise<ApplyMigrationsOutput>;
  diagnose(): Promise<DiagnoseMigrationHistoryOutput>;
  /** SQL that turns the migrations' schema into schema.prisma; empty when they agree. */
  diffMigrationsToSchema(): Promise<{ hasChanges: boolean; sql: string }>;
  reset(): Promise<void>;
  close(): void;
};

export async function openSchemaEngine(databaseUrl: string, schemaPath = SCHEMA_PATH, migrationsDir = MIGRATIONS_DIR): Promise<SchemaEngineSession> {
  const wasm = await loadWasmModule();
  const schemaText = await fs.readFile(schemaPath, 'utf8');
  const logs: string[] = [];
  const factory = bindMigrationAwareSqlAdapterFactory(migrationAdapterFactory(databaseUrl));
  const engine = await wasm.SchemaEngine.new({ datamodels: [[schemaPath, schemaText]] }, (log: string) => logs.push(log), factory);
  return {
    applyMigrations: async () => engine.applyMigrations({ migrationsList: await readMigrationList(migrationsDir), filters: NO_FILTERS }),
    diagnose: async () =>
      engine.diagnoseMigrationHistory({ migrationsList: await readMigrationList(migrationsDir), optInToShadowDatabase: false, filters: NO_FILTERS }),
    diffMigrationsToSchema: async () => {
      const result = await engine.diff({
        from: { tag: 'migrations', ...(await readMigrationList(migrationsDir)) },
        to: { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: schemaText }] },
        script: true,
        exitCode: true,
        filters: NO_FILTERS,
      });
      return { hasChanges: result.exitCode === 2, sql: result.stdout ?? '' };
    },
    reset: async () => engine.reset({ filter: NO_FILTERS }),
    close: () => engine.free(),
  };
}
