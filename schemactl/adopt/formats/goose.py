"""goose: one ``{version}_{name}.sql`` per migration with ``-- +goose`` annotations.

As read in pressly/goose: ``migration.go`` (``NumericComponent``: the version is the integer
before the first ``_``, at least 1; ``.go`` files are Go migrations) and
``internal/sqlparser/parser.go`` (annotations ``Up``, ``Down``, ``StatementBegin``,
``StatementEnd``, ``NO TRANSACTION``, ``ENVSUB ON``/``OFF``, matched without regard to case, on
lines of their own with no leading whitespace; outside a StatementBegin/StatementEnd block a
statement ends at a line whose last word, before any ``--`` comment, ends in ``;``;
``NO TRANSACTION`` applies to the whole file).

The annotations are dropped: schemactl's splitter reads dollar quotes itself. goose sends each
of its statements as one query text with no parameters, which its PostgreSQL drivers (pgx, lib/pq)
send by the simple protocol: the server runs every statement in that text, so a
StatementBegin/StatementEnd block of several statements (or two statements on one line) runs as
schemactl runs them one by one. The file is refused only where goose would cut one of
schemactl's statements in two (a function body without StatementBegin), since the two tools
would then not run the same SQL. ``ENVSUB ON`` (environment variables substituted into the
SQL) and Go migrations are refused, named.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from schemactl.adopt.formats.model import (
    Imported,
    Side,
    check_version,
    comment_spans,
    name_note,
    read_text,
    refuse_collisions,
    statement_spans,
)
from schemactl.adopt.formats.model import schemactl_name as to_name
from schemactl.errors import FileProblem

TOOL = "goose"
_GO_MIGRATION = re.compile(r"^[0-9]+_.*\.go$")


class _State(Enum):
    START = "start"
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class _Query:
    """One text goose sends: its first and last source line, and whether StatementBegin and
    StatementEnd surround it."""

    first: int
    last: int
    block: bool


@dataclass
class _Section:
    """One direction as it is read: the lines kept, and the texts goose would send."""

    lines: list[str] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    queries: list[_Query] = field(default_factory=list)
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
    up_groups = _compare(parse, "up", up, parse.up.queries)
    down_groups = _compare(parse, "down", written_down, parse.down.queries)
    if len(problems) > before:
        return None
    name = to_name(raw_name)
    notes = list(name_note(raw_name, name))
    if reason is not None:
        notes.extend(_one_query_notes("Up", up_groups))
        notes.extend(_one_query_notes("Down", down_groups))
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
        section.queries.append(_Query(parse.buffer_start, number, block=False))
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
            parse.section.queries.append(_Query(parse.buffer_start, number - 1, block=True))
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


def _compare(
    parse: _Parse, direction: str, side: Side, queries: list[_Query]
) -> list[tuple[_Query, int]]:
    """Refuse a section where goose would cut one of schemactl's statements, or a comment, in
    two; else the queries that hold several of schemactl's statements, with how many."""
    spans = statement_spans(side.text)
    if spans is None:
        return []  # unterminated: validation names it
    ours = [_in_source(side, span) for span in spans]
    comments = [_in_source(side, span) for span in comment_spans(side.text)]
    count = f"goose reads {len(queries)} statements in the {direction.capitalize()} section "
    count += f"and schemactl {len(ours)}"
    for query in queries:
        if (cut := _cut(ours, query.last)) is not None:
            parse.refuse(_cut_statement(count, query, cut), query.last)
            return []
        if (cut := _cut(comments, query.last)) is not None:
            parse.refuse(
                f"{count}: goose ends a statement at this line (its last word ends in ';'), "
                f"inside the comment running to line {cut[1]}, and would send an unclosed "
                "comment; take the ';' off the end of this line, and import again",
                query.last,
            )
            return []
    held = [0] * len(queries)
    firsts = [q.first for q in queries]
    for first, _ in ours:
        at = bisect_right(firsts, first) - 1
        if at < 0 or first > queries[at].last:
            parse.refuse(f"{count}: goose does not send the statement starting here", first)
            return []
        held[at] += 1
    return [(q, n) for q, n in zip(queries, held, strict=True) if n > 1]


def _in_source(side: Side, span: tuple[int, int]) -> tuple[int, int]:
    return side.origins[span[0] - 1], side.origins[span[1] - 1]


def _cut(spans: list[tuple[int, int]], line: int) -> tuple[int, int] | None:
    """The span that goes on after ``line`` although it starts on it or before (spans are in
    order and do not overlap, so only the last to start by then can)."""
    at = bisect_right(spans, (line, _LAST)) - 1
    return spans[at] if at >= 0 and spans[at][1] > line else None


_LAST = 1 << 62


def _cut_statement(count: str, query: _Query, statement: tuple[int, int]) -> str:
    if query.block:
        where = "goose's StatementEnd ends its statement after this line"
        fix = "move StatementEnd after the end of that statement"
    else:
        where = "goose ends a statement at this line (its last word ends in ';')"
        fix = "surround that statement (a function body) with StatementBegin/StatementEnd"
    return (
        f"{count}: {where}, inside the statement schemactl reads, as PostgreSQL would, from "
        f"line {statement[0]} to line {statement[1]}: the two would not run the same SQL; "
        f"{fix}, and import again"
    )


def _one_query_notes(direction: str, groups: list[tuple[_Query, int]]) -> list[str]:
    """Where goose, in a NO TRANSACTION file, sent several statements as one query: the
    server runs such a query as one implicit transaction, and schemactl runs them one by one."""
    notes = []
    for query, count in groups:
        lines = f"line {query.first}"
        if query.last > query.first:
            lines = f"lines {query.first}-{query.last}"
        notes.append(
            f"{direction} {lines}: goose sent these {count} statements as one query, all or "
            "nothing; schemactl runs them one at a time, as the file has no transaction"
        )
    return notes
