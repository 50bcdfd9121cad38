-- CreateTable
CREATE TABLE "EvalTargetPreset" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalTargetPreset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalTargetPresetVersion" (
    "id" TEXT NOT NULL,
    "presetId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "config" JSONB NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalTargetPresetVersion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EvalTargetPreset_name_key" ON "EvalTargetPreset"("name");

-- CreateIndex
CREATE UNIQUE INDEX "EvalTargetPresetVersion_presetId_version_key" ON "EvalTargetPresetVersion"("presetId", "version");

-- AddForeignKey
ALTER TABLE "EvalTargetPresetVersion" ADD CONSTRAINT "EvalTargetPresetVersion_presetId_fkey" FOREIGN KEY ("presetId") REFERENCES "EvalTargetPreset"("id") ON DELETE CASCADE ON UPDATE CASCADE;
