-- Trigram indexes (gin_trgm_ops) make substring search over instructions and texts fast.
CREATE EXTENSION IF NOT EXISTS "pg_trgm";
