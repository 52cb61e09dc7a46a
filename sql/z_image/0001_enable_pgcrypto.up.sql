-- schemactl:idempotent
-- Enables pgcrypto, which provides gen_random_uuid() for image_generation_batches.id.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
