-- AlterTable
ALTER TABLE "Recipe" ADD COLUMN     "builtInKey" TEXT;

-- AlterTable
ALTER TABLE "RecipeVersion" ADD COLUMN     "promptProvenance" JSONB;

-- CreateIndex
CREATE UNIQUE INDEX "Recipe_builtInKey_key" ON "Recipe"("builtInKey");

-- Built-in recipes are found by key from now on. The two that earlier versions created by name get
-- their key and their new name ("Safer-Instruct (safety)" is the helpful-refusals variant, not the
-- paper). A user recipe that already has the new name keeps it, and the old built-in keeps its name.
-- (No semicolons in these comments: the migration runner splits the script on them.)
UPDATE "Recipe" SET "builtInKey" = 'safer-instruct-safety'
WHERE "builtIn" AND "name" = 'Safer-Instruct (safety)';
UPDATE "Recipe" SET "builtInKey" = 'safer-instruct-safety:simulator'
WHERE "builtIn" AND "name" = 'Safer-Instruct (safety) · simulator';
UPDATE "Recipe" SET "name" = 'Safer-Instruct (helpful refusals)'
WHERE "builtInKey" = 'safer-instruct-safety'
  AND NOT EXISTS (SELECT 1 FROM "Recipe" other WHERE other."name" = 'Safer-Instruct (helpful refusals)');
UPDATE "Recipe" SET "name" = 'Safer-Instruct (helpful refusals) · simulator'
WHERE "builtInKey" = 'safer-instruct-safety:simulator'
  AND NOT EXISTS (SELECT 1 FROM "Recipe" other WHERE other."name" = 'Safer-Instruct (helpful refusals) · simulator');
