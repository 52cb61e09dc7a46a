"""What every rule gets: the migration set, and the facts several rules share about it.

The main shared fact is which tables are *new*: created earlier in the same up file. Locking a
new table costs nothing (nobody else can see it until the migration commits), so the lock
rules only judge statements on tables that already exist: created by an earlier migration or
by none at all (they were in the database before schemactl).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from schemactl.files.migrations import Migration, MigrationSet, Script
from schemactl.files.statements import Statement
from schemactl.lint.alter import AlterTable, alter_table
from schemactl.lint.columns import ColumnDef, create_table_body
from schemactl.lint.findings import Finding, Rule
from schemactl.lint.heads import RELATIONS, Kind
from schemactl.lint.objects import Change, Effect, effects
from schemactl.lint.words import ObjectName, Words, words_of


@dataclass(frozen=True)
class Located:
    """One statement of one migration file, with its words and effects at hand."""

    migration: Migration
    script: Script
    statement: Statement

    @functools.cached_property
    def words(self) -> Words:
        """The statement's significant tokens."""
        return words_of(self.statement)

    @functools.cached_property
    def effects(self) -> tuple[Effect, ...]:
        """What the statement creates, drops, renames or references."""
        return effects(self.statement)

    def finding(self, rule: Rule, message: str) -> Finding:
        """A finding of ``rule`` at this statement's line."""
        return rule.finding(
            self.script.path, message, line=self.statement.line, version=self.migration.version
        )


class LintContext:
    """The migration set being linted, with cached facts the rules share.

    ``known_rule_ids`` are the ids a disable directive may name: every lint rule's, plus those
    of checks that run elsewhere (``check``'s round trips).
    """

    def __init__(self, migrations: MigrationSet, known_rule_ids: frozenset[str] = frozenset()):
        self.migrations = migrations
        self.known_rule_ids = known_rule_ids
        self._located: dict[Path, tuple[Located, ...]] = {}

    def up_statements(self) -> Iterator[Located]:
        """Every statement of every up file, in version order."""
        for migration in self.migrations.migrations:
            yield from self.located(migration, migration.up)

    def scripts(self) -> Iterator[tuple[Migration, Script]]:
        """Every file: each migration's up, then its down if it has one."""
        for migration in self.migrations.migrations:
            yield migration, migration.up
            if migration.down is not None:
                yield migration, migration.down

    def statements(self) -> Iterator[Located]:
        """Every statement of every file, ups and downs."""
        for migration, script in self.scripts():
            yield from self.located(migration, script)

    def located(self, migration: Migration, script: Script) -> tuple[Located, ...]:
        """The statements of ``script``, one of ``migration``'s files."""
        # Every rule walks the statements: one Located each, so that its words and effects
        # are read once for all of them.
        found = self._located.get(script.path)
        if found is None:
            found = tuple(Located(migration, script, s) for s in script.statements)
            self._located[script.path] = found
        return found

    def is_new(self, table: ObjectName, at: Located) -> bool:
        """True if ``table`` was created earlier in the same up file than ``at``."""
        created = self._relations_created.get(at.migration.version, [])
        return any(name.same(table) and index < at.statement.index for index, name in created)

    def existing_table_alters(self) -> Iterator[tuple[Located, AlterTable]]:
        """Every ALTER TABLE in an up file on a table that is not new there."""
        return iter(self._existing_table_alters)

    @functools.cached_property
    def _existing_table_alters(self) -> list[tuple[Located, AlterTable]]:
        # A dozen rules ask: each statement is parsed once for all of them.
        found = []
        for at in self.up_statements():
            parsed = alter_table(at.words)
            if parsed is not None and not self.is_new(parsed.table, at):
                found.append((at, parsed))
        return found

    def column_definitions(self) -> list[tuple[Located, ObjectName, ColumnDef]]:
        """Every column an up file defines or retypes, in CREATE TABLE or ALTER TABLE."""
        return self._column_definitions

    @functools.cached_property
    def _column_definitions(self) -> list[tuple[Located, ObjectName, ColumnDef]]:
        # Several rules ask, once per migration: parsing every file each time is quadratic.
        return list(self._find_column_definitions())

    def _find_column_definitions(self) -> Iterator[tuple[Located, ObjectName, ColumnDef]]:
        for at in self.up_statements():
            body = create_table_body(at.words)
            if body is not None:
                for column in body.columns:
                    yield at, body.table, column
            alter = alter_table(at.words)
            if alter is not None:
                for action in alter.actions:
                    if action.column is not None:
                        yield at, alter.table, action.column

    @functools.cached_property
    def _relations_created(self) -> dict[int, list[tuple[int, ObjectName]]]:
        """For each version: (statement index, name) of each relation its up creates."""
        found: dict[int, list[tuple[int, ObjectName]]] = {}
        for at in self.up_statements():
            created = found.setdefault(at.migration.version, [])
            for effect in at.effects:
                if effect.kind not in RELATIONS:
                    continue
                if effect.change is Change.CREATE:
                    created.append((at.statement.index, effect.name))
                elif effect.change is Change.RENAME and effect.new_name:
                    created.append((at.statement.index, effect.new_name))
        return found

    @functools.cached_property
    def created_routines(self) -> dict[str, Statement]:
        """Functions and procedures the set creates, by unqualified name (last definition);
        those in ``pg_temp`` go with their migration's session and are left out."""
        found: dict[str, Statement] = {}
        for at in self.up_statements():
            for effect in at.effects:
                if (
                    effect.change is Change.CREATE
                    and effect.kind in (Kind.FUNCTION, Kind.PROCEDURE)
                    and not effect.temporary
                ):
                    found[effect.name.name] = at.statement
        return found

    @functools.cached_property
    def created_types(self) -> frozenset[str]:
        """Types and domains the set creates, by unqualified name (temporary ones left out)."""
        return frozenset(
            effect.name.name
            for at in self.up_statements()
            for effect in at.effects
            if effect.change is Change.CREATE
            and effect.kind in (Kind.TYPE, Kind.DOMAIN)
            and not effect.temporary
        )
