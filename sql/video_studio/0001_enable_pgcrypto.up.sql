-- Enables pgcrypto, which provides gen_random_uuid() for every primary key in this set.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
