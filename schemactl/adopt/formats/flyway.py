"""Flyway: ``V{version}__{description}.sql``, its undo ``U{version}__{description}.sql``, and
repeatable ``R__{description}.sql``.

As read in flyway/flyway: ``flyway-core/.../resource/ResourceNameParser.java`` (prefix, then
the version up to the first ``__``, then a description whose underscores are spaces; the
suffix matched without regard to case), ``.../sqlscript/SqlScriptMetadata.java`` (a
``{file}.conf`` beside a script may set ``executeInTransaction`` and
``placeholderReplacement``), ``.../parser/PlaceholderReplacingReader.java`` (``${name}`` is
replaced throughout the text) and ``flyway-database-postgresql/.../PostgreSQLParser.java`` (a
script holding ``CREATE INDEX CONCURRENTLY``, ``VACUUM``, ``ALTER SYSTEM`` and the like runs
outside a transaction).

Flyway versions may have parts (``1.1``, ``2_1``); schemactl's are integers. The import keeps
versions as they are and renumbers nothing: a version with parts is refused, named, with the
renumbering left to the user (who must then renumber ``flyway_schema_history`` the same way).
Repeatable migrations and placeholders have no schemactl equivalent and are refused, named.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from schemactl.adopt.formats.model import (
    Imported,
    Side,
    check_version,
    non_transactional,
    pair,
    read_text,
    refuse_collisions,
    side,
)
from schemactl.errors import FileProblem

TOOL = "flyway"
FILE_NAME = re.compile(r"^(?P<prefix>[VUR])(?P<version>.*?)__(?P<description>.*)\.sql$", re.DOTALL)
_VERSION = re.compile(r"^[0-9]+(?:[._][0-9]+)*$")
_PLACEHOLDER = re.compile(r"\$\{[^}\n]*\}")
_KNOWN_CONF = frozenset({"executeInTransaction", "placeholderReplacement"})


def read(directory: Path, problems: list[FileProblem], skipped: list[Path]) -> list[Imported]:
    """The directory's versioned migrations with their undo files as downs."""
    sides: dict[str, list[tuple[int, Path, str]]] = defaultdict(list)
    for path in sorted(directory.iterdir()):
        if not path.is_file() or not path.name.lower().endswith(".sql"):
            continue
        stem = path.name[: -len(".sql")] + ".sql"  # Flyway matches the suffix in any case
        match = FILE_NAME.match(stem)
        if match is None:
            problems.append(_unrecognised(path))
            continue
        found = _versioned(path, match, problems)
        if found is not None:
            sides[match["prefix"]].append(found)
    colliding = refuse_collisions(((v, p) for v, p, _ in sides["V"]), problems)
    colliding |= refuse_collisions(((v, p) for v, p, _ in sides["U"]), problems)
    undo = {v: p for v, p, _ in sides["U"] if v not in colliding}
    versioned = {v for v, _, _ in sides["V"]}
    for version, path in undo.items():
        if version not in versioned:
            problems.append(
                FileProblem(
                    path,
                    f"undo migration without a versioned migration {version}: schemactl "
                    "cannot tell what it undoes; delete it, or add its V file",
                )
            )
    migrations = []
    for version, path, description in sorted(sides["V"]):
        if version in colliding:
            continue
        migration = _migration(version, path, description, undo.get(version), problems)
        if migration is not None:
            migrations.append(migration)
    return migrations


def _unrecognised(path: Path) -> FileProblem:
    return FileProblem(
        path,
        "not named like a Flyway migration (V{version}__{description}.sql, U... or R...): a "
        "callback such as afterMigrate.sql, or a misnamed file; schemactl has no callbacks, "
        "so move it out of the directory, or rename it as a versioned migration",
    )


def _versioned(
    path: Path, match: re.Match[str], problems: list[FileProblem]
) -> tuple[int, Path, str] | None:
    prefix, version_text = match["prefix"], match["version"]
    if prefix == "R":
        problems.append(
            FileProblem(
                path,
                "a repeatable migration: Flyway runs it again whenever it changes, and "
                "schemactl has no repeatable migrations; put its current content in a "
                "versioned migration after the last one (V{next}__...sql, with CREATE OR "
                "REPLACE), write each later change as a new migration, and import again",
            )
        )
        return None
    if not _VERSION.match(version_text):
        problems.append(
            FileProblem(path, f"{version_text!r} is not a Flyway version (digits, . or _)")
        )
        return None
    if not version_text.isdigit():
        problems.append(
            FileProblem(
                path,
                f"version {version_text} has parts, and schemactl versions are integers: "
                "import keeps versions and does not renumber them; rename the files to "
                "integer versions in Flyway's order (for example 1 -> 100, 1.1 -> 101, "
                "2 -> 200), renumber flyway_schema_history's version column the same way, "
                "and import again",
            )
        )
        return None
    version = int(version_text)
    if not check_version(path, version, problems):
        return None
    return version, path, match["description"]


def _migration(
    version: int,
    up_path: Path,
    description: str,
    down_path: Path | None,
    problems: list[FileProblem],
) -> Imported | None:
    up = _side(up_path, problems)
    down = _side(down_path, problems) if down_path is not None else None
    if up is None or (down_path is not None and down is None):
        return None
    sources = (up_path,) if down_path is None else (up_path, down_path)
    return pair(version, description.replace("_", " "), up, down, sources, "no undo migration")


def _side(path: Path, problems: list[FileProblem]) -> Side | None:
    before = len(problems)
    text = read_text(path, problems)
    conf = _conf(path, problems)
    if text is None or conf is None:
        return None
    if conf.get("placeholderReplacement", "true").lower() != "false":
        _refuse_placeholders(path, text, problems)
    if len(problems) > before:
        return None
    found = side(path, text)
    in_transaction = conf.get("executeInTransaction")
    if in_transaction is not None:
        if in_transaction.lower() == "false":
            reason = f"executeInTransaction=false in {path.name}.conf"
            return Side(found.source, found.lines, found.origins, reason)
        return found
    what = non_transactional(text)
    if what is None:
        return found
    reason = f"{what}: Flyway runs such a script outside a transaction"
    return Side(found.source, found.lines, found.origins, reason)


def _conf(path: Path, problems: list[FileProblem]) -> dict[str, str] | None:
    """The script's ``.conf`` settings ({} without one), or None with its problems noted."""
    conf_path = path.with_name(path.name + ".conf")
    if not conf_path.is_file():
        return {}
    text = read_text(conf_path, problems)
    if text is None:
        return None
    settings: dict[str, str] = {}
    before = len(problems)
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, _, value = stripped.partition("=")
        key = key.strip()
        if key not in _KNOWN_CONF:
            problems.append(
                FileProblem(
                    conf_path,
                    f"script setting {key!r} has no schemactl equivalent (import reads "
                    "executeInTransaction and placeholderReplacement): remove it, or leave "
                    "the script out of the import",
                    number,
                )
            )
            continue
        settings[key] = value.strip()
    return settings if len(problems) == before else None


def _refuse_placeholders(path: Path, text: str, problems: list[FileProblem]) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        found = _PLACEHOLDER.findall(line)
        if found:
            names = ", ".join(found)
            problems.append(
                FileProblem(
                    path,
                    f"Flyway placeholder {names}: Flyway replaces it with a configured value "
                    "when it runs, and schemactl runs files as written; write the value into "
                    "the file",
                    number,
                )
            )
