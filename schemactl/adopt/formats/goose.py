"""goose: one ``{version}_{name}.sql`` per migration with ``-- +goose`` annotations.

As read in pressly/goose: ``migration.go`` (``NumericComponent``: the version is the integer
before the first ``_``, at least 1; ``.go`` files are Go migrations) and
``internal/sqlparser/parser.go`` (annotations ``Up``, ``Down``, ``StatementBegin``,
``StatementEnd``, ``NO TRANSACTION``, ``ENVSUB ON``/``OFF``, matched without regard to case, on
lines of their own with no leading whitespace; outside a StatementBegin/StatementEnd block a
statement ends at a line whose last word, before any ``--`` comment, ends in ``;``;
``NO TRANSACTION`` applies to the whole file).

The annotations are dropped: schemactl's splitter reads dollar quotes itself. What goose would
have sent as statements and what schemactl reads are compared (their number, and the line each
starts on); where they differ the file is refused, since the two tools would not run the same
statements. ``ENVSUB ON`` (environment variables substituted into the SQL) and Go migrations
are refused, named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from schemactl.adopt.formats.model import (
    Imported,
    Side,
    check_version,
    name_note,
    read_text,
    refuse_collisions,
    statements_of,
)
from schemactl.adopt.formats.model import schemactl_name as to_name
from schemactl.errors import FileProblem

TOOL = "goose"
_GO_MIGRATION = re.compile(r"^[0-9]+_.*\.go$")


class _State(Enum):
    START = "start"
    UP = "up"
    DOWN = "down"


@dataclass
class _Section:
    """One direction as it is read: the lines kept, and where goose's statements start."""

    lines: list[str] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    seen: bool = False  # its annotation was present


@dataclass
class _Parse:
    path: Path
    problems: list[FileProblem]
    up: _Section = field(default_factory=_Section)
    down: _Section = field(default_factory=_Section)
    state: _State = _State.START
    in_block: int | None = None  # line of the StatementBegin being read
    buffer_start: int | None = None  # line where the statement being read started
    no_transaction: int | None = None  # line of NO TRANSACTION

    def refuse(self, message: str, line: int | None = None) -> None:
        self.problems.append(FileProblem(self.path, message, line))

    @property
    def section(self) -> _Section:
        return self.up if self.state is _State.UP else self.down


def read(directory: Path, problems: list[FileProblem], skipped: list[Path]) -> list[Imported]:
    """The directory's SQL migrations; Go migrations refused, named."""
    found: list[tuple[int, Path, str]] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file():
            continue
        if _GO_MIGRATION.match(path.name) and not path.name.endswith("_test.go"):
            problems.append(
                FileProblem(
                    path,
                    "a Go migration: goose runs its Go code, and schemactl runs SQL only; "
                    "rewrite it as a SQL migration (or run its work outside migrations) and "
                    "import again",
                )
            )
            continue
        if path.suffix != ".sql":
            continue
        parsed = _file_name(path, problems)
        if parsed is not None:
            found.append((parsed[0], path, parsed[1]))
    colliding = refuse_collisions(((v, p) for v, p, _ in found), problems)
    migrations = []
    for version, path, raw_name in sorted(found):
        if version in colliding:
            continue
        migration = _migration(version, path, raw_name, problems)
        if migration is not None:
            migrations.append(migration)
    return migrations


def _file_name(path: Path, problems: list[FileProblem]) -> tuple[int, str] | None:
    before, separator, rest = path.name.partition("_")
    if not separator or not before.isdigit() or int(before) < 1:
        problems.append(
            FileProblem(
                path,
                "not named {version}_{name}.sql with a version of 1 or more: goose refuses "
                "it too; rename it, or move it out of the directory",
            )
        )
        return None
    version = int(before)
    if not check_version(path, version, problems):
        return None
    return version, rest[: -len(".sql")]


def _migration(
    version: int, path: Path, raw_name: str, problems: list[FileProblem]
) -> Imported | None:
    text = read_text(path, problems)
    if text is None:
        return None
    before = len(problems)
    parse = _Parse(path, problems)
    for number, line in enumerate(text.split("\n"), start=1):
        _line(parse, number, line)
    _end(parse)
    if len(problems) > before:
        return None
    reason = None
    if parse.no_transaction is not None:
        reason = f"'-- +goose NO TRANSACTION' on line {parse.no_transaction}"
    up = Side(path, tuple(parse.up.lines), tuple(parse.up.origins), reason)
    written_down = Side(path, tuple(parse.down.lines), tuple(parse.down.origins), reason)
    _compare(parse, "up", up, parse.up.starts)
    _compare(parse, "down", written_down, parse.down.starts)
    if len(problems) > before:
        return None
    name = to_name(raw_name)
    notes = list(name_note(raw_name, name))
    down: Side | None = written_down
    if not parse.down.seen:
        notes.append("no '-- +goose Down' section: declared irreversible")
        down = None
    elif not written_down.has_statements():
        notes.append("the Down section has no statements: declared irreversible")
        down = None
    return Imported(version, name, up, down, (path,), tuple(notes))


_ANNOTATION = re.compile(r"^\s*--.*\+goose")


def _line(parse: _Parse, number: int, line: str) -> None:
    if parse.state is _State.START and not line.strip():
        return
    if _ANNOTATION.match(line):
        _annotation(parse, number, line)
        return
    if parse.state is _State.START:
        if not line.strip().startswith("--"):
            parse.refuse(
                "SQL before '-- +goose Up': goose refuses it too; move it into the Up section",
                number,
            )
            parse.state = _State.UP  # one problem for the file, not one per line
        return
    section = parse.section
    section.lines.append(line)
    section.origins.append(number)
    if parse.buffer_start is None:
        if line.strip().startswith("--") or not line.strip():
            return  # goose skips comments and blank lines between statements
        parse.buffer_start = number
    if parse.in_block is None and _ends_statement(line):
        section.starts.append(parse.buffer_start)
        parse.buffer_start = None


def _ends_statement(line: str) -> bool:
    """goose's test: the last word before any ``--`` comment ends in a semicolon."""
    last = ""
    for word in line.split():
        if word.startswith("--"):
            break
        last = word
    return last.endswith(";")


def _annotation(parse: _Parse, number: int, line: str) -> None:
    if line[:1].isspace():
        parse.refuse("a goose annotation with leading whitespace: goose refuses it", number)
        return
    command = " ".join(line.replace("--", "").replace("+goose", "", 1).split()).lower()
    if command == "up":
        if parse.state is not _State.START:
            parse.refuse("a second '-- +goose Up': goose refuses it too", number)
        parse.state = _State.UP
        parse.up.seen = True
    elif command == "down":
        if parse.state is not _State.UP or parse.in_block is not None:
            parse.refuse("'-- +goose Down' must follow the Up section", number)
        _unfinished(parse)
        parse.state = _State.DOWN
        parse.down.seen = True
    elif command == "statementbegin":
        if parse.state is _State.START or parse.in_block is not None:
            parse.refuse("'-- +goose StatementBegin' outside an Up or Down section", number)
        parse.in_block = number
    elif command == "statementend":
        if parse.in_block is None:
            parse.refuse("'-- +goose StatementEnd' without a StatementBegin", number)
        elif parse.buffer_start is not None:
            parse.section.starts.append(parse.buffer_start)
        parse.in_block = None
        parse.buffer_start = None
    elif command == "no transaction":
        parse.no_transaction = number
    elif command == "envsub on":
        parse.refuse(
            "'-- +goose ENVSUB ON': goose substitutes environment variables into the SQL "
            "when it runs, and schemactl runs files as written; write the values into the "
            "file and remove the annotation",
            number,
        )
    elif command != "envsub off":
        parse.refuse(f"unknown goose annotation {line.strip()!r}: goose refuses it too", number)


def _unfinished(parse: _Parse) -> None:
    if parse.buffer_start is not None:
        parse.refuse(
            "a statement that does not end in ';' at the end of its line: goose never sends "
            "it (it reports a missing semicolon); end it with ';'",
            parse.buffer_start,
        )
        parse.buffer_start = None


def _end(parse: _Parse) -> None:
    if parse.state is _State.START:
        parse.refuse("no '-- +goose Up' line: not a goose SQL migration")
    elif parse.in_block is not None:
        parse.refuse("'-- +goose StatementBegin' without its StatementEnd", parse.in_block)
    else:
        _unfinished(parse)


def _compare(parse: _Parse, direction: str, side: Side, goose_starts: list[int]) -> None:
    """Refuse a section that goose and schemactl split into different statements."""
    lines = statements_of(side.text)
    if lines is None:
        return  # unterminated: validation names it
    ours = [origin for line in lines if (origin := side.origin(line)) is not None]
    if ours == goose_starts:
        return
    at = next(
        (min(a, b) for a, b in zip(ours, goose_starts, strict=False) if a != b),
        None,
    )
    if at is None:
        longer = ours if len(ours) > len(goose_starts) else goose_starts
        at = longer[min(len(ours), len(goose_starts))]
    parse.refuse(
        f"goose reads {len(goose_starts)} statements in the {direction.capitalize()} section "
        f"and schemactl {len(ours)}, first differing here: goose ends a statement at a line "
        "ending in ';' unless StatementBegin/StatementEnd surround it, schemactl where "
        "PostgreSQL would; surround a function body with StatementBegin/StatementEnd, or put "
        "each statement on lines of its own, and import again",
        at,
    )
