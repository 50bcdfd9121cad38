import { describe, expect, it } from 'vitest';
import { renderDatasetCard, type CardInput } from '@/lib/exporters/card';
import { summariseRecipes } from '@/lib/exporters/provenance';
import type { ManifestRecipeVersion } from '@/lib/exporters/manifest';
import { recipeConfigFromBuiltIn, recipePromptProvenance, saferInstructPaperRecipe, stageNames } from '@/lib/pipeline/prompts';

const config = recipeConfigFromBuiltIn(saferInstructPaperRecipe, {
  induce: { endpointName: 'reversed' },
  filterInstruction: { endpointName: 'judge', model: 'gpt-4-0613' },
  generateResponse: { endpointName: 'expert', model: 'gpt-4-0613' },
  filterResponse: { endpointName: 'judge', model: 'gpt-4-0613' },
});

const version: ManifestRecipeVersion = {
  id: 'v1',
  recipe: 'Safer-Instruct (paper)',
  version: 1,
  runs: [{ id: 'run-1', name: 'run', simulated: false }],
  promptHashes: Object.fromEntries(stageNames.map((stage) => [stage, `hash-${stage}`])),
  promptProvenance: recipePromptProvenance(config.stages),
  config: JSON.parse(JSON.stringify(config)) as ManifestRecipeVersion['config'],
};

function cardInput(recipe: ReturnType<typeof summariseRecipes>, format: CardInput['configs'][number]['format']): CardInput {
  return {
    prettyName: 'Provenance card',
    license: 'other',
    language: ['en'],
    configs: [{ format, splits: [{ split: 'train', path: `${format}/train.jsonl`, numExamples: 3, numBytes: 30 }] }],
    topics: [{ topic: 'hate', perSplit: { train: 3 } }],
    sources: [{ kind: 'run', id: 'run-1', name: 'run', rows: 3 }],
    curation: { recipeName: recipe.name, recipeVersion: recipe.version, steps: recipe.steps, models: recipe.models, prompts: recipe.prompts },
    split: { method: 'none' },
    incompletePairs: 0,
    annotation: { humanEdited: 0 },
    simulated: { rows: 0, totalRows: 3 },
  };
}

describe('prompt provenance in the card and manifest', () => {
  it("labels each stage's prompt as the authors' text or a reconstruction", () => {
    const recipe = summariseRecipes([version], new Map());
    expect(recipe.prompts.map((prompt) => [prompt.name, prompt.provenance])).toEqual([
      ['induce', "authors' verbatim text"],
      ['filterInstruction', 'reconstruction (the paper publishes no prompt)'],
      ['generateResponse', 'reconstruction (the paper publishes no prompt)'],
      ['filterResponse', 'reconstruction (the paper publishes no prompt)'],
    ]);
    const card = renderDatasetCard(cardInput(recipe, 'trl-standard'));
    expect(card).toContain('| prompt | version | text |');
    expect(card).toMatch(/\| induce \| v1 \| authors' verbatim text \|/);
    expect(card).toMatch(/\| filterInstruction \| v1 \| reconstruction \(the paper publishes no prompt\) \|/);
  });

  it('leaves the prompt table as it was when no provenance is known', () => {
    const recipe = summariseRecipes([{ ...version, promptProvenance: undefined }], new Map());
    expect(recipe.prompts.every((prompt) => prompt.provenance === undefined)).toBe(true);
    expect(renderDatasetCard(cardInput(recipe, 'trl-standard'))).toContain('| prompt | version |');
  });

  it('says the chosen → instruction export is not stage-1 data', () => {
    const card = renderDatasetCard(cardInput(summariseRecipes([version], new Map()), 'reversed-tuning'));
    expect(card).toContain('Chosen → instruction pairs, reversed layout (not stage-1 reversed-tuning data)');
    expect(card).toContain("It is not Safer-Instruct's stage-1 data");
  });
});
