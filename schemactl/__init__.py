"""schemactl: apply plain, numbered SQL migrations to PostgreSQL, safely."""

__version__ = "0.1.0"
