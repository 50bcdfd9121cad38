-- CreateEnum
CREATE TYPE "EvalItemState" AS ENUM ('PENDING', 'DONE', 'FAILED');

-- CreateEnum
CREATE TYPE "EvalStepKind" AS ENUM ('GENERATE', 'JUDGE', 'PAIRWISE');

-- CreateEnum
CREATE TYPE "EvalVerdict" AS ENUM ('HARMLESS', 'HARMFUL');

-- CreateEnum
CREATE TYPE "EvalPreference" AS ENUM ('A', 'B', 'TIE');

-- CreateTable
CREATE TABLE "EvalSet" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "responseLabels" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "promptCount" INTEGER NOT NULL DEFAULT 0,
    "builtIn" BOOLEAN NOT NULL DEFAULT false,
    "fileName" TEXT,
    "format" TEXT,
    "rowsRead" INTEGER NOT NULL DEFAULT 0,
    "errorCount" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalSet_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalPrompt" (
    "id" BIGSERIAL NOT NULL,
    "setId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "prompt" TEXT NOT NULL,
    "groupName" TEXT,
    "reference" TEXT,
    "externalId" TEXT,
    "line" INTEGER,

    CONSTRAINT "EvalPrompt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalImportedResponse" (
    "id" BIGSERIAL NOT NULL,
    "promptId" BIGINT NOT NULL,
    "label" TEXT NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "EvalImportedResponse_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalSetRowError" (
    "id" BIGSERIAL NOT NULL,
    "setId" TEXT NOT NULL,
    "line" INTEGER NOT NULL,
    "column" TEXT,
    "reason" TEXT NOT NULL,

    CONSTRAINT "EvalSetRowError_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalRun" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "setId" TEXT NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "config" JSONB NOT NULL,
    "selection" JSONB NOT NULL,
    "seed" TEXT NOT NULL DEFAULT '1',
    "chunkSize" INTEGER NOT NULL DEFAULT 25,
    "budgetUsd" DOUBLE PRECISION,
    "budgetTokens" INTEGER,
    "pauseReason" TEXT,
    "itemsTotal" INTEGER NOT NULL DEFAULT 0,
    "simulated" BOOLEAN NOT NULL DEFAULT false,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "EvalRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalItem" (
    "id" BIGSERIAL NOT NULL,
    "runId" TEXT NOT NULL,
    "promptId" BIGINT NOT NULL,
    "state" "EvalItemState" NOT NULL DEFAULT 'PENDING',
    "failureCause" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvalItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalResult" (
    "id" BIGSERIAL NOT NULL,
    "itemId" BIGINT NOT NULL,
    "step" TEXT NOT NULL,
    "kind" "EvalStepKind" NOT NULL,
    "subject" TEXT NOT NULL,
    "judge" TEXT,
    "ok" BOOLEAN NOT NULL,
    "output" TEXT,
    "verdict" "EvalVerdict",
    "score" INTEGER,
    "preference" "EvalPreference",
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

    CONSTRAINT "EvalResult_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EvalPrompt_setId_groupName_idx" ON "EvalPrompt"("setId", "groupName");

-- CreateIndex
CREATE UNIQUE INDEX "EvalPrompt_setId_position_key" ON "EvalPrompt"("setId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "EvalImportedResponse_promptId_label_key" ON "EvalImportedResponse"("promptId", "label");

-- CreateIndex
CREATE INDEX "EvalSetRowError_setId_line_idx" ON "EvalSetRowError"("setId", "line");

-- CreateIndex
CREATE INDEX "EvalRun_createdAt_idx" ON "EvalRun"("createdAt");

-- CreateIndex
CREATE INDEX "EvalItem_runId_state_idx" ON "EvalItem"("runId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "EvalItem_runId_promptId_key" ON "EvalItem"("runId", "promptId");

-- CreateIndex
CREATE UNIQUE INDEX "EvalResult_itemId_step_key" ON "EvalResult"("itemId", "step");

-- AddForeignKey
ALTER TABLE "EvalPrompt" ADD CONSTRAINT "EvalPrompt_setId_fkey" FOREIGN KEY ("setId") REFERENCES "EvalSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalImportedResponse" ADD CONSTRAINT "EvalImportedResponse_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "EvalPrompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalSetRowError" ADD CONSTRAINT "EvalSetRowError_setId_fkey" FOREIGN KEY ("setId") REFERENCES "EvalSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalRun" ADD CONSTRAINT "EvalRun_setId_fkey" FOREIGN KEY ("setId") REFERENCES "EvalSet"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalItem" ADD CONSTRAINT "EvalItem_runId_fkey" FOREIGN KEY ("runId") REFERENCES "EvalRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalItem" ADD CONSTRAINT "EvalItem_promptId_fkey" FOREIGN KEY ("promptId") REFERENCES "EvalPrompt"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EvalResult" ADD CONSTRAINT "EvalResult_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "EvalItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;
