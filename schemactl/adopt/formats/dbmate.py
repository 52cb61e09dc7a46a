"""dbmate: one ``{version}_{name}.sql`` per migration, in ``-- migrate:up`` and
``-- migrate:down`` sections.

As read in amacneil/dbmate: ``pkg/dbmate/db.go`` (a migration is any ``.sql`` file whose name
starts with digits, ``^(\\d+).*\\.sql$``; files are applied in the order of their names, as
strings) and ``pkg/dbmate/migration.go`` (a marker line is ``^--\\s*migrate:(up|down)``,
followed by ``key:value`` options of which ``transaction:false`` is the one read; every file
needs both markers, up first, nothing but comments before the up; several up/down pairs may
follow one another in one file). ``transaction:false`` becomes
``-- schemactl:no-transaction`` on that side; an empty down section becomes an irreversible
migration.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from schemactl.adopt.formats.model import (
    Imported,
    Side,
    check_version,
    name_note,
    read_text,
    refuse_collisions,
    schemactl_name,
)
from schemactl.errors import FileProblem

TOOL = "dbmate"
FILE_NAME = re.compile(r"^(?P<version>[0-9]+)(?P<rest>.*)\.sql$")
_MARKER = re.compile(r"^--\s*migrate:(?P<direction>up|down)(?=\s|$)(?P<options>.*)$")
_COMMENT_OR_BLANK = re.compile(r"^\s*(--.*)?$")


@dataclass(frozen=True)
class _Marker:
    direction: str
    line: int
    options: tuple[str, ...]


def read(directory: Path, problems: list[FileProblem], skipped: list[Path]) -> list[Imported]:
    """The directory's migrations, refusing any whose order dbmate and schemactl would
    disagree on; ``.sql`` files dbmate would not read go to ``skipped``."""
    found: list[tuple[int, Path, str]] = []
    for path in sorted(directory.iterdir()):
        match = FILE_NAME.match(path.name)
        if match is None or not path.is_file():
            if path.suffix == ".sql":
                skipped.append(path)
            continue
        version = int(match["version"])
        if check_version(path, version, problems):
            found.append((version, path, match["rest"].lstrip("_-. ")))
    colliding = refuse_collisions(((v, p) for v, p, _ in found), problems)
    found = [f for f in found if f[0] not in colliding]
    _refuse_reordering(found, problems)
    migrations = []
    for version, path, raw_name in found:
        migration = _migration(version, path, raw_name, problems)
        if migration is not None:
            migrations.append(migration)
    return migrations


def _refuse_reordering(found: list[tuple[int, Path, str]], problems: list[FileProblem]) -> None:
    # dbmate orders by file name, schemactl by number: 9_a.sql runs after 10_b.sql in one and
    # before it in the other. Converting silently would change what the schema went through.
    by_name = sorted(found, key=lambda f: f[1].name)
    for (v1, p1, _), (v2, p2, _) in itertools.pairwise(by_name):
        if v1 > v2:
            problems.append(
                FileProblem(
                    p2,
                    f"dbmate applies {p2.name} after {p1.name} (it orders file names as text), "
                    f"but its version {v2} is lower than {v1}, so schemactl would apply it "
                    "first: pad the versions to one width so both orders agree",
                )
            )


def _migration(
    version: int, path: Path, raw_name: str, problems: list[FileProblem]
) -> Imported | None:
    text = read_text(path, problems)
    if text is None:
        return None
    lines = text.split("\n")
    markers = _markers(path, lines, problems)
    if markers is None:
        return None
    up_marker, down_marker = markers
    up = _section(path, lines, up_marker, down_marker.line - 1)
    down: Side | None = _section(path, lines, down_marker, len(lines))
    name = schemactl_name(raw_name)
    notes = list(name_note(raw_name, name))
    assert down is not None
    if not down.has_statements():
        notes.append("the down section has no statements: declared irreversible")
        down = None
    return Imported(version, name, up, down, (path,), tuple(notes))


def _markers(
    path: Path, lines: list[str], problems: list[FileProblem]
) -> tuple[_Marker, _Marker] | None:
    """The file's up and down markers, or None with every problem noted."""
    before = len(problems)
    markers: list[_Marker] = []
    stray = False
    for number, line in enumerate(lines, start=1):
        match = _MARKER.match(line)
        if match is None:
            if not markers and not stray and not _COMMENT_OR_BLANK.match(line):
                stray = True  # the first one says it; the rest of the file may be all stray
                problems.append(
                    FileProblem(
                        path,
                        "a statement before '-- migrate:up': dbmate refuses it too; move it "
                        "into the up section",
                        number,
                    )
                )
            continue
        markers.append(_Marker(match["direction"], number, tuple(match["options"].split())))
    ups = [m for m in markers if m.direction == "up"]
    downs = [m for m in markers if m.direction == "down"]
    if not ups:
        problems.append(FileProblem(path, "no '-- migrate:up' line: not a dbmate migration"))
    if not downs:
        problems.append(
            FileProblem(
                path,
                "no '-- migrate:down' line: dbmate requires one (leave its section empty if "
                "the migration cannot be undone; it becomes irreversible)",
            )
        )
    for extra in ups[1:]:
        problems.append(
            FileProblem(
                path,
                "a second '-- migrate:up' section: dbmate runs a file's sections in turn, a "
                "schemactl migration has one up and one down; split the file into one "
                "migration per section",
                extra.line,
            )
        )
    if len(ups) == 1 and len(downs) > 1:
        problems.append(
            FileProblem(path, "a second '-- migrate:down' line: remove one", downs[1].line)
        )
    if ups and downs and downs[0].line < ups[0].line:
        problems.append(
            FileProblem(
                path, "'-- migrate:down' comes before '-- migrate:up': put it after", downs[0].line
            )
        )
    for marker in markers:
        for option in marker.options:
            if option not in ("transaction:false", "transaction:true"):
                problems.append(
                    FileProblem(
                        path,
                        f"unknown option {option!r} on the '-- migrate:{marker.direction}' line "
                        "(dbmate reads transaction:false): remove or correct it",
                        marker.line,
                    )
                )
    if len(problems) > before:
        return None
    return ups[0], downs[0]


def _section(path: Path, lines: list[str], marker: _Marker, end: int) -> Side:
    """The lines after ``marker`` up to line ``end`` (1-based, inclusive)."""
    body = lines[marker.line : end]
    origins = tuple(range(marker.line + 1, marker.line + 1 + len(body)))
    reason = None
    if "transaction:false" in marker.options:
        reason = f"transaction:false on the '-- migrate:{marker.direction}' line"
    return Side(path, tuple(body), origins, reason)
