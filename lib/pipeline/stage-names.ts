/**
 * The one vocabulary for pipeline stages. A stage has two spellings that are both stored and so
 * both stay: its database id (the Prisma `Stage` enum, on StageResult and RunItem.failedStage) and
 * its key in a recipe's config JSON (camelCase). This module owns both, the order the stages run
 * in, the mapping between the two spellings and the one label each stage is shown with.
 */
import { Stage } from '@/lib/db/generated/enums';

export { Stage };

/** The key of each stage in a recipe's config (and in the stage table). */
export const stageNameOf = {
  INDUCE: 'induce',
  FILTER_INSTRUCTION: 'filterInstruction',
  GENERATE_RESPONSE: 'generateResponse',
  FILTER_RESPONSE: 'filterResponse',
} as const satisfies Record<Stage, string>;

export type StageName = (typeof stageNameOf)[Stage];

/** The stages in the order they run, as database ids. */
export const stageIds = [Stage.INDUCE, Stage.FILTER_INSTRUCTION, Stage.GENERATE_RESPONSE, Stage.FILTER_RESPONSE] as const satisfies readonly Stage[];

/** The stages in the order they run, as recipe-config keys. */
export const stageNames = ['induce', 'filterInstruction', 'generateResponse', 'filterResponse'] as const satisfies readonly StageName[];

export const dbStageOf = {
  induce: Stage.INDUCE,
  filterInstruction: Stage.FILTER_INSTRUCTION,
  generateResponse: Stage.GENERATE_RESPONSE,
  filterResponse: Stage.FILTER_RESPONSE,
} as const satisfies Record<StageName, Stage>;

/** How a stage is named on screen, by database id. */
export const stageLabels: Record<Stage, string> = {
  INDUCE: 'Induce instruction',
  FILTER_INSTRUCTION: 'Filter instruction',
  GENERATE_RESPONSE: 'Write chosen response',
  FILTER_RESPONSE: 'Filter pair',
};

/** The same labels, by recipe-config key. */
export const stageNameLabels = Object.fromEntries(stageNames.map((name) => [name, stageLabels[dbStageOf[name]]])) as Record<StageName, string>;
