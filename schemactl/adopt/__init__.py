"""Adopting what schemactl did not build, one concern per module: ``baseline`` proves an
existing database is what its migration files produce before recording them, and ``ledgers``
reads other tools' ledgers to say which those are."""
