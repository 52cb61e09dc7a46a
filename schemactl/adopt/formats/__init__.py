"""Other tools' migration directories, converted into schemactl's.

One module per tool reads its files into ``Imported`` migrations (``model``), collecting every
problem; ``target`` writes them beside the target directory, validates them as schemactl reads
them, and moves them into place. ``import_directory`` runs the two.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from schemactl.adopt.formats.target import ConvertedMigration
from schemactl.errors import FileProblem, ImportRefusedError, UsageError

TOOLS = ("golang-migrate", "dbmate", "flyway", "goose")


@dataclass(frozen=True)
class ImportResult:
    """What an import converted; ``written`` is False when the target already held it."""

    tool: str
    source: Path
    target: Path
    migrations: tuple[ConvertedMigration, ...]
    skipped: tuple[Path, ...]
    written: bool


def reader(tool: str) -> ModuleType:
    """The module that reads ``tool``'s directories."""
    from importlib import import_module

    if tool not in TOOLS:
        raise UsageError(
            f"unknown migration tool {tool!r}", hint=f"--from takes one of: {', '.join(TOOLS)}"
        )
    return import_module(f"schemactl.adopt.formats.{tool.replace('-', '_')}")


def read(tool: str, source: Path) -> tuple[list[ConvertedMigration], list[Path]]:
    """``source`` converted in memory, and the ``.sql`` files the tool itself would not read;
    raises ImportRefusedError naming every source file that cannot be converted."""
    from schemactl.adopt.formats.target import render

    module = reader(tool)
    if not source.is_dir():
        raise UsageError(
            f"{source} is not a directory",
            hint=f"pass the {tool} migration directory as SOURCE_DIR",
        )
    problems: list[FileProblem] = []
    skipped: list[Path] = []
    migrations = module.read(source, problems, skipped)
    if problems:
        problems.sort(key=lambda p: (str(p.path), p.line or 0))
        raise ImportRefusedError(problems, source=source)
    if not migrations:
        raise UsageError(
            f"no {tool} migrations in {source}",
            hint=f"pass the directory that holds the {tool} migration files",
        )
    return render(migrations), skipped


def import_directory(tool: str, source: Path, target: Path) -> ImportResult:
    """Convert ``tool``'s migration directory ``source`` into schemactl files in ``target``.

    All or nothing: the target appears with every file validated, or not at all. A target
    that already holds exactly these files is left as it is (``written`` False).
    """
    from schemactl.adopt.formats.target import files_of, is_written, write

    converted, skipped = read(tool, source)
    files = files_of(converted)
    done = is_written(target, files)
    if not done:
        write(target, source, files)
    return ImportResult(tool, source, target, tuple(converted), tuple(skipped), not done)
