"""Migration files: names, versions, pairs, directives, checksums, and validation.

A migration directory holds ``NNNN_name.up.sql`` / ``NNNN_name.down.sql`` pairs. Other files
(README.md, schema.sql) are ignored; a ``.sql`` file that looks like a migration but is not
named like one is a problem, and so is anything named like one that is not a regular file.
Validation reports every problem at once and never touches a database.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import re
import stat
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from schemactl.errors import FileProblem, MigrationFileError, UsageError

if TYPE_CHECKING:
    # The lexer is imported on first split: a no-op run over unchanged files splits nothing.
    from schemactl.files.statements import Statement
    from schemactl.files.transactions import TransactionForm, Wrapper

FILE_NAME = re.compile(
    r"^(?P<version>[0-9]+)_(?P<name>[a-z0-9]+(?:_[a-z0-9]+)*)\.(?P<dir>up|down)\.sql$"
)
# The ledger's version column is a bigint: a larger version would run, then fail to be recorded.
MAX_VERSION = 9223372036854775807
_TOO_LARGE = f"version is too large: the ledger records versions up to {MAX_VERSION} (a bigint)"
_NOT_REGULAR = "named like a migration but is not a regular file ({})"
_NUL = "file contains a NUL byte (PostgreSQL cannot take one in query text)"
_DIRECTIVE = re.compile(r"^--\s*schemactl:\s*(?P<body>.*?)\s*$")
_DIRECTIVE_ANYWHERE = re.compile(r"--\s*schemactl:", re.IGNORECASE)


class Directive(StrEnum):
    """Options a file declares in its leading comments (``-- schemactl:<directive>``)."""

    NO_TRANSACTION = "no-transaction"
    IRREVERSIBLE = "irreversible"
    IDEMPOTENT = "idempotent"


DISABLE_PREFIX = "disable="


@dataclass(frozen=True)
class Script:
    """One migration file, read; its statements are split on first use."""

    path: Path
    text: str
    raw_checksum: str  # sha256 of the file's bytes: equal bytes need no re-reading
    directives: frozenset[Directive]
    disabled_rules: frozenset[str]
    read_problems: tuple[FileProblem, ...] = ()  # undecodable, empty, bad directives

    @classmethod
    def read(cls, path: Path) -> Script:
        """Read ``path``; what is wrong with it is kept in ``problems``, not raised."""
        try:
            raw = _read_bytes(path)
        except _NotRegularFileError as exc:
            problem = FileProblem(path, _NOT_REGULAR.format(exc.kind))
            return cls(path, "", "", frozenset(), frozenset(), (problem,))
        return cls._from_bytes(path, raw)

    @classmethod
    def _from_bytes(cls, path: Path, raw: bytes) -> Script:
        problems: list[FileProblem] = []
        text = _decode(path, raw, problems)
        if b"\0" in raw:
            # libpq sends query text as a C string: the statement would be cut short at the
            # NUL, and fail only once the migrations before it were applied.
            line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
            problems.append(FileProblem(path, _NUL, line))
        if text is not None and not text.strip():
            problems.append(FileProblem(path, "file is empty"))
        if text is None or problems:
            return cls(path, text or "", "", frozenset(), frozenset(), tuple(problems))
        directives, disabled = _directives(path, text, problems)
        checksum = hashlib.sha256(raw).hexdigest()
        return cls(path, text, checksum, directives, disabled, tuple(problems))

    @cached_property
    def _split(self) -> _Split:
        from schemactl.files.statements import UnterminatedError, psql_commands, split_statements
        from schemactl.files.transactions import transaction_form

        if self.read_problems:
            return _Split((), (), None, self.read_problems)
        problems: list[FileProblem] = []
        try:
            statements = split_statements(self.text)
            commands = psql_commands(self.text)
        except UnterminatedError as exc:
            line = self.text.count("\n", 0, exc.position) + 1
            return _Split((), (), None, (FileProblem(self.path, f"{exc} starting here", line),))
        copies = _check_statements(self.path, statements, problems)
        for command in commands:
            # The end of a COPY's inline data belongs to that COPY, already refused.
            if command.name != "\\." or not copies:
                problems.append(_psql_problem(self.path, command.line, command.name))
        directive_line = self._directive_line(Directive.NO_TRANSACTION)
        form = transaction_form(self.path, statements, no_transaction_line=directive_line)
        problems.extend(form.problems)
        return _Split(tuple(statements), form.statements, form, tuple(problems))

    def forget_tokens(self) -> None:
        """Drop the tokens the splitter kept for the lint (a third of what a split file
        holds), once the lint is done: what reads the statements later lexes them again."""
        split: _Split | None = self.__dict__.get("_split")
        if split is None or not split.written:
            return
        lean = {id(s): replace(s, tokens=None) for s in split.written}
        run = tuple(lean.get(id(s)) or replace(s, tokens=None) for s in split.run)
        form = replace(split.form, statements=run) if split.form is not None else None
        self.__dict__["_split"] = split._replace(
            written=tuple(lean[id(s)] for s in split.written), run=run, form=form
        )

    def _directive_line(self, directive: Directive) -> int | None:
        if directive not in self.directives:
            return None
        from schemactl.files.statements import leading_comments

        for line, comment in leading_comments(self.text):
            match = _DIRECTIVE.match(comment)
            if match and directive.value in match["body"].split():
                return line
        return None

    @property
    def problems(self) -> tuple[FileProblem, ...]:
        """What is wrong with the file, its statements included (splitting them if not done
        yet)."""
        return self._split.problems

    @property
    def statements(self) -> tuple[Statement, ...]:
        """The statements that run (a wrapper's BEGIN and COMMIT left out, see ``wrapper``);
        a file with problems raises them rather than run half-understood."""
        split = self._split
        if split.problems:
            raise MigrationFileError(list(split.problems))
        return split.run

    @cached_property
    def checksum(self) -> str:
        """Over the statements as written, a wrapper's included."""
        from schemactl.files.statements import checksum

        split = self._split
        if split.problems:
            raise MigrationFileError(list(split.problems))
        return checksum(list(split.written))

    @property
    def wrapper(self) -> Wrapper | None:
        """The file's own BEGIN ... COMMIT around all its other statements, which schemactl's
        transaction replaces (None for a file with problems)."""
        if not _MAY_WRAP.search(self.text):
            return None  # not split for this: status reads every file
        form = self._split.form
        return form.wrapper if form is not None and not self._split.problems else None

    @property
    def runs_alone(self) -> str | None:
        """The statement (as PostgreSQL names it: "CREATE INDEX CONCURRENTLY") that is the
        file's only one and cannot run in a transaction, so that the file runs outside one
        without a directive; None otherwise, and for a file with problems."""
        if self.declares_no_transaction or not _MAY_REFUSE_BLOCK.search(self.text):
            return None
        form = self._split.form
        return form.runs_alone if form is not None and not self._split.problems else None

    @property
    def declares_no_transaction(self) -> bool:
        return Directive.NO_TRANSACTION in self.directives

    @property
    def no_transaction(self) -> bool:
        """Runs statement by statement outside a transaction: declared so, or its only
        statement cannot run in one (``runs_alone``)."""
        return self.declares_no_transaction or self.runs_alone is not None


# Words without which a file can neither be wrapped nor hold a statement that refuses a
# transaction block: most files are not split to tell (``status`` reads every file).
_MAY_WRAP = re.compile(r"\b(?:begin|start)\b", re.IGNORECASE)
_MAY_REFUSE_BLOCK = re.compile(
    r"\b(?:concurrently|vacuum|cluster|database|tablespace|system|discard|prepared"
    r"|subscription|reindex)\b",
    re.IGNORECASE,
)


class _Split(NamedTuple):
    written: tuple[Statement, ...]  # every statement of the file
    run: tuple[Statement, ...]  # those sent
    form: TransactionForm | None
    problems: tuple[FileProblem, ...]


@dataclass(frozen=True)
class Migration:
    """A numbered migration: its up script and, unless irreversible, its down script.

    The down file is read on first use: a run that rolls nothing back never needs it.
    """

    version: int
    name: str
    up: Script
    down_file: str | None = None  # the down file's name, beside the up file

    @cached_property
    def down(self) -> Script | None:
        return Script.read(self.up.path.parent / self.down_file) if self.down_file else None

    @cached_property
    def down_raw_checksum(self) -> str | None:
        """sha256 of the down file's bytes, neither decoded nor split: enough to tell it is
        the file the ledger recorded. None without a down file, or one that cannot be read."""
        if self.down_file is None:
            return None
        try:
            raw = _read_bytes(self.up.path.parent / self.down_file)
        except (OSError, _NotRegularFileError):
            return None
        return hashlib.sha256(raw).hexdigest()

    @property
    def irreversible(self) -> bool:
        return Directive.IRREVERSIBLE in self.up.directives

    @property
    def label(self) -> str:
        return f"{self.version} {self.name}"


@dataclass(frozen=True)
class MigrationSet:
    """All migrations of a directory, sorted by version, and the padding width it uses."""

    directory: Path
    migrations: tuple[Migration, ...]
    width: int = 4
    by_version: dict[int, Migration] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_version", {m.version: m for m in self.migrations})

    def forget_tokens(self) -> None:
        """``Script.forget_tokens`` for every file read."""
        for migration in self.migrations:
            migration.up.forget_tokens()
            down = migration.__dict__.get("down")
            if down is not None:
                down.forget_tokens()

    def read_down_raw_checksums(self) -> None:
        """Read every down file's bytes (``Migration.down_raw_checksum``) through one
        descriptor of the directory, cheaper than one path walk per file."""
        with _Reader(self.directory) as reader:
            if reader.fd is None:
                return
            for migration in self.migrations:
                if migration.down_file is None or "down_raw_checksum" in migration.__dict__:
                    continue
                try:
                    raw = _read_bytes(migration.down_file, reader.fd)
                except (OSError, _NotRegularFileError):
                    continue  # read again by path when asked, which names the problem
                # A cached_property's own slot: the dataclass is frozen to everything else.
                migration.__dict__["down_raw_checksum"] = hashlib.sha256(raw).hexdigest()

    def validate(self, skip: Collection[int] = ()) -> None:
        """Split and check every file but those of the versions in ``skip``; raises
        MigrationFileError listing every problem."""
        problems = [
            problem
            for m in self.migrations
            if m.version not in skip
            for script in (m.up, m.down)
            if script is not None
            for problem in script.problems
        ]
        if problems:
            raise MigrationFileError(_sorted(problems))


class _Candidate:
    """A file named like a migration. A plain class: a dataclass costs half a millisecond
    to create at import, and its instances more to make, for one of each file."""

    __slots__ = ("direction", "directory", "file", "name", "version")
    regular: ClassVar[bool] = True

    def __init__(self, directory: Path, file: str, version: int, name: str, direction: str):
        self.directory = directory
        self.file = file
        self.version = version
        self.name = name
        self.direction = direction

    @property
    def path(self) -> Path:
        # Built on demand: making a Path for each of thousands of files costs more than
        # reading them. ``/`` parses the name again (3 µs); the shortcut pathlib's own
        # iterdir takes for a name known to be one component does not, where it exists.
        child = getattr(self.directory, "_make_child_relpath", None)
        return child(self.file) if child is not None else self.directory / self.file


class _NotRegular(_Candidate):
    """Something named like a migration that is not a regular file: never read, but it still
    pairs, so that its partner is not reported as lacking it."""

    __slots__ = ()
    regular = False


def load_directory(directory: Path, *, defer: bool = False) -> MigrationSet:
    """Read and validate ``directory``; raises MigrationFileError listing every problem.

    With ``defer`` the statements are left for the caller to validate (``validate``), unless
    something else is already wrong, so that one run still reports every problem.
    """
    if not directory.is_dir():
        raise MigrationFileError(
            [FileProblem(directory, "migration directory does not exist")],
            hint="pass --dir, or set dir in schemactl.toml",
        )
    problems: list[FileProblem] = []
    candidates = _scan(directory, problems)
    pairs = _pair(candidates, problems)
    migrations = []
    with _Reader(directory) as read:
        for version, (up_c, down_c) in sorted(pairs.items()):
            if up_c is None or not up_c.regular:
                continue
            up = read(up_c)
            _check_pair(up_c, up, down_c, problems)
            down_file = down_c.file if down_c is not None and down_c.regular else None
            migrations.append(Migration(version, up_c.name, up, down_file))
    migration_set = MigrationSet(directory, tuple(migrations), _width(candidates))
    if problems or any(m.up.read_problems for m in migrations):
        # Something is wrong before connecting: report every file's problems in one go.
        for m in migrations:
            problems.extend(p for s in (m.up, m.down) if s is not None for p in s.problems)
        for up_c, down_c in pairs.values():
            if (up_c is None or not up_c.regular) and down_c is not None and down_c.regular:
                problems.extend(Script.read(down_c.path).problems)
        raise MigrationFileError(_sorted(problems))
    if not defer:
        migration_set.validate()
    return migration_set


def _sorted(problems: list[FileProblem]) -> list[FileProblem]:
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))


def _scan(directory: Path, problems: list[FileProblem]) -> list[_Candidate]:
    found: list[_Candidate] = []
    names = []
    not_regular: dict[str, str] = {}  # name -> what it is instead
    # scandir's entries know whether they are regular files without a stat each (a symlink
    # costs one); sorting names, not Paths, keeps this cheap for thousands of files.
    with os.scandir(directory) as entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".sql"):
                continue
            try:
                if entry.is_file():
                    names.append(name)
                    continue
            except OSError:
                pass  # a symlink that cannot be followed (a loop): _what_is says so
            if FILE_NAME.match(name):
                # Never opened: a FIFO would block the read until something wrote to it.
                kind = _what_is(entry)
                if kind is not None:
                    not_regular[name] = kind
                names.append(name)
    names.sort()
    for name in names:
        match = FILE_NAME.match(name)
        if match:
            version, stem, direction = int(match["version"]), match["name"], match["dir"]
            if version > MAX_VERSION:
                problems.append(FileProblem(directory / name, _TOO_LARGE))
            elif not_regular and name in not_regular:
                problems.append(
                    FileProblem(directory / name, _NOT_REGULAR.format(not_regular[name]))
                )
                found.append(_NotRegular(directory, name, version, stem, direction))
            else:
                found.append(_Candidate(directory, name, version, stem, direction))
        elif name[0].isdigit() or name.endswith((".up.sql", ".down.sql")):
            problems.append(
                FileProblem(
                    directory / name,
                    "file name does not match NNNN_lower_snake_name.up.sql or .down.sql",
                )
            )
    return found


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "a special file")


def _what_is(entry: os.DirEntry[str]) -> str | None:
    """What an entry that is not a regular file is, for the problem that names it (None if
    it became one since the scan asked)."""
    link = entry.is_symlink()
    try:
        mode = entry.stat().st_mode
    except FileNotFoundError:
        return "a symlink to nothing" if link else "gone while the directory was read"
    except OSError as exc:
        reason = (exc.strerror or str(exc)).lower()
        return f"a symlink that cannot be followed: {reason}" if link else reason
    if stat.S_ISREG(mode):
        return None
    return f"a symlink to {_kind(mode)}" if link else _kind(mode)


def _pair(
    candidates: list[_Candidate], problems: list[FileProblem]
) -> dict[int, tuple[_Candidate | None, _Candidate | None]]:
    by_key: dict[tuple[int, str], list[_Candidate]] = defaultdict(list)
    for c in candidates:
        by_key[(c.version, c.direction)].append(c)
    pairs: dict[int, tuple[_Candidate | None, _Candidate | None]] = {}
    for (version, direction), group in by_key.items():
        if len(group) > 1:
            names = ", ".join(c.file for c in group)
            for c in group:
                problems.append(FileProblem(c.path, f"duplicate version {version} ({names})"))
            continue
        up, down = pairs.get(version, (None, None))
        pairs[version] = (group[0], down) if direction == "up" else (up, group[0])
    up_versions = {c.version for c in candidates if c.direction == "up"}
    for c in candidates:
        if c.direction == "down" and c.regular and c.version not in up_versions:
            up_name = c.file.removesuffix(".down.sql") + ".up.sql"
            problems.append(FileProblem(c.path, f"down file has no up file ({up_name})"))
    for up, down in pairs.values():
        if up and down and up.name != down.name:
            problems.append(
                FileProblem(down.path, f"down file's name does not match its up ({up.file})")
            )
    return pairs


def _check_pair(
    up_c: _Candidate, up: Script, down_c: _Candidate | None, problems: list[FileProblem]
) -> None:
    irreversible = Directive.IRREVERSIBLE in up.directives
    if down_c is None and not irreversible:
        problems.append(
            FileProblem(
                up_c.path,
                "up file has no down file: add "
                f"{up_c.path.name.replace('.up.sql', '.down.sql')} or declare "
                "'-- schemactl:irreversible'",
            )
        )
    if down_c is not None and irreversible:
        problems.append(
            FileProblem(down_c.path, "down file exists but its up file is declared irreversible")
        )


class _Reader:
    """Reads a directory's files as Scripts, each opened relative to one descriptor of the
    directory where the platform allows: the kernel then walks one name per file instead of
    the whole path, and no path string is formatted for it."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.fd: int | None = None

    def __enter__(self) -> _Reader:
        if os.open in os.supports_dir_fd:
            # Otherwise files are read by path, which reports a problem as it always has.
            with contextlib.suppress(OSError):
                self.fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            os.close(self.fd)

    def __call__(self, candidate: _Candidate) -> Script:
        path = candidate.path
        if self.fd is None:
            return Script.read(path)
        try:
            raw = _read_bytes(candidate.file, self.fd)
        except (OSError, _NotRegularFileError):
            # Read again by path: an error then names the path, and what is not a regular
            # file becomes the script's problem.
            return Script.read(path)
        return Script._from_bytes(path, raw)


class _NotRegularFileError(Exception):
    """What was opened as a migration file is not a regular file."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


# The scan never opens what is not a regular file, but a FIFO put in a file's place since
# (a down file is read long after the scan) must not block: with O_NONBLOCK it opens at once,
# and reads as empty or unready. A regular file reads the same either way.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)


def _read_bytes(path: Path | str, dir_fd: int | None = None) -> bytes:
    """The file's bytes. Plain os-level reads: the buffered file object ``read_bytes`` builds
    costs more than reading a small file, and a run reads every file of the directory."""
    fd = os.open(path, _OPEN_FLAGS, dir_fd=dir_fd)
    try:
        chunks = []
        try:
            while chunk := os.read(fd, 1 << 16):  # under malloc's mmap threshold
                chunks.append(chunk)
        except (BlockingIOError, IsADirectoryError):
            _refuse_unless_regular(fd)
            raise
        if not chunks:
            # Only what reads as empty needs a look at what it is: one stat for the rare
            # empty file rather than one for every file.
            _refuse_unless_regular(fd)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _refuse_unless_regular(fd: int) -> None:
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise _NotRegularFileError(_kind(mode))


def _decode(path: Path, raw: bytes, problems: list[FileProblem]) -> str | None:
    try:
        if not raw.startswith(codecs.BOM_UTF8):
            # The same result as utf-8-sig without a BOM, but decoded in C: utf-8-sig's
            # decode is a Python function, a microsecond per file.
            return raw.decode("utf-8")
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            FileProblem(path, f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line)
        )
        return None


def _directives(
    path: Path, text: str, problems: list[FileProblem]
) -> tuple[frozenset[Directive], frozenset[str]]:
    directives: set[Directive] = set()
    disabled: set[str] = set()
    if not _DIRECTIVE_ANYWHERE.search(text):
        return frozenset(), frozenset()
    leading_lines = set()
    from schemactl.files.statements import leading_comments

    for line, comment in leading_comments(text):
        match = _DIRECTIVE.match(comment)
        if not match:
            continue
        leading_lines.add(line)
        for word in match["body"].split():
            if word.startswith(DISABLE_PREFIX):
                disabled.update(r for r in word[len(DISABLE_PREFIX) :].split(",") if r)
            elif word in Directive._value2member_map_:
                directives.add(Directive(word))
            else:
                known = ", ".join([*(d.value for d in Directive), "disable=RULE"])
                problems.append(
                    FileProblem(
                        path, f"unknown directive 'schemactl:{word}' (known: {known})", line
                    )
                )
    for number, line_text in enumerate(text.splitlines(), start=1):
        if number not in leading_lines and _DIRECTIVE_ANYWHERE.search(line_text):
            problems.append(
                FileProblem(path, "directives must come before the first statement", number)
            )
    return frozenset(directives), frozenset(disabled)


def _check_statements(path: Path, statements: list[Statement], problems: list[FileProblem]) -> bool:
    """Add the file's client-side COPYs to ``problems``; True if it has any."""
    from schemactl.files.statements import is_client_copy

    found = False
    for statement in statements:
        if is_client_copy(statement):
            found = True
            problems.append(
                FileProblem(
                    path,
                    "COPY ... FROM STDIN or TO STDOUT in a migration: its data travels with "
                    "the client, and schemactl sends and reads none (write the rows as INSERT "
                    "statements, or COPY from a file on the server)",
                    statement.line,
                )
            )
    return found


def _psql_problem(path: Path, line: int, name: str) -> FileProblem:
    if name in ("\\c", "\\connect"):
        instead = (
            "it has no equivalent: a run applies one directory to one database "
            "(--database-url); put the other database's migrations in a directory of their own"
        )
    elif name == "\\set" or name == "\\unset":
        instead = (
            "remove it: schemactl stops at the first error, as ON_ERROR_STOP does, and "
            "expands no psql variables"
        )
    else:
        instead = "remove it, or write what it does as SQL"
    from schemactl.files.transactions import PSQL_WHY, KindedFileProblem, ProblemKind

    return KindedFileProblem(
        path,
        f"psql meta-command {name} in a migration: {PSQL_WHY} ({instead})",
        line,
        ProblemKind.PSQL_META_COMMAND,
    )


def _width(candidates: list[_Candidate]) -> int:
    widths = [len(c.file.split("_", 1)[0]) for c in candidates]
    return max(widths, default=4)


def next_file_names(migration_set: MigrationSet, name: str) -> tuple[str, str]:
    """File names for a new migration after the highest version, padded like the others."""
    if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", name):
        raise UsageError(
            f"invalid migration name {name!r}",
            hint="use lower_snake_case: letters, digits and single underscores",
        )
    versions = [m.version for m in migration_set.migrations]
    version = max(versions, default=0) + 1
    if version > MAX_VERSION:
        raise UsageError(
            f"the next version would be {version}, beyond the largest the ledger records "
            f"({MAX_VERSION}, a bigint)",
            hint="the highest version leaves no room after it: number the new migration "
            "by hand, below it",
        )
    stem = f"{version:0{migration_set.width}d}_{name}"
    up, down = f"{stem}.up.sql", f"{stem}.down.sql"
    name_max = _name_max(migration_set.directory)
    if len(down) > name_max:  # the name is ASCII: its characters are bytes
        longest = max(name_max - (len(down) - len(name)), 0)
        raise UsageError(
            f"migration name is too long ({len(name)} characters; at most {longest} "
            "characters here)",
            detail=f"the down file's name would be {len(down)} bytes, and the file system of "
            f"{migration_set.directory} allows names of up to {name_max} bytes",
            hint="shorten the name",
        )
    return up, down


def _name_max(directory: Path) -> int:
    """The longest file name ``directory`` takes, in bytes. A directory not made yet is
    asked through its nearest parent: it will be made on that file system."""
    for path in (directory, *directory.parents):
        try:
            limit = os.pathconf(path, "PC_NAME_MAX")
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            break
        if limit > 0:  # -1: no limit known
            return limit
        break
    return 255  # NAME_MAX on every common file system
