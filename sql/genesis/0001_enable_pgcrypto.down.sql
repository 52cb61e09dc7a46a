-- Remove pgcrypto.
DROP EXTENSION IF EXISTS pgcrypto;
