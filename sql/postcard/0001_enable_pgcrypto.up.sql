-- Enables pgcrypto (gen_random_uuid()); every set starts with it, although this set's keys are
-- bigint identities.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
