-- DropIndex
DROP INDEX "SourceText_text_idx";

-- CreateIndex
CREATE INDEX "SourceText_importId_idx" ON "SourceText"("importId");
