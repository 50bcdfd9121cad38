/**
 * Where the exported rows came from, for the manifest and the dataset card: the recipe versions
 * of the runs (templates, endpoints, models, parameters) and a line about each source.
 */
import { createHash } from 'node:crypto';

import { z } from 'zod';

import { db } from '@/lib/db/client';
import { promptProvenanceLabels, recipePromptProvenance, recipeProvenanceSchema, recipeConfigSchema } from '@/lib/pipeline/prompts';

import type { JsonValue, ManifestRecipeVersion } from './manifest';
import type { ExportRecipe } from './runExport';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Only the parts of a recipe config the card reads; the manifest keeps the stored config whole. */
const storedStageSchema = z.object({
  endpointName: z.string(),
  model: z.string().optional(),
  mode: z.string().optional(),
  template: z.string(),
  rubric: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
const storedConfigSchema = z.object({ stages: z.record(z.string(), storedStageSchema) });

const STAGE_STEPS: Record<string, string> = {
  induce: 'Instruction induction: a reversed (response → instruction) model writes the instruction that would elicit each source text.',
  filterInstruction: 'Instruction filtering: a judge drops incoherent, mismatched or off-topic instructions.',
  generateResponse: 'Preferred response: an expert model writes a safe, helpful answer to each kept instruction.',
  filterResponse: 'Response filtering: a judge keeps the pair only if the preferred answer is safe and better than the source text.',
};

export type Provenance = {
  recipe: ExportRecipe;
  recipeVersions: ManifestRecipeVersion[];
  /** One line per source id, for the card's "Source data" table. */
  sourceDescriptions: Record<string, string>;
};

function asJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/** Recipe versions of `runIds`, summarised into one ExportRecipe for the card. */
export async function loadProvenance(runIds: readonly string[], datasetIds: readonly string[]): Promise<Provenance> {
  const runs = await db().run.findMany({
    where: { id: { in: [...runIds] } },
    select: {
      id: true,
      name: true,
      simulated: true,
      createdAt: true,
      recipeVersion: { select: { id: true, version: true, config: true, promptProvenance: true, recipe: { select: { name: true } } } },
    },
    orderBy: { createdAt: 'asc' },
  });
  const datasets = datasetIds.length
    ? await db().preferenceDataset.findMany({ where: { id: { in: [...datasetIds] } }, select: { id: true, name: true, description: true } })
    : [];
  const endpoints = new Map(
    (await db().providerEndpoint.findMany({ select: { name: true, model: true } })).map((endpoint) => [endpoint.name, endpoint.model]),
  );

  const versions = new Map<string, ManifestRecipeVersion>();
  for (const run of runs) {
    const { recipeVersion } = run;
    let entry = versions.get(recipeVersion.id);
    if (!entry) {
      const parsed = storedConfigSchema.safeParse(recipeVersion.config);
      const promptHashes: Record<string, string> = {};
      if (parsed.success) {
        for (const [stage, config] of Object.entries(parsed.data.stages)) {
          promptHashes[stage] = sha256(config.template);
          if (config.rubric !== undefined) promptHashes[`${stage}.rubric`] = sha256(config.rubric);
        }
      }
      entry = {
        id: recipeVersion.id,
        recipe: recipeVersion.recipe.name,
        version: recipeVersion.version,
        runs: [],
        promptHashes,
        ...versionProvenance(recipeVersion.promptProvenance, recipeVersion.config),
        config: asJson(recipeVersion.config),
      };
      versions.set(recipeVersion.id, entry);
    }
    entry.runs.push({ id: run.id, name: run.name, simulated: run.simulated });
  }
  const recipeVersions = [...versions.values()];

  const sourceDescriptions: Record<string, string> = {};
  for (const run of runs) {
    const { recipeVersion } = run;
    sourceDescriptions[run.id] =
      `Pipeline run with recipe ${recipeVersion.recipe.name} v${recipeVersion.version}, started ${run.createdAt.toISOString().slice(0, 10)}${run.simulated ? ' (simulated provider)' : ''}.`;
  }
  for (const dataset of datasets) {
    sourceDescriptions[dataset.id] = dataset.description ? `Imported: ${dataset.description}` : 'Imported preference dataset.';
  }
  return { recipe: summariseRecipes(recipeVersions, endpoints), recipeVersions, sourceDescriptions };
}

/** The recorded provenance of a version's prompts, or (older versions) what their text matches now. */
function versionProvenance(stored: unknown, config: unknown): Pick<ManifestRecipeVersion, 'promptProvenance'> {
  const recorded = recipeProvenanceSchema.safeParse(stored);
  if (recorded.success) return { promptProvenance: recorded.data };
  const parsed = recipeConfigSchema.safeParse(config);
  return parsed.success ? { promptProvenance: recipePromptProvenance(parsed.data.stages) } : {};
}

/** One recipe for the card: the only version as it is, or every version with labelled entries. */
export function summariseRecipes(versions: readonly ManifestRecipeVersion[], endpointModels: ReadonlyMap<string, string>): ExportRecipe {
  if (versions.length === 0) {
    return { name: 'none (imported pairs only)', version: '-', prompts: [], models: [], parameters: {} };
  }
  const several = versions.length > 1;
  const label = (version: ManifestRecipeVersion, stage: string) => (several ? `${version.recipe} v${version.version} ${stage}` : stage);
  const prompts: ExportRecipe['prompts'] = [];
  const models: ExportRecipe['models'] = [];
  const parameters: ExportRecipe['parameters'] = {};
  const stages = new Set<string>();
  for (const version of versions) {
    const parsed = storedConfigSchema.safeParse(version.config);
    if (!parsed.success) continue;
    for (const [stage, config] of Object.entries(parsed.data.stages)) {
      stages.add(stage);
      const provenance = version.promptProvenance?.[stage]?.provenance;
      prompts.push({
        name: label(version, stage),
        version: `v${version.version}`,
        sha256: version.promptHashes[stage],
        ...(provenance === undefined ? {} : { provenance: promptProvenanceLabels[provenance as keyof typeof promptProvenanceLabels] ?? provenance }),
      });
      const model = config.model ?? endpointModels.get(config.endpointName) ?? '(endpoint default)';
      models.push({ role: label(version, stage), model: `${model} via ${config.endpointName}${config.mode ? ` (${config.mode})` : ''}` });
      parameters[label(version, stage)] = asJson(config.parameters ?? {});
    }
  }
  return {
    name: [...new Set(versions.map((version) => version.recipe))].join(', '),
    version: versions.map((version) => (several ? `${version.recipe} v${version.version}` : String(version.version))).join(', '),
    prompts,
    models,
    parameters,
    steps: Object.keys(STAGE_STEPS)
      .filter((stage) => stages.has(stage))
      .map((stage) => STAGE_STEPS[stage]),
  };
}
