-- Removes pgcrypto.
DROP EXTENSION IF EXISTS pgcrypto;
