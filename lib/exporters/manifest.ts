import type { AuditStatus, ExportFormat, FormatOptions, SplitName } from './types';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type ManifestFile = {
  name: string;
  bytes: number;
  sha256: string;
  format?: ExportFormat;
  split?: SplitName;
  rows?: number;
  skippedIncomplete?: number;
};

export type ManifestRecipe = {
  name: string;
  version: string;
  /** Versions of every prompt the recipe used, so a run can be repeated with the same text. */
  prompts: { name: string; version: string; sha256?: string; provenance?: string }[];
  models: { role: string; model: string }[];
  parameters: { [key: string]: JsonValue };
};

/** One recipe version behind the exported rows, with its full stored configuration (templates, endpoints, models, parameters). */
export type ManifestRecipeVersion = {
  id: string;
  recipe: string;
  version: number;
  runs: { id: string; name: string; simulated: boolean }[];
  /** SHA-256 of each stage's template (and rubric), so a copy of the prompts can be checked. */
  promptHashes: { [stage: string]: string };
  /** Per stage: whether the prompt is the authors' verbatim text, a reconstruction, this app's own or user-written. */
  promptProvenance?: { [stage: string]: { provenance: string; note?: string } };
  config: JsonValue;
};

export type ManifestSplit =
  | { method: 'none' }
  | { method: 'hash'; seed: string; trainRatio: number; key: 'id' | 'instruction' }
  | { method: 'exact'; seed: string; trainRatio: number; stratifyBy: 'topic' | null }
  | { method: 'stratified'; seed: string; trainRatio: number; stratifyBy: 'topic' };

export type ManifestCounts = {
  rowsIn: number;
  duplicatesRemoved: number;
  rowsExported: number;
  incompletePairs: number;
  simulated: number;
  humanEdited: number;
  perSplit: Partial<Record<SplitName, number>>;
  /** Topic → split → rows; rows without a topic are under "(none)". */
  perTopic: Record<string, Partial<Record<SplitName, number>>>;
  audit: Record<AuditStatus, number>;
};

export type ManifestInput = {
  appVersion: string;
  createdAt: Date;
  /** What the user selected (runs, datasets, filters) exactly as the app describes it. */
  selection: JsonValue;
  recipe: ManifestRecipe;
  recipeVersions?: readonly ManifestRecipeVersion[];
  split: ManifestSplit;
  dedupInstructions: boolean;
  counts: ManifestCounts;
  files: readonly ManifestFile[];
  /** How the format files were laid out (TRL template, CSV choices); part of what rebuilds the same bytes. */
  formatOptions?: FormatOptions;
};

export type Manifest = {
  manifestVersion: 1;
  app: { name: string; version: string };
  createdAt: string;
  selection: JsonValue;
  recipe: ManifestRecipe;
  recipeVersions: ManifestRecipeVersion[];
  split: ManifestSplit;
  dedupInstructions: boolean;
  simulated: boolean;
  counts: ManifestCounts;
  files: ManifestFile[];
  formatOptions?: FormatOptions;
};

export const APP_NAME = 'safer-instruct-studio';

/** The run's provenance: enough to rebuild the same files and to check that a copy is intact. */
export function buildManifest(input: ManifestInput): Manifest {
  return {
    manifestVersion: 1,
    app: { name: APP_NAME, version: input.appVersion },
    createdAt: input.createdAt.toISOString(),
    selection: input.selection,
    recipe: input.recipe,
    recipeVersions: [...(input.recipeVersions ?? [])],
    split: input.split,
    dedupInstructions: input.dedupInstructions,
    simulated: input.counts.simulated > 0,
    counts: input.counts,
    files: input.files.map((file) => ({ ...file })),
    ...(input.formatOptions ? { formatOptions: { ...input.formatOptions } } : {}),
  };
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
