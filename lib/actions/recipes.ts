'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { authorizedAction } from '@/lib/actions/authorized-action';
import { UserFacingError } from '@/lib/errors';
import { llmService } from '@/lib/llm/service';
import { sampleTexts } from '@/lib/pipeline/items';
import { pipelineModels } from '@/lib/pipeline/models';
import { recipeConfigSchema } from '@/lib/pipeline/prompts/recipe-config';
import { createRecipe, saveRecipeVersion } from '@/lib/pipeline/recipes';
import { readSampleCorpus } from '@/lib/importers/sample';
import { TRY_ITEM_LIMIT, tryRecipe } from '@/lib/pipeline/try-recipe';

const configInput = z.unknown();

export const createRecipeAction = authorizedAction(
  'recipes:write',
  z.object({ name: z.string().trim().min(1, 'Give the recipe a name').max(120), description: z.string().trim().max(2000).optional(), config: configInput }),
  async (input, user) => {
    const created = await createRecipe(input, user);
    revalidatePath('/recipes');
    return created;
  },
);

export const saveRecipeVersionAction = authorizedAction('recipes:write', z.object({ recipeId: z.string().min(1), config: configInput }), async (input, user) => {
  const saved = await saveRecipeVersion(input, user);
  revalidatePath('/recipes');
  revalidatePath(`/recipes/${input.recipeId}`);
  return saved;
});

// Runs the stages for real (it spends tokens) but stores nothing.
export const tryRecipeAction = authorizedAction('recipes:write', z.object({ config: configInput, corpusId: z.string().min(1).optional() }), async (input) => {
  const parsed = recipeConfigSchema.safeParse(input.config);
  if (!parsed.success) throw new UserFacingError(`Fix the recipe first: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const texts = input.corpusId
    ? await sampleTexts(input.corpusId, TRY_ITEM_LIMIT)
    : (await readSampleCorpus()).filter((_, index) => index % 20 === 0).slice(0, TRY_ITEM_LIMIT);
  if (texts.length === 0) throw new UserFacingError('That corpus has no texts.');
  return tryRecipe(parsed.data, texts, pipelineModels(llmService()));
});
