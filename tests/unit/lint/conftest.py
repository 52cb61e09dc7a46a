"""Lint fixtures: write a migration directory from a dict, load it, lint it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from schemactl.files.migrations import load_directory
from schemactl.lint import Finding, lint
from tests.conftest import MigrationSpec, write_migrations

LintSpec = Callable[..., list[Finding]]


@pytest.fixture
def lint_spec(tmp_path: Path) -> LintSpec:
    """Factory: ``lint_spec({"0001_users": (up, down)}, disabled=...)`` -> findings."""
    counter = iter(range(1_000_000))

    def run(
        spec: MigrationSpec,
        disabled: frozenset[str] = frozenset(),
        other_rules: Iterable[str] = (),
    ) -> list[Finding]:
        directory = write_migrations(tmp_path / f"set{next(counter)}", spec)
        return lint(load_directory(directory), disabled=disabled, other_rules=other_rules)

    return run
