-- AlterTable
ALTER TABLE "Pair" ADD COLUMN     "promptMessages" JSONB;
