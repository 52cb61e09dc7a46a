"""Migration files: finding, naming, pairing and reading them, and splitting their SQL.

Nothing here touches a database.
"""
