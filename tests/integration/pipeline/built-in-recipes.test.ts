import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { db } from '@/lib/db/client';
import { loadProvenance } from '@/lib/exporters/provenance';
import { canonicalJson } from '@/lib/llm/cache-key';
import { builtInDefinitions, ensureBuiltInRecipes, getRecipe } from '@/lib/pipeline/recipes';
import { useOwnDatabase } from '../own-database';

// It plays a database made before the rename: built-in recipes are global (one set per database) and
// other test files create them in any order, so this file gets a database of its own.
const MIGRATION = path.join(process.cwd(), 'prisma/migrations/20261205175713_builtin_recipe_key_prompt_provenance/migration.sql');

/** The data part of the migration (after its DDL), statement by statement. */
async function migrationDataStatements(): Promise<string[]> {
  const sql = await readFile(MIGRATION, 'utf8');
  const data = sql.slice(sql.indexOf('UPDATE'));
  return data
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.startsWith('UPDATE'));
}

describe('built-in recipes on a database that holds the old "Safer-Instruct (safety)" recipe', () => {
  let ownDatabase: Awaited<ReturnType<typeof useOwnDatabase>>;
  beforeAll(async () => {
    ownDatabase = await useOwnDatabase('builtin_recipes');
  });
  afterAll(async () => {
    await ownDatabase?.drop();
  });

  it('renames it through the migration, adds the current prompts as the next version, keeps old versions and runs, and adds the paper preset', async () => {
    const helpful = builtInDefinitions.find((definition) => definition.key === 'safer-instruct-safety');
    if (!helpful) throw new Error('helpful-refusals definition missing');
    // What an older app version stored: same shape, older prompt text, no key.
    const oldConfig = structuredClone(helpful.config);
    oldConfig.stages.filterInstruction.template = oldConfig.stages.filterInstruction.template.replace(/<\/?(source_text|instruction)>\n?/g, '');
    const legacy = await db().recipe.create({
      data: { name: 'Safer-Instruct (safety)', builtIn: true, versions: { create: { version: 1, config: JSON.parse(JSON.stringify(oldConfig)) } } },
      include: { versions: true },
    });
    const legacySimulator = await db().recipe.create({
      data: { name: 'Safer-Instruct (safety) · simulator', builtIn: true, versions: { create: { version: 1, config: JSON.parse(JSON.stringify(oldConfig)) } } },
    });
    const run = await db().run.create({ data: { name: 'run on the old built-in', recipeVersionId: legacy.versions[0].id, selection: {} } });

    for (const statement of await migrationDataStatements()) await db().$executeRawUnsafe(statement);
    // Several processes start at once.
    await Promise.all([ensureBuiltInRecipes(), ensureBuiltInRecipes(), ensureBuiltInRecipes()]);

    const builtIns = await db().recipe.findMany({ where: { builtIn: true }, orderBy: { name: 'asc' } });
    expect(builtIns.map((recipe) => [recipe.builtInKey, recipe.name])).toEqual([
      ['safer-instruct-safety', 'Safer-Instruct (helpful refusals)'],
      ['safer-instruct-safety:simulator', 'Safer-Instruct (helpful refusals) · simulator'],
      ['safer-instruct-paper', 'Safer-Instruct (paper)'],
      ['safer-instruct-paper:simulator', 'Safer-Instruct (paper) · simulator'],
    ]);
    expect(builtIns.find((recipe) => recipe.builtInKey === 'safer-instruct-safety')?.id).toBe(legacy.id);
    expect(builtIns.find((recipe) => recipe.builtInKey === 'safer-instruct-safety:simulator')?.id).toBe(legacySimulator.id);

    const renamed = await getRecipe(legacy.id);
    expect(renamed?.versions.map((version) => version.version)).toEqual([2, 1]);
    const [current, original] = renamed?.versions ?? [];
    expect(canonicalJson(original.config)).toBe(canonicalJson(oldConfig));
    expect(canonicalJson(current.config)).toBe(canonicalJson(helpful.config));
    // v1 predates recorded provenance: derived, and its edited filter prompt is nobody's preset.
    expect(original.provenance.filterInstruction.provenance).toBe('user');
    expect(current.provenance.filterInstruction.provenance).toBe('studio');
    expect(current.provenance.induce.provenance).toBe('authors');
    const stored = await db().recipeVersion.findUnique({ where: { id: current.id }, select: { promptProvenance: true } });
    expect(stored?.promptProvenance).toMatchObject({ induce: { provenance: 'authors' }, filterInstruction: { provenance: 'studio' } });

    expect((await db().run.findUnique({ where: { id: run.id } }))?.recipeVersionId).toBe(legacy.versions[0].id);
    // The manifest and card of an export from that run say where each prompt came from.
    const exported = await loadProvenance([run.id], []);
    expect(exported.recipeVersions[0].promptProvenance).toMatchObject({ induce: { provenance: 'authors' }, filterInstruction: { provenance: 'user' } });
    expect(Object.fromEntries(exported.recipe.prompts.map((prompt) => [prompt.name, prompt.provenance]))).toEqual({
      induce: "authors' verbatim text",
      filterInstruction: 'user-written',
      generateResponse: 'written for this app (not from the paper)',
      filterResponse: 'written for this app (not from the paper)',
    });

    const paper = builtIns.find((recipe) => recipe.builtInKey === 'safer-instruct-paper');
    const paperVersions = await db().recipeVersion.findMany({ where: { recipeId: paper?.id }, select: { version: true, promptProvenance: true } });
    expect(paperVersions).toEqual([
      {
        version: 1,
        promptProvenance: expect.objectContaining({ induce: expect.objectContaining({ provenance: 'authors' }), filterInstruction: expect.objectContaining({ provenance: 'reconstruction' }) }),
      },
    ]);

    // Idempotent; and a version someone saved on a built-in stays the latest.
    await ensureBuiltInRecipes();
    expect(await db().recipeVersion.count({ where: { recipeId: legacy.id } })).toBe(2);
    const edited = structuredClone(helpful.config);
    edited.stages.generateResponse.template = 'Answer kindly: {{instruction}}';
    await db().recipeVersion.create({ data: { recipeId: legacy.id, version: 3, config: JSON.parse(JSON.stringify(edited)), createdById: 'someone' } });
    await ensureBuiltInRecipes();
    expect(await db().recipeVersion.count({ where: { recipeId: legacy.id } })).toBe(3);
  });
});
