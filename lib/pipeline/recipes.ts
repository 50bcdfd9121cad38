/**
 * Recipes and their versions. A version is immutable once created — runs point at it — so saving
 * an edited recipe always creates the next version, and every run can be reproduced from the
 * exact config it used.
 */
import { db, Prisma } from '@/lib/db/client';
import { recordAudit, type AuditActor } from '@/lib/audit-log/record';
import { UserFacingError } from '@/lib/errors';
import { canonicalJson } from '@/lib/llm/cache-key';
import { recipeConfigFromBuiltIn, saferInstructSafetyRecipe, type BuiltInRecipe, type StageEndpointChoice } from '@/lib/pipeline/prompts';
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

function endpointsByStage(names: EndpointRoles): Record<StageName, StageEndpointChoice> {
  return {
    induce: { endpointName: names.reversed },
    filterInstruction: { endpointName: names.judge },
    generateResponse: { endpointName: names.expert },
    filterResponse: { endpointName: names.judge },
  };
}

interface BuiltInDefinition {
  name: string;
  description: string;
  recipe: BuiltInRecipe;
  endpoints: EndpointRoles;
}

export const builtInDefinitions: BuiltInDefinition[] = [
  {
    name: saferInstructSafetyRecipe.name,
    description: saferInstructSafetyRecipe.description,
    recipe: saferInstructSafetyRecipe,
    endpoints: builtInEndpointNames,
  },
  {
    name: `${saferInstructSafetyRecipe.name} · simulator`,
    description: `${saferInstructSafetyRecipe.description} Wired to the built-in simulator for an offline demo: its outputs are not from a real model.`,
    recipe: saferInstructSafetyRecipe,
    endpoints: simulatorEndpointNames,
  },
];

export const SIMULATOR_RECIPE_NAME = builtInDefinitions[1].name;

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

function toJson(config: RecipeConfig): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(config)) as Prisma.InputJsonValue;
}

/** Creates the built-in recipes (version 1) when they are missing; safe to call from many processes. */
export async function ensureBuiltInRecipes(): Promise<void> {
  const existing = new Set((await db().recipe.findMany({ where: { builtIn: true }, select: { name: true } })).map((recipe) => recipe.name));
  for (const definition of builtInDefinitions) {
    if (existing.has(definition.name)) continue;
    const config = recipeConfigFromBuiltIn(definition.recipe, endpointsByStage(definition.endpoints));
    try {
      await db().recipe.create({
        data: { name: definition.name, description: definition.description, builtIn: true, versions: { create: { version: 1, config: toJson(config) } } },
      });
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
    versions: recipe.versions.map((version) => ({
      id: version.id,
      version: version.version,
      createdAt: version.createdAt,
      createdById: version.createdById,
      runCount: version._count.runs,
      config: recipeConfigSchema.parse(version.config),
    })),
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
    simulatedHint: version.recipe.name === SIMULATOR_RECIPE_NAME,
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
        data: { name: input.name, description: input.description ?? null, versions: { create: { version: 1, config: toJson(config), createdById: actor?.id ?? null } } },
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
          data: { recipeId: input.recipeId, version: latest.version + 1, config: toJson(config), createdById: actor?.id ?? null },
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
