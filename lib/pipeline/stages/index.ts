export { runStage, stageTable, promptText } from '@/lib/pipeline/stages/run-stage';
export { cleanInstruction } from '@/lib/pipeline/stages/induce';
export { EndpointUnavailableError, type ItemFacts, type PipelineModels, type StageContext, type StageImpl, type StageKind, type StageOutcome } from '@/lib/pipeline/stages/types';
