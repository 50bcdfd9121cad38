-- CreateEnum
CREATE TYPE "EndpointMode" AS ENUM ('CHAT', 'COMPLETION');

-- CreateEnum
CREATE TYPE "ImportKind" AS ENUM ('CORPUS', 'PREFERENCE_DATASET');

-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'PAUSED', 'COMPLETED', 'CANCELLED', 'FAILED');

-- CreateEnum
CREATE TYPE "RunItemState" AS ENUM ('PENDING', 'INDUCED', 'INSTRUCTION_KEPT', 'INSTRUCTION_DROPPED', 'RESPONSE_WRITTEN', 'PAIR_KEPT', 'PAIR_DROPPED', 'FAILED');

-- CreateEnum
CREATE TYPE "Stage" AS ENUM ('INDUCE', 'FILTER_INSTRUCTION', 'GENERATE_RESPONSE', 'FILTER_RESPONSE');

-- CreateEnum
CREATE TYPE "Verdict" AS ENUM ('PASS', 'FAIL', 'UNPARSEABLE');

-- CreateEnum
CREATE TYPE "PairOrigin" AS ENUM ('IMPORTED', 'RUN');

-- CreateEnum
CREATE TYPE "PairStatus" AS ENUM ('PENDING', 'KEPT', 'DROPPED');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('NONE', 'ACCEPTED', 'REJECTED');

-- CreateEnum
CREATE TYPE "AuditCriteria" AS ENUM ('INSTRUCTION', 'PAIR', 'BOTH');

-- CreateEnum
CREATE TYPE "AuditStatus" AS ENUM ('OPEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "ExportStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED');

-- CreateTable
CREATE TABLE "ProviderEndpoint" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "mode" "EndpointMode" NOT NULL DEFAULT 'CHAT',
    "apiKeyEnv" TEXT,
    "apiKeyEncrypted" TEXT,
    "apiKeyLast4" TEXT,
    "defaultParams" JSONB NOT NULL DEFAULT '{}',
    "concurrency" INTEGER NOT NULL DEFAULT 8,
    "rpm" INTEGER,
    "tpm" INTEGER,
    "timeoutMs" INTEGER NOT NULL DEFAULT 60000,
    "maxAttempts" INTEGER NOT NULL DEFAULT 5,
    "priceInputPerMTok" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "priceOutputPerMTok" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "supportsJsonMode" BOOLEAN NOT NULL DEFAULT true,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProviderEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LlmCacheEntry" (
    "key" TEXT NOT NULL,
    "endpointId" TEXT,
    "text" TEXT NOT NULL,
    "finishReason" TEXT,
    "tokensIn" INTEGER NOT NULL,
    "tokensOut" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LlmCacheEntry_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "LlmCall" (
    "id" BIGSERIAL NOT NULL,
    "endpointId" TEXT,
    "runId" TEXT,
    "purpose" TEXT,
    "cacheKey" TEXT NOT NULL,
    "cacheHit" BOOLEAN NOT NULL,
    "tokensIn" INTEGER NOT NULL DEFAULT 0,
    "tokensOut" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latencyMs" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "errorKind" TEXT,
    "errorMessage" TEXT,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LlmCall_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RateLimitBucket" (
    "endpointId" TEXT NOT NULL,
    "requestTokens" DOUBLE PRECISION NOT NULL,
    "tokenTokens" DOUBLE PRECISION NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RateLimitBucket_pkey" PRIMARY KEY ("endpointId")
);

-- CreateTable
CREATE TABLE "ConcurrencyLease" (
    "id" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ConcurrencyLease_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Corpus" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "duplicateCount" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Corpus_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SourceText" (
    "id" BIGSERIAL NOT NULL,
    "corpusId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "externalId" TEXT,
    "metadata" JSONB,
    "dedupHash" TEXT NOT NULL,
    "importId" TEXT,
    "line" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SourceText_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Import" (
    "id" TEXT NOT NULL,
    "kind" "ImportKind" NOT NULL,
    "status" "ImportStatus" NOT NULL DEFAULT 'PENDING',
    "fileName" TEXT NOT NULL,
    "filePath" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "fileBytes" BIGINT NOT NULL DEFAULT 0,
    "options" JSONB NOT NULL DEFAULT '{}',
    "corpusId" TEXT,
    "datasetId" TEXT,
    "rowsRead" INTEGER NOT NULL DEFAULT 0,
    "rowsInserted" INTEGER NOT NULL DEFAULT 0,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "committedLine" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Import_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportRowError" (
    "id" BIGSERIAL NOT NULL,
    "importId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "column" TEXT,
    "reason" TEXT NOT NULL,

    CONSTRAINT "ImportRowError_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PreferenceDataset" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "pairCount" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PreferenceDataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Recipe" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Recipe_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RecipeVersion" (
    "id" TEXT NOT NULL,
    "recipeId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RecipeVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Run" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "recipeVersionId" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "selection" JSONB NOT NULL,
    "seed" TEXT NOT NULL DEFAULT '1',
    "budgetUsd" DOUBLE PRECISION,
    "budgetTokens" INTEGER,
    "pauseReason" TEXT,
    "itemsTotal" INTEGER NOT NULL DEFAULT 0,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RunItem" (
    "id" BIGSERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "sourceTextId" BIGINT NOT NULL,
    "variant" INTEGER NOT NULL DEFAULT 0,
    "state" "RunItemState" NOT NULL DEFAULT 'PENDING',
    "failedStage" "Stage",
    "failureCause" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StageResult" (
    "id" BIGSERIAL NOT NULL,
    "runItemId" BIGINT NOT NULL,
    "stage" "Stage" NOT NULL,
    "ok" BOOLEAN NOT NULL,
    "output" TEXT,
    "verdict" "Verdict",
    "reason" TEXT,
    "prompt" TEXT NOT NULL,
    "rawOutput" TEXT,
    "error" TEXT,
    "tokensIn" INTEGER NOT NULL DEFAULT 0,
    "tokensOut" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latencyMs" INTEGER NOT NULL DEFAULT 0,
    "cacheHit" BOOLEAN NOT NULL DEFAULT false,
    "model" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StageResult_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Pair" (
    "id" BIGSERIAL NOT NULL,
    "origin" "PairOrigin" NOT NULL,
    "datasetId" TEXT,
    "runId" TEXT,
    "runItemId" BIGINT,
    "sourceTextId" BIGINT,
    "topic" TEXT,
    "instruction" TEXT NOT NULL,
    "chosen" TEXT,
    "rejected" TEXT,
    "externalId" TEXT,
    "metadata" JSONB,
    "instructionVerdict" "Verdict",
    "instructionReason" TEXT,
    "responseVerdict" "Verdict",
    "responseReason" TEXT,
    "status" "PairStatus" NOT NULL DEFAULT 'PENDING',
    "humanStatus" "PairStatus",
    "humanEdited" BOOLEAN NOT NULL DEFAULT false,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "auditOutcome" "AuditOutcome" NOT NULL DEFAULT 'NONE',
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Pair_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PairRevision" (
    "id" BIGSERIAL NOT NULL,
    "pairId" BIGINT NOT NULL,
    "field" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "actorId" TEXT,
    "actorEmail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PairRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PairComment" (
    "id" BIGSERIAL NOT NULL,
    "pairId" BIGINT NOT NULL,
    "authorId" TEXT,
    "authorEmail" TEXT,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PairComment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Audit" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "scope" JSONB NOT NULL,
    "strategy" TEXT NOT NULL,
    "sampleSize" INTEGER NOT NULL,
    "seed" TEXT NOT NULL,
    "criteria" "AuditCriteria" NOT NULL,
    "reviewersPerItem" INTEGER NOT NULL DEFAULT 1,
    "guidelines" TEXT NOT NULL DEFAULT '',
    "blind" BOOLEAN NOT NULL DEFAULT true,
    "targetThreshold" DOUBLE PRECISION,
    "status" "AuditStatus" NOT NULL DEFAULT 'OPEN',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Audit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditStratum" (
    "id" TEXT NOT NULL,
    "auditId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "populationSize" INTEGER NOT NULL,
    "sampleSize" INTEGER NOT NULL,

    CONSTRAINT "AuditStratum_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditItem" (
    "id" BIGSERIAL NOT NULL,
    "auditId" TEXT NOT NULL,
    "pairId" BIGINT NOT NULL,
    "stratum" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "labelCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "AuditItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditLabel" (
    "id" BIGSERIAL NOT NULL,
    "auditItemId" BIGINT NOT NULL,
    "reviewerId" TEXT NOT NULL,
    "leaseExpiresAt" TIMESTAMP(3) NOT NULL,
    "instructionValid" BOOLEAN,
    "pairCorrect" BOOLEAN,
    "reasonTags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "note" TEXT,
    "answeredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditLabel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Export" (
    "id" TEXT NOT NULL,
    "status" "ExportStatus" NOT NULL DEFAULT 'QUEUED',
    "selection" JSONB NOT NULL,
    "formats" TEXT[],
    "rowsWritten" INTEGER NOT NULL DEFAULT 0,
    "rowsTotal" INTEGER,
    "counts" JSONB,
    "files" JSONB,
    "filePath" TEXT,
    "error" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Export_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ProviderEndpoint_name_key" ON "ProviderEndpoint"("name");

-- CreateIndex
CREATE INDEX "LlmCall_runId_idx" ON "LlmCall"("runId");

-- CreateIndex
CREATE INDEX "LlmCall_endpointId_createdAt_idx" ON "LlmCall"("endpointId", "createdAt");

-- CreateIndex
CREATE INDEX "ConcurrencyLease_endpointId_expiresAt_idx" ON "ConcurrencyLease"("endpointId", "expiresAt");

-- CreateIndex
CREATE INDEX "SourceText_corpusId_topic_id_idx" ON "SourceText"("corpusId", "topic", "id");

-- CreateIndex
CREATE INDEX "SourceText_corpusId_id_idx" ON "SourceText"("corpusId", "id");

-- CreateIndex
CREATE INDEX "SourceText_text_idx" ON "SourceText" USING GIN ("text" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "SourceText_corpusId_dedupHash_key" ON "SourceText"("corpusId", "dedupHash");

-- CreateIndex
CREATE INDEX "Import_status_idx" ON "Import"("status");

-- CreateIndex
CREATE INDEX "ImportRowError_importId_line_idx" ON "ImportRowError"("importId", "line");

-- CreateIndex
CREATE UNIQUE INDEX "Recipe_name_key" ON "Recipe"("name");

-- CreateIndex
CREATE UNIQUE INDEX "RecipeVersion_recipeId_version_key" ON "RecipeVersion"("recipeId", "version");

-- CreateIndex
CREATE INDEX "Run_createdAt_idx" ON "Run"("createdAt");

-- CreateIndex
CREATE INDEX "RunItem_runId_state_idx" ON "RunItem"("runId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "RunItem_runId_sourceTextId_variant_key" ON "RunItem"("runId", "sourceTextId", "variant");

-- CreateIndex
CREATE UNIQUE INDEX "StageResult_runItemId_stage_key" ON "StageResult"("runItemId", "stage");

-- CreateIndex
CREATE UNIQUE INDEX "Pair_runItemId_key" ON "Pair"("runItemId");

-- CreateIndex
CREATE INDEX "Pair_datasetId_id_idx" ON "Pair"("datasetId", "id");

-- CreateIndex
CREATE INDEX "Pair_runId_id_idx" ON "Pair"("runId", "id");

-- CreateIndex
CREATE INDEX "Pair_topic_id_idx" ON "Pair"("topic", "id");

-- CreateIndex
CREATE INDEX "Pair_status_id_idx" ON "Pair"("status", "id");

-- CreateIndex
CREATE INDEX "Pair_instructionVerdict_id_idx" ON "Pair"("instructionVerdict", "id");

-- CreateIndex
CREATE INDEX "Pair_responseVerdict_id_idx" ON "Pair"("responseVerdict", "id");

-- CreateIndex
CREATE INDEX "Pair_auditOutcome_id_idx" ON "Pair"("auditOutcome", "id");

-- CreateIndex
CREATE INDEX "Pair_humanEdited_id_idx" ON "Pair"("humanEdited", "id");

-- CreateIndex
CREATE INDEX "Pair_instruction_idx" ON "Pair" USING GIN ("instruction" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Pair_rejected_idx" ON "Pair" USING GIN ("rejected" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "PairRevision_pairId_createdAt_idx" ON "PairRevision"("pairId", "createdAt");

-- CreateIndex
CREATE INDEX "PairComment_pairId_createdAt_idx" ON "PairComment"("pairId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditStratum_auditId_key_key" ON "AuditStratum"("auditId", "key");

-- CreateIndex
CREATE INDEX "AuditItem_auditId_labelCount_position_idx" ON "AuditItem"("auditId", "labelCount", "position");

-- CreateIndex
CREATE UNIQUE INDEX "AuditItem_auditId_pairId_key" ON "AuditItem"("auditId", "pairId");

-- CreateIndex
CREATE INDEX "AuditLabel_reviewerId_answeredAt_idx" ON "AuditLabel"("reviewerId", "answeredAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditLabel_auditItemId_reviewerId_key" ON "AuditLabel"("auditItemId", "reviewerId");

-- AddForeignKey
ALTER TABLE "LlmCall" ADD CONSTRAINT "LlmCall_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "ProviderEndpoint"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SourceText" ADD CONSTRAINT "SourceText_corpusId_fkey" FOREIGN KEY ("corpusId") REFERENCES "Corpus"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Import" ADD CONSTRAINT "Import_corpusId_fkey" FOREIGN KEY ("corpusId") REFERENCES "Corpus"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Import" ADD CONSTRAINT "Import_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "PreferenceDataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportRowError" ADD CONSTRAINT "ImportRowError_importId_fkey" FOREIGN KEY ("importId") REFERENCES "Import"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RecipeVersion" ADD CONSTRAINT "RecipeVersion_recipeId_fkey" FOREIGN KEY ("recipeId") REFERENCES "Recipe"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Run" ADD CONSTRAINT "Run_recipeVersionId_fkey" FOREIGN KEY ("recipeVersionId") REFERENCES "RecipeVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RunItem" ADD CONSTRAINT "RunItem_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StageResult" ADD CONSTRAINT "StageResult_runItemId_fkey" FOREIGN KEY ("runItemId") REFERENCES "RunItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pair" ADD CONSTRAINT "Pair_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "PreferenceDataset"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pair" ADD CONSTRAINT "Pair_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Pair" ADD CONSTRAINT "Pair_runItemId_fkey" FOREIGN KEY ("runItemId") REFERENCES "RunItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PairRevision" ADD CONSTRAINT "PairRevision_pairId_fkey" FOREIGN KEY ("pairId") REFERENCES "Pair"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PairComment" ADD CONSTRAINT "PairComment_pairId_fkey" FOREIGN KEY ("pairId") REFERENCES "Pair"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditStratum" ADD CONSTRAINT "AuditStratum_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditItem" ADD CONSTRAINT "AuditItem_auditId_fkey" FOREIGN KEY ("auditId") REFERENCES "Audit"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditItem" ADD CONSTRAINT "AuditItem_pairId_fkey" FOREIGN KEY ("pairId") REFERENCES "Pair"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditLabel" ADD CONSTRAINT "AuditLabel_auditItemId_fkey" FOREIGN KEY ("auditItemId") REFERENCES "AuditItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;
