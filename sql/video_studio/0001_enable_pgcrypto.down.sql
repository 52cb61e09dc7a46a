-- Removes the pgcrypto extension.
DROP EXTENSION IF EXISTS pgcrypto;
