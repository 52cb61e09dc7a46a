"""The library behind ``diff`` and ``dump``: resolve each side to a SchemaModel, then compare.

A side is named the way a person would on the command line: a database URL, a saved snapshot
(``.json``, from ``dump --json``), a dump file (``.sql``, replayed into a scratch database),
or the migration files (all of them, or through a version number).
"""

from __future__ import annotations

import difflib
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path

import psycopg

from schemactl.catalog.load import load_schema
from schemactl.catalog.model import SchemaModel
from schemactl.config import Settings
from schemactl.dsn import describe
from schemactl.errors import SnapshotError, UsageError
from schemactl.files.migrations import Migration, Script, load_directory
from schemactl.run import db, ledger
from schemactl.run.ledger import LedgerTable
from schemactl.schema.ddl import render_schema_sql
from schemactl.schema.diff import Change, diff_models, suggest_sql
from schemactl.schema.expected import expected_schema, of_versions, through
from schemactl.schema.replay import apply_script
from schemactl.schema.scratch import open_scratch

_URL = re.compile(r"^(postgres(ql)?://|\S+=)", re.I)
_SCHEME = re.compile(r"^postgres(ql)?://", re.I)


@dataclass(frozen=True)
class Source:
    """One side of a comparison, as given: ``kind`` is database, snapshot, dump or files."""

    kind: str
    value: str
    to: int | None = None

    @property
    def label(self) -> str:
        if self.kind == "database":
            return describe(self.value or None)
        if self.kind == "files":
            return "migration files" + (f" through {self.to}" if self.to is not None else "")
        return self.value


def parse_source(text: str | None, *, default: Source) -> Source:
    """``--from``/``--to`` text as a Source: a URL, a ``.json``/``.sql`` file, or a version."""
    if text is None:
        return default
    if text.isdigit():
        return Source("files", "", int(text))
    path = Path(text)
    # A file first: a path may contain "=", which a key=value connection string does too.
    if path.suffix == ".json" and not _SCHEME.match(text):
        return Source("snapshot", text)
    if path.suffix == ".sql" and not _SCHEME.match(text):
        return Source("dump", text)
    if _URL.match(text):
        return Source("database", text)
    raise UsageError(
        f"cannot tell what {text!r} names",
        hint="give a database URL (postgresql://...), a snapshot (.json), a dump (.sql) "
        "or a migration version number",
    )


@dataclass(frozen=True)
class Comparison:
    """Two schemas and what differs; ``suggestions`` are for review only, never run."""

    from_label: str
    to_label: str
    changes: list[Change]
    suggestions: list[str]

    @property
    def identical(self) -> bool:
        return not self.changes


@dataclass(frozen=True)
class Resolver:
    """Turns Sources into models under one settings object (dir, ledger, scratch choice).

    ``notes`` collects what a person should be told about how a side was read (a ledger
    that is not there, ledger versions without files).
    """

    settings: Settings
    scratch_mode: str = "auto"
    notes: list[str] = field(default_factory=list)

    @property
    def ledger_table(self) -> LedgerTable:
        return LedgerTable.parse(self.settings.ledger_table)

    def model(self, source: Source, *, applied_from: Source | None = None) -> SchemaModel:
        """The schema ``source`` names. Files follow ``applied_from``'s ledger unless ``--to``."""
        if source.kind == "database":
            return self.live(source.value)
        if source.kind == "snapshot":
            return _read_snapshot(Path(source.value))
        if source.kind == "dump":
            return self._replayed([_dump_script(Path(source.value))])
        migrations = load_directory(self.settings.dir)
        if source.to is None and applied_from is not None and applied_from.kind == "database":
            versions = self.applied_versions(applied_from.value)
            chosen = of_versions(migrations, versions)
            lost = sorted(set(versions) - {m.version for m in chosen})
            if lost:
                self.notes.append(
                    f"the ledger records versions with no files in {self.settings.dir}: "
                    + ", ".join(map(str, lost))
                    + "; the expected schema leaves them out"
                )
        else:
            chosen = through(migrations, source.to)
        return self._migrated(chosen)

    def live(self, url: str) -> SchemaModel:
        """A live database's schema, without the ledger table (nor a schema made for it)."""
        with db.connect(url or None, purpose="diff") as conn:
            return self._without_ledger(conn)

    def applied_versions(self, url: str) -> list[int]:
        """The versions the ledger of ``url`` records (none, with a note, when it has none)."""
        table = self.ledger_table
        with db.connect(url or None, purpose="diff") as conn:
            if not ledger.exists(conn, table):
                self.notes.append(
                    f"{describe(url or None)} has no ledger table {table}: comparing with the "
                    "schema of no migrations (check --ledger-table, or give --to VERSION)"
                )
                return []
            return [row.version for row in ledger.read(conn, table)]

    def _without_ledger(self, conn: psycopg.Connection) -> SchemaModel:
        table = self.ledger_table
        model = load_schema(conn, exclude=[(table.schema, table.name)])
        return without_empty_schema(model, table.schema)

    def _migrated(self, migrations: list[Migration]) -> SchemaModel:
        with self._scratch() as url:
            return expected_schema(url, migrations)

    def _replayed(self, scripts: list[Script]) -> SchemaModel:
        with self._scratch() as url, db.connect(url, purpose="scratch") as conn:
            for script in scripts:
                apply_script(conn, script)
            return self._without_ledger(conn)

    def _scratch(self) -> AbstractContextManager[str]:
        return open_scratch(
            scratch_url=self.settings.scratch_url,
            server_url=self.settings.database_url,
            mode=self.scratch_mode,
        )


def without_empty_schema(model: SchemaModel, schema: str) -> SchemaModel:
    """``model`` without schema ``schema`` (raw name) when nothing else lives in it.

    ``up`` creates the ledger's schema if it is missing; that is the ledger's, not drift.
    """
    key = _quote_ident(schema)
    if schema == "public" or key not in model.schemas:
        return model
    prefix = f"{key}."
    for name, objects in model.collections():
        if name == "schemas":
            continue
        if any(str(k).startswith(prefix) for k in objects):
            return model
    if any(e.schema == key for e in model.extensions.values()):
        return model
    schemas = {k: v for k, v in model.schemas.items() if k != key}
    return replace(model, schemas=schemas)


def _quote_ident(name: str) -> str:
    """PostgreSQL's quote_ident, as the model spells names (keywords aside)."""
    if re.fullmatch(r"[a-z_][a-z0-9_$]*", name):
        return name
    return '"' + name.replace('"', '""') + '"'


def compare(resolver: Resolver, source_from: Source, source_to: Source) -> Comparison:
    """Compare two sides: ``changes`` turn ``source_from`` into ``source_to``."""
    actual = resolver.model(source_from)
    expected = resolver.model(source_to, applied_from=source_from)
    changes = diff_models(expected, actual)
    return Comparison(
        source_from.label, source_to.label, changes, suggest_sql(changes, expected, actual)
    )


def _read_snapshot(path: Path) -> SchemaModel:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(
            f"cannot read snapshot {path}",
            detail=str(exc),
            hint="write one with: schemactl dump --json --output FILE",
        ) from None
    try:
        return SchemaModel.from_json(text)
    except SnapshotError as error:
        error.message = f"{path}: {error.message}"
        raise


def _dump_script(path: Path) -> Script:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read dump {path}",
            detail=str(exc),
            hint="give a UTF-8 SQL file, such as one schemactl dump writes",
        ) from None
    script = Script(path, text, "", frozenset(), frozenset())
    if script.problems:  # split once here; the replay reuses the statements
        raise UsageError(
            str(script.problems[0]),
            hint="close the string, comment or body, or regenerate the dump",
        )
    return script


def dump(resolver: Resolver, source: Source, *, as_json: bool) -> str:
    """The schema ``source`` names, as deterministic SQL (or a JSON snapshot)."""
    model = resolver.model(source)
    return model.to_json() if as_json else render_schema_sql(model)


@dataclass(frozen=True)
class Staleness:
    """``dump --check``: whether FILE holds what ``dump`` writes now, and a diff if not."""

    path: Path
    current: bool
    unified_diff: str
    missing: bool = False


def check_dump(path: Path, text: str) -> Staleness:
    """Compare ``text`` with the content of ``path`` (a missing file is out of date)."""
    try:
        saved = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Staleness(path, False, "", missing=True)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"cannot read {path}", detail=str(exc), hint="check the file named by --check"
        ) from None
    if saved == text:
        return Staleness(path, True, "")
    lines = difflib.unified_diff(
        saved.splitlines(keepends=True),
        text.splitlines(keepends=True),
        fromfile=str(path),
        tofile="schemactl dump",
    )
    return Staleness(path, False, "".join(lines))
