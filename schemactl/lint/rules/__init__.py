"""One lint rule per module: each defines ``RULE`` and ``check(ctx) -> Iterator[Finding]``.

``schemactl.lint.registry`` lists them; a module's name is its rule id with underscores.
"""
