"""What an imported migration is, whichever tool wrote it.

Each tool's reader turns its files into ``Imported`` migrations: an integer version, a
schemactl name, and each side's lines, every one remembering the source line it came from so
that a problem found in a written file is reported where the user can fix it. Readers collect
``FileProblem``s rather than raise, so one run names every file that stands in the way.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from schemactl.errors import FileProblem
from schemactl.files.migrations import MAX_VERSION


@dataclass(frozen=True)
class Side:
    """The SQL of one direction, as lines without their ``\\n``, each with its source line."""

    source: Path
    lines: tuple[str, ...]
    origins: tuple[int, ...]
    # Why this side runs outside a transaction (the source's own words), or None.
    no_transaction: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def origin(self, line: int) -> int | None:
        """The source line of the side's 1-based ``line``."""
        return self.origins[line - 1] if 0 < line <= len(self.origins) else None

    def has_statements(self) -> bool:
        """Whether anything would run: a side of comments alone does nothing. An unterminated
        construct counts as a statement, so that validation names it rather than dropping it."""
        from schemactl.files.statements import UnterminatedError, split_statements

        try:
            return bool(split_statements(self.text))
        except UnterminatedError:
            return True


@dataclass(frozen=True)
class Imported:
    """One migration converted from another tool; ``down`` None means irreversible."""

    version: int
    name: str
    up: Side
    down: Side | None
    sources: tuple[Path, ...]
    # What the conversion decided that a reviewer should know (a name made valid, ...).
    notes: tuple[str, ...] = ()


def side(source: Path, text: str, first_line: int = 1) -> Side:
    """``text`` as a Side whose first line is ``first_line`` of ``source``."""
    lines = tuple(text.split("\n"))
    return Side(source, lines, tuple(range(first_line, first_line + len(lines))))


def pair(
    version: int,
    raw_name: str,
    up: Side,
    down: Side | None,
    sources: tuple[Path, ...],
    no_down: str,
) -> Imported:
    """One imported migration from its converted sides: its name made schemactl's, and a
    missing down, or one with no statements, declared irreversible (``no_down`` says why)."""
    name = schemactl_name(raw_name)
    notes = list(name_note(raw_name, name))
    if down is None:
        notes.append(f"{no_down}: declared irreversible")
    elif not down.has_statements():
        notes.append(f"{down.source.name} has no statements: declared irreversible")
        down = None
    return Imported(version, name, up, down, sources, tuple(notes))


def read_text(path: Path, problems: list[FileProblem]) -> str | None:
    """The file's text (UTF-8, a BOM dropped), or None with the problem noted."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            FileProblem(
                path,
                f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); schemactl reads "
                "migrations as UTF-8: convert the file (iconv) and import again",
                line,
            )
        )
        return None


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")


def schemactl_name(raw: str) -> str:
    """``raw`` (a title, a description) as a lower_snake_case name: accents dropped,
    camelCase split, every other character a separator. A name with no letters or digits
    becomes ``migration``."""
    plain = unicodedata.normalize("NFKD", raw).encode("ascii", "ignore").decode("ascii")
    words = _WORD.findall(_CAMEL.sub("_", plain).lower())
    return "_".join(words) or "migration"


def name_note(raw: str, name: str) -> tuple[str, ...]:
    """A note when the source's name had to change to be a schemactl name beyond its case
    and its spaces (``Create users`` is ``create_users`` to anyone)."""
    plain = "_".join(raw.lower().split())
    return () if plain == name else (f"name {raw!r} written as {name}",)


def check_version(path: Path, version: int, problems: list[FileProblem]) -> bool:
    """Whether ``version`` fits the ledger's bigint; notes the problem when not."""
    if version <= MAX_VERSION:
        return True
    problems.append(
        FileProblem(
            path,
            f"version {version} is beyond the largest schemactl's ledger records "
            f"({MAX_VERSION}, a bigint): renumber it, and every version after it, below that",
        )
    )
    return False


def refuse_collisions(found: Iterable[tuple[int, Path]], problems: list[FileProblem]) -> set[int]:
    """Versions that more than one source file claims (``1_a`` and ``01_b`` are both version
    1), each file noted; the caller drops those versions."""
    by_version: dict[int, list[Path]] = defaultdict(list)
    for version, path in found:
        by_version[version].append(path)
    colliding = set()
    for version, paths in by_version.items():
        if len(paths) < 2:
            continue
        colliding.add(version)
        names = ", ".join(p.name for p in sorted(paths))
        for path in paths:
            problems.append(
                FileProblem(
                    path,
                    f"version {version} is claimed by more than one file ({names}): schemactl "
                    "versions are integers and unique; renumber all but one",
                )
            )
    return colliding


def statement_spans(text: str) -> list[tuple[int, int]] | None:
    """The first and last line of each statement schemactl reads in ``text`` (None if
    unterminated)."""
    from schemactl.files.statements import UnterminatedError, split_statements

    try:
        return [(s.line, s.line + s.text.count("\n")) for s in split_statements(text)]
    except UnterminatedError:
        return None


def comment_spans(text: str) -> list[tuple[int, int]]:
    """The first and last line of each block comment of ``text`` that runs over several lines
    (none if ``text`` is unterminated: ``statement_spans`` says so)."""
    from schemactl.files.statements import TokenKind, UnterminatedError, tokenize

    spans = []
    line = 1
    try:
        for token in tokenize(text):
            breaks = token.text.count("\n")
            if token.kind is TokenKind.COMMENT and breaks:
                spans.append((line, line + breaks))
            line += breaks
    except UnterminatedError:
        return []
    return spans


def non_transactional(text: str) -> str | None:
    """The first statement of ``text`` that PostgreSQL refuses inside a transaction block
    (``CREATE INDEX CONCURRENTLY``, ``VACUUM``, ...), named as the files stage names it."""
    from schemactl.files.statements import UnterminatedError, split_statements
    from schemactl.files.transactions import outside_block

    try:
        statements = split_statements(text)
    except UnterminatedError:
        return None
    return next((found for s in statements if (found := outside_block(s)) is not None), None)
