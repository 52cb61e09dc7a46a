-- Enable pgcrypto for gen_random_uuid(), the default of users.id.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
