-- CreateIndex
CREATE INDEX "AuditItem_pairId_idx" ON "AuditItem"("pairId");
