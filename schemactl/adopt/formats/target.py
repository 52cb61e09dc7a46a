"""The target directory: converted migrations become files, are validated, and move into place.

Nothing half-written: every file goes into a new directory beside the target, schemactl's own
``load_directory`` reads that directory back, and only then does one ``rename`` make it the
target. A target that already holds exactly these files is left alone; one that holds anything
else is refused. A problem validation finds is reported at the source file and line it came
from, not at the temporary file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from schemactl.adopt.formats.model import Imported, Side
from schemactl.errors import FileProblem, ImportRefusedError, MigrationFileError, UsageError
from schemactl.files.migrations import Directive

_DIRECTIVE = "-- schemactl:{}"


@dataclass(frozen=True)
class WrittenFile:
    """One schemactl file, its text, and where each of its lines came from."""

    name: str
    text: str
    side: Side
    directives: tuple[Directive, ...]
    # The source line of each line of ``text`` (None for a line the import added).
    origins: tuple[int | None, ...]


@dataclass(frozen=True)
class ConvertedMigration:
    """An imported migration and the files written for it."""

    migration: Imported
    up: WrittenFile
    down: WrittenFile | None


def render(migrations: list[Imported]) -> list[ConvertedMigration]:
    """The files for ``migrations``, versions padded to one width (at least four digits, as
    ``new`` makes them, and no narrower than the widest version: a source's own padding is
    kept when it was consistent)."""
    width = max([4, *(len(str(m.version)) for m in migrations)])
    converted = []
    for m in migrations:
        stem = f"{m.version:0{width}d}_{m.name}"
        up_directives = [Directive.NO_TRANSACTION] if m.up.no_transaction else []
        if m.down is None:
            up_directives.append(Directive.IRREVERSIBLE)
        up = _file(f"{stem}.up.sql", m.up, up_directives)
        down = None
        if m.down is not None:
            down_directives = [Directive.NO_TRANSACTION] if m.down.no_transaction else []
            down = _file(f"{stem}.down.sql", m.down, down_directives)
        converted.append(ConvertedMigration(m, up, down))
    return converted


def _file(name: str, side: Side, directives: list[Directive]) -> WrittenFile:
    lines, origins = _trimmed(side)
    head = [_DIRECTIVE.format(d.value) for d in directives]
    if not lines:
        # An empty file is a problem to schemactl (usually a mistake); in the source it was a
        # migration that did nothing, and it is recorded as one: say so in SQL's own terms.
        lines, origins = [f"-- {side.source.name} has no statements here"], [None]
    text = "\n".join([*head, *lines]) + "\n"
    return WrittenFile(name, text, side, tuple(directives), (*([None] * len(head)), *origins))


def _trimmed(side: Side) -> tuple[list[str], list[int | None]]:
    """The side's lines without leading and trailing blank lines."""
    lines: list[str] = list(side.lines)
    origins: list[int | None] = list(side.origins)
    while lines and not lines[0].strip():
        del lines[0], origins[0]
    while lines and not lines[-1].strip():
        del lines[-1], origins[-1]
    return lines, origins


def files_of(converted: list[ConvertedMigration]) -> list[WrittenFile]:
    return [f for c in converted for f in (c.up, c.down) if f is not None]


def is_written(target: Path, files: list[WrittenFile]) -> bool:
    """Whether ``target`` exists and is not empty. True when it holds exactly ``files``
    (nothing to do); refuses a target that holds anything else."""
    if not target.exists() and not target.is_symlink():
        return False
    if not target.is_dir():
        raise UsageError(
            f"{target} is not a directory",
            hint="pass --dir with the directory the converted migrations should go to",
        )
    present = sorted(os.listdir(target))
    if not present:
        return False
    expected = {f.name: f.text.encode("utf-8") for f in files}
    if present == sorted(expected) and all(
        (target / name).is_file() and (target / name).read_bytes() == text
        for name, text in expected.items()
    ):
        return True
    raise UsageError(
        f"{target} is not empty: import writes a new migration directory and never mixes "
        "with files already there",
        detail=f"{len(present)} entries there, for example {present[0]}",
        hint="pass --dir with a new or empty directory",
    )


def write(target: Path, source: Path, files: list[WrittenFile]) -> None:
    """Write ``files`` beside ``target``, validate them, and move them into place as one
    directory; raises ImportRefusedError (at the source files) when validation finds a
    problem, leaving nothing behind."""
    made = _make_parents(target.parent)
    staging = target.parent / f".{target.name}.import-{secrets.token_hex(4)}"
    try:
        os.mkdir(staging)
        for f in files:
            (staging / f.name).write_bytes(f.text.encode("utf-8"))
        _validate(staging, source, files)
        _move(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for directory in reversed(made):
            with contextlib.suppress(OSError):  # not empty: someone else's now
                directory.rmdir()
        raise


def _make_parents(parent: Path) -> list[Path]:
    """Make ``parent`` and its missing ancestors; returns those made, outermost first."""
    missing = [p for p in (parent, *parent.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir()
    return list(reversed(missing))


def _validate(staging: Path, source: Path, files: list[WrittenFile]) -> None:
    from schemactl.files.migrations import load_directory

    try:
        load_directory(staging)
    except MigrationFileError as error:
        by_name = {f.name: f for f in files}
        problems = [_at_source(p, by_name) for p in error.problems]
        raise ImportRefusedError(
            problems,
            source=source,
            hint="schemactl would refuse these files as converted; fix the source files "
            "listed and import again (nothing was written)",
        ) from None


def _at_source(problem: FileProblem, files: dict[str, WrittenFile]) -> FileProblem:
    written = files.get(problem.path.name)
    if written is None:
        return problem
    line = None
    if problem.line is not None and 0 < problem.line <= len(written.origins):
        line = written.origins[problem.line - 1]
    return FileProblem(
        written.side.source, f"{problem.message} (in its conversion, {written.name})", line
    )


def _move(staging: Path, target: Path) -> None:
    try:
        # One rename: the target appears whole or not at all. An empty directory in its
        # place is replaced; one that filled up meanwhile makes this fail.
        os.rename(staging, target)
    except OSError as exc:
        raise UsageError(
            f"cannot move the converted migrations into {target}: {exc.strerror or exc}",
            hint="pass --dir with a new or empty directory; nothing was written",
        ) from None
