/**
 * Recipes and their versions. A version is immutable once created — runs point at it — so saving
 * an edited recipe always creates the next version, and every run can be reproduced from the
 * exact config it used.
 */
import { db, Prisma } from '@/lib/db/client';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { canonicalJson } from '@/lib/llm/cache-key';
import {
  builtInRecipes,
  recipeConfigFromBuiltIn,
  recipePromptProvenance,
  recipeProvenanceSchema,
  type BuiltInRecipe,
  type RecipeProvenance,
  type StageEndpointChoice,
} from '@/lib/pipeline/prompts';
import { recipeConfigSchema, stageNames, type RecipeConfig, type StageName } from '@/lib/pipeline/prompts/recipe-config';

/** Endpoint names the built-in recipes refer to. */
export const builtInEndpointNames = {
  reversed: 'Reversed model',
  judge: 'Judge model',
  expert: 'Expert model',
} as const;

/** The simulator's endpoints, as the LLM layer registers them for the offline demo. */
export const simulatorEndpointNames = {
  reversed: 'Simulator · reversed',
  judge: 'Simulator · judge',
  expert: 'Simulator · expert',
} as const;

type EndpointRoles = Record<'reversed' | 'judge' | 'expert', string>;

const stageEndpointRole: Record<StageName, keyof EndpointRoles> = {
  induce: 'reversed',
  filterInstruction: 'judge',
  generateResponse: 'expert',
  filterResponse: 'judge',
};

/** Real endpoints get the recipe's model names (e.g. the paper's gpt-4-0613); the simulator keeps its own. */
function endpointsByStage(recipe: BuiltInRecipe, names: EndpointRoles, useDefaultModels: boolean): Record<StageName, StageEndpointChoice> {
  return Object.fromEntries(
    stageNames.map((stage) => {
      const model = useDefaultModels ? recipe.defaultModels[stage] : undefined;
      return [stage, { endpointName: names[stageEndpointRole[stage]], ...(model === undefined ? {} : { model }) }];
    }),
  ) as Record<StageName, StageEndpointChoice>;
}

export interface BuiltInDefinition {
  /** Stable key stored in Recipe.builtInKey. */
  key: string;
  name: string;
  description: string;
  recipe: BuiltInRecipe;
  simulated: boolean;
  config: RecipeConfig;
}

const SIMULATOR_NOTE = 'Wired to the built-in simulator for an offline demo: its outputs are not from a real model.';

/** Every built-in recipe, and a simulator copy of each. */
export const builtInDefinitions: BuiltInDefinition[] = builtInRecipes.flatMap((recipe) => [
  {
    key: recipe.id,
    name: recipe.name,
    description: recipe.description,
    recipe,
    simulated: false,
    config: recipeConfigFromBuiltIn(recipe, endpointsByStage(recipe, builtInEndpointNames, true)),
  },
  {
    key: `${recipe.id}:simulator`,
    name: `${recipe.name} · simulator`,
    description: `${recipe.description} ${SIMULATOR_NOTE}`,
    recipe,
    simulated: true,
    config: recipeConfigFromBuiltIn(recipe, endpointsByStage(recipe, simulatorEndpointNames, false)),
  },
]);

const simulatorRecipeNames = new Set(builtInDefinitions.filter((definition) => definition.simulated).map((definition) => definition.name));

/** The simulator copy of the paper preset, the default for an offline demo. */
export const SIMULATOR_RECIPE_NAME = `${builtInRecipes[0].name} · simulator`;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

function toJson(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

/** What a version records about its prompts; computed when the version is created. */
export function provenanceOf(config: RecipeConfig): RecipeProvenance {
  return recipePromptProvenance(config.stages);
}

/** The recorded provenance, or (for versions created before it was recorded) derived from the config. */
export function storedProvenance(stored: unknown, config: RecipeConfig): RecipeProvenance {
  const parsed = recipeProvenanceSchema.safeParse(stored);
  return parsed.success ? parsed.data : provenanceOf(config);
}

/**
 * Creates the built-in recipes when they are missing, and keeps them in step with the code: a
 * renamed definition renames its row (found by key), and changed built-in prompts become the next
 * version — unless someone saved a version of that recipe, which then stays theirs. Existing
 * versions never change, so runs keep the exact config they used. Safe to call from many
 * processes: the unique name, key and (recipe, version) make a lost race harmless.
 */
export async function ensureBuiltInRecipes(): Promise<void> {
  const rows = await db().recipe.findMany({
    where: { builtInKey: { in: builtInDefinitions.map((definition) => definition.key) } },
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  const byKey = new Map(rows.map((row) => [row.builtInKey, row]));
  for (const definition of builtInDefinitions) {
    const row = byKey.get(definition.key);
    try {
      if (!row) {
        await db().recipe.create({
          data: {
            name: definition.name,
            description: definition.description,
            builtIn: true,
            builtInKey: definition.key,
            versions: { create: { version: 1, config: toJson(definition.config), promptProvenance: toJson(provenanceOf(definition.config)) } },
          },
        });
        continue;
      }
      if (row.name !== definition.name || row.description !== definition.description) {
        await db().recipe.update({ where: { id: row.id }, data: { name: definition.name, description: definition.description } });
      }
      const latest = row.versions[0];
      if (latest && latest.createdById === null && canonicalJson(latest.config) !== canonicalJson(toJson(definition.config))) {
        await db().recipeVersion.create({
          data: { recipeId: row.id, version: latest.version + 1, config: toJson(definition.config), promptProvenance: toJson(provenanceOf(definition.config)) },
        });
      }
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
}

export interface RecipeSummary {
  id: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  latestVersion: number;
  latestVersionId: string;
  topics: string[];
  endpoints: string[];
  runCount: number;
  createdAt: Date;
}

export async function listRecipes(): Promise<RecipeSummary[]> {
  const recipes = await db().recipe.findMany({
    orderBy: [{ builtIn: 'desc' }, { name: 'asc' }],
    include: { versions: { orderBy: { version: 'desc' }, take: 1 } },
  });
  const runCounts = await db().run.groupBy({ by: ['recipeVersionId'], _count: { _all: true } });
  const versionRecipe = new Map((await db().recipeVersion.findMany({ select: { id: true, recipeId: true } })).map((version) => [version.id, version.recipeId]));
  const runsByRecipe = new Map<string, number>();
  for (const row of runCounts) {
    const recipeId = versionRecipe.get(row.recipeVersionId);
    if (recipeId) runsByRecipe.set(recipeId, (runsByRecipe.get(recipeId) ?? 0) + row._count._all);
  }
  return recipes.flatMap((recipe) => {
    const latest = recipe.versions[0];
    if (!latest) return [];
    const parsed = recipeConfigSchema.safeParse(latest.config);
    return [
      {
        id: recipe.id,
        name: recipe.name,
        description: recipe.description,
        builtIn: recipe.builtIn,
        latestVersion: latest.version,
        latestVersionId: latest.id,
        topics: parsed.success ? parsed.data.topics : [],
        endpoints: parsed.success ? [...new Set(stageNames.map((stage) => parsed.data.stages[stage].endpointName))] : [],
        runCount: runsByRecipe.get(recipe.id) ?? 0,
        createdAt: recipe.createdAt,
      },
    ];
  });
}

export interface RecipeVersionView {
  id: string;
  version: number;
  createdAt: Date;
  createdById: string | null;
  runCount: number;
  config: RecipeConfig;
  provenance: RecipeProvenance;
}

export interface RecipeDetail {
  id: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  versions: RecipeVersionView[];
}

export async function getRecipe(recipeId: string): Promise<RecipeDetail | null> {
  const recipe = await db().recipe.findUnique({
    where: { id: recipeId },
    include: { versions: { orderBy: { version: 'desc' }, include: { _count: { select: { runs: true } } } } },
  });
  if (!recipe) return null;
  return {
    id: recipe.id,
    name: recipe.name,
    description: recipe.description,
    builtIn: recipe.builtIn,
    versions: recipe.versions.map((version) => {
      const config = recipeConfigSchema.parse(version.config);
      return {
        id: version.id,
        version: version.version,
        createdAt: version.createdAt,
        createdById: version.createdById,
        runCount: version._count.runs,
        config,
        provenance: storedProvenance(version.promptProvenance, config),
      };
    }),
  };
}

/** One version with its recipe's name, or null. */
export async function getRecipeVersion(versionId: string): Promise<{ id: string; version: number; recipeId: string; recipeName: string; config: RecipeConfig } | null> {
  const version = await db().recipeVersion.findUnique({ where: { id: versionId }, include: { recipe: { select: { name: true } } } });
  if (!version) return null;
  return { id: version.id, version: version.version, recipeId: version.recipeId, recipeName: version.recipe.name, config: recipeConfigSchema.parse(version.config) };
}

export interface RecipeVersionOption {
  id: string;
  recipeId: string;
  recipeName: string;
  version: number;
  latest: boolean;
  simulatedHint: boolean;
  /** The paper preset (real or simulator copy): preselected in the "new run" form. */
  isDefault: boolean;
}

/** Every recipe version, newest first per recipe, for the "new run" form. */
export async function listRecipeVersionOptions(): Promise<RecipeVersionOption[]> {
  const versions = await db().recipeVersion.findMany({
    include: { recipe: { select: { name: true } } },
    orderBy: [{ recipe: { name: 'asc' } }, { version: 'desc' }],
  });
  const latest = new Map<string, number>();
  for (const version of versions) latest.set(version.recipeId, Math.max(latest.get(version.recipeId) ?? 0, version.version));
  return versions.map((version) => ({
    id: version.id,
    recipeId: version.recipeId,
    recipeName: version.recipe.name,
    version: version.version,
    latest: latest.get(version.recipeId) === version.version,
    simulatedHint: simulatorRecipeNames.has(version.recipe.name),
    isDefault: version.recipe.name === SIMULATOR_RECIPE_NAME || version.recipe.name === builtInRecipes[0].name,
  }));
}

function parseConfig(config: unknown): RecipeConfig {
  const parsed = recipeConfigSchema.safeParse(config);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new UserFacingError(`The recipe is not valid: ${first ? `${first.path.join('.')}: ${first.message}` : 'unknown problem'}`);
  }
  return parsed.data;
}

export async function createRecipe(input: { name: string; description?: string; config: unknown }, actor: AuditActor): Promise<{ recipeId: string; versionId: string }> {
  const config = parseConfig(input.config);
  try {
    return await db().$transaction(async (tx) => {
      const recipe = await tx.recipe.create({
        data: { name: input.name, description: input.description ?? null, versions: { create: { version: 1, config: toJson(config), promptProvenance: toJson(provenanceOf(config)), createdById: actor?.id ?? null } } },
        include: { versions: true },
      });
      await recordAudit({ actor, action: 'recipe.create', targetType: 'Recipe', targetId: recipe.id, after: { name: recipe.name, version: 1 } }, tx);
      return { recipeId: recipe.id, versionId: recipe.versions[0].id };
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new UserFacingError(`A recipe named "${input.name}" already exists; choose another name.`);
    throw error;
  }
}

/**
 * Saves an edited config as the recipe's next version. An unchanged config creates nothing and
 * returns the latest version. Two editors saving at once both get a version (the loser retries).
 */
export async function saveRecipeVersion(input: { recipeId: string; config: unknown }, actor: AuditActor): Promise<{ versionId: string; version: number; created: boolean }> {
  const config = parseConfig(input.config);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await db().$transaction(async (tx) => {
        const latest = await tx.recipeVersion.findFirst({ where: { recipeId: input.recipeId }, orderBy: { version: 'desc' } });
        if (!latest) throw new UserFacingError('This recipe no longer exists.');
        if (canonicalJson(recipeConfigSchema.parse(latest.config)) === canonicalJson(config)) {
          return { versionId: latest.id, version: latest.version, created: false };
        }
        const created = await tx.recipeVersion.create({
          data: { recipeId: input.recipeId, version: latest.version + 1, config: toJson(config), promptProvenance: toJson(provenanceOf(config)), createdById: actor?.id ?? null },
        });
        await recordAudit(
          { actor, action: 'recipe.version.create', targetType: 'Recipe', targetId: input.recipeId, before: { version: latest.version }, after: { version: created.version } },
          tx,
        );
        return { versionId: created.id, version: created.version, created: true };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
  }
  throw new UserFacingError('Someone else saved this recipe at the same moment; reload and try again.');
}

export interface EndpointOption {
  name: string;
  model: string;
  mode: 'chat' | 'completion';
  simulated: boolean;
}

/** Endpoints a recipe stage can name (never with keys). */
export async function listEndpointOptions(): Promise<EndpointOption[]> {
  const rows = await db().providerEndpoint.findMany({ orderBy: { name: 'asc' }, select: { name: true, model: true, mode: true, simulated: true } });
  return rows.map((row) => ({ name: row.name, model: row.model, mode: row.mode === 'COMPLETION' ? 'completion' : 'chat', simulated: row.simulated }));
}
