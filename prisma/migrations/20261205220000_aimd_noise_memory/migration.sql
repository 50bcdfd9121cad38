-- AlterTable
ALTER TABLE "RateLimitBucket" ADD COLUMN     "aimdCutFrom" DOUBLE PRECISION,
ADD COLUMN     "aimdCutShare" DOUBLE PRECISION,
ADD COLUMN     "aimdNoiseShare" DOUBLE PRECISION;
