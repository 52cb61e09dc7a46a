"""The static half of ``schemactl check``: lint rules over a migration set, no database.

``lint`` runs every rule over a loaded ``MigrationSet``; ``layout_findings`` turns the problems
``load_directory`` refuses a directory for into findings of the same shape; ``RULES`` describes
every rule either can report. Nothing here prints or connects.
"""

from __future__ import annotations

from schemactl.lint.findings import Finding, Rule, Severity
from schemactl.lint.layout import layout_findings
from schemactl.lint.linter import lint, release
from schemactl.lint.registry import RULES

__all__ = ["RULES", "Finding", "Rule", "Severity", "layout_findings", "lint", "release"]
