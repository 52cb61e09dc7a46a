"""How a migration file's statements stand to the transaction schemactl runs it in.

Three findings, from the statements alone, before anything runs:

- a file wrapped in ``BEGIN; ... COMMIT;`` (golang-migrate's usual form): schemactl's own
  transaction takes the wrapper's place, so the wrapper is not sent;
- transaction control anywhere else (a ``COMMIT`` midway, a ``BEGIN`` in a no-transaction
  file, ``PREPARE TRANSACTION``): refused, each with the edit that fixes it;
- statements PostgreSQL refuses inside a transaction block: a file whose only statement is one
  runs outside a transaction by itself; any other transactional file holding one is refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from pathlib import Path

from schemactl.errors import FileProblem
from schemactl.files.statements import Statement, Token, TokenKind, UnterminatedError, tokenize

NO_TRANSACTION = "'-- schemactl:no-transaction'"


class ProblemKind(StrEnum):
    """The refusals of a file's statements that are told apart by kind, not by their
    sentences (``check`` reports each under the rule of that id, with its ``ADVICE``)."""

    TRANSACTION_CONTROL = "transaction-control"
    NEEDS_OWN_FILE = "needs-own-file"
    PSQL_META_COMMAND = "psql-meta-command"


@dataclass(frozen=True)
class KindedFileProblem(FileProblem):
    """A file problem that says which kind of refusal it is."""

    kind: ProblemKind | None = None


@dataclass(frozen=True)
class Advice:
    """One kind of refusal in general: what it is, why the file cannot run, the way out."""

    summary: str
    why: str
    instead: str


# Shared by the problems' own sentences and the advice below, so that both say the same.
OWN_MIGRATION = "move it into a migration of its own"
ONE_TRANSACTION = "each migration runs in one transaction already"
PSQL_WHY = "schemactl sends SQL only, and the server cannot run psql's commands"
_ONE_BY_ONE = "to run its statements one by one, each committed on its own"

ADVICE = {
    ProblemKind.TRANSACTION_CONTROL: Advice(
        "transaction control other than a BEGIN ... COMMIT around the whole file",
        "schemactl runs each migration in one transaction, with its ledger row: a COMMIT or "
        "ROLLBACK inside would end it before the row is written, PREPARE TRANSACTION would "
        "hand it to a two-phase commit that nothing finishes, and a no-transaction file has "
        "no transaction to control",
        f"remove it ({ONE_TRANSACTION}); or make BEGIN and COMMIT the file's first and last "
        "statements, to wrap all of it; or split the file into two migrations where it "
        "commits",
    ),
    ProblemKind.NEEDS_OWN_FILE: Advice(
        "a statement that cannot run inside a transaction block, in a file that runs in one",
        "PostgreSQL refuses it inside a transaction block, so the migration would fail every "
        "time, after the migrations before it were applied",
        f"{OWN_MIGRATION}: a migration whose only statement is one that cannot run in a "
        "transaction runs outside one by itself, with no directive; or declare "
        f"{NO_TRANSACTION} at the top of the file (without BEGIN and COMMIT) {_ONE_BY_ONE}",
    ),
    ProblemKind.PSQL_META_COMMAND: Advice(
        "a psql meta-command (\\set, \\connect, ...) in a migration",
        PSQL_WHY,
        "remove it, or write what it does as SQL (schemactl stops at the first error, as "
        "ON_ERROR_STOP does; for \\connect, put the other database's migrations in a "
        "directory of their own)",
    ),
}


def _control_problem(path: Path, message: str, line: int) -> FileProblem:
    return KindedFileProblem(path, message, line, ProblemKind.TRANSACTION_CONTROL)


class Control(Enum):
    """A statement that starts, ends or hands off a transaction, or works inside one."""

    BEGIN = "begin"  # BEGIN [WORK|TRANSACTION], START TRANSACTION
    COMMIT = "commit"  # COMMIT or END [WORK|TRANSACTION]
    ROLLBACK = "rollback"  # ROLLBACK or ABORT
    PREPARE = "prepare"  # PREPARE TRANSACTION
    SAVEPOINT = "savepoint"  # SAVEPOINT, RELEASE, ROLLBACK TO


@dataclass(frozen=True)
class ControlStatement:
    kind: Control
    name: str  # as the file spells its first words: "START TRANSACTION", "END"
    rest: str  # what follows them: BEGIN's modes, COMMIT's AND CHAIN ("" for none)

    @property
    def ends_plainly(self) -> bool:
        """A COMMIT or END that leaves no transaction open behind it (no AND CHAIN)."""
        return self.kind is Control.COMMIT and self.rest in ("", "AND NO CHAIN")


@dataclass(frozen=True)
class Wrapper:
    """The file's own ``BEGIN`` and ``COMMIT`` around all its other statements."""

    begin: Statement
    end: Statement


@dataclass(frozen=True)
class TransactionForm:
    """What runs of a file, and how: ``statements`` are those sent (without a wrapper,
    numbered from 0 again; lines stay the file's); ``runs_alone`` names the one statement of a
    file that runs outside a transaction because PostgreSQL refuses it inside one."""

    statements: tuple[Statement, ...]
    wrapper: Wrapper | None = None
    runs_alone: str | None = None
    problems: tuple[FileProblem, ...] = ()


def words(text: str) -> tuple[str, ...]:
    """The significant tokens of ``text``: unquoted words lower-cased, the rest as written."""
    try:
        tokens = list(tokenize(text))
    except UnterminatedError:
        return ()
    return words_of_tokens(tokens)


def statement_words(statement: Statement) -> tuple[str, ...]:
    """``words`` of ``statement``, from the tokens its splitter kept where it has them."""
    if statement.tokens is None:
        return words(statement.text)
    return tuple(
        text.lower() if kind is TokenKind.WORD else text for kind, text in statement.tokens
    )


def words_of_tokens(tokens: Iterable[Token]) -> tuple[str, ...]:
    """``words`` for tokens already read (the lint's words hand theirs over)."""
    return tuple(
        t.text.lower() if t.kind is TokenKind.WORD else t.text
        for t in tokens
        if t.kind not in (TokenKind.SPACE, TokenKind.COMMENT)
    )


_CONTROL_FIRST = frozenset({"begin", "start", "commit", "end", "rollback", "abort", "prepare",
                            "savepoint", "release"})  # fmt: skip


def control(statement: Statement) -> ControlStatement | None:
    """The transaction control ``statement`` is, or None. ``COMMIT PREPARED`` and ``ROLLBACK
    PREPARED`` finish another transaction and are not: they cannot run inside a block."""
    if statement.normalized.split(" ", 1)[0] not in _CONTROL_FIRST:
        return None
    return control_of_words(statement_words(statement))


def control_of_words(w: Sequence[str]) -> ControlStatement | None:
    """``control`` for a statement's ``words``."""
    first = w[0] if w else ""
    if first in ("savepoint", "release"):
        return ControlStatement(Control.SAVEPOINT, first.upper(), "")
    if first == "prepare":
        if len(w) > 2 and w[1] == "transaction" and w[2].startswith("'"):
            return ControlStatement(Control.PREPARE, "PREPARE TRANSACTION", "")
        return None
    if first == "start":
        if len(w) < 2 or w[1] != "transaction":
            return None
        return ControlStatement(Control.BEGIN, "START TRANSACTION", _rest(w, 2))
    kind = {"begin": Control.BEGIN, "commit": Control.COMMIT, "end": Control.COMMIT,
            "rollback": Control.ROLLBACK, "abort": Control.ROLLBACK}.get(first)  # fmt: skip
    if kind is None:
        return None
    i = 2 if len(w) > 1 and w[1] in ("work", "transaction") else 1
    following = w[i] if i < len(w) else ""
    if following == "prepared":
        return None
    if kind is Control.ROLLBACK and following == "to":
        return ControlStatement(Control.SAVEPOINT, "ROLLBACK TO SAVEPOINT", "")
    return ControlStatement(kind, " ".join(w[:i]).upper(), _rest(w, i))


def _rest(w: Sequence[str], start: int) -> str:
    return " ".join(w[start:]).upper().replace(" ,", ",")


# --- statements PostgreSQL refuses inside a transaction block ----------------------------
#
# Every call of PreventInTransactionBlock in PostgreSQL 15's backend (REL_15: tcop/utility.c,
# commands/dbcommands.c, tablespace.c, vacuum.c, cluster.c, indexcmds.c, discard.c,
# subscriptioncmds.c), named as PostgreSQL names them in its error:
#
#   CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY,
#   REINDEX SCHEMA | SYSTEM | DATABASE, VACUUM (not ANALYZE alone), CLUSTER without a table,
#   ALTER TABLE ... DETACH CONCURRENTLY, CREATE DATABASE, DROP DATABASE,
#   ALTER DATABASE SET TABLESPACE, CREATE TABLESPACE, DROP TABLESPACE, ALTER SYSTEM,
#   DISCARD ALL, COMMIT PREPARED, ROLLBACK PREPARED,
#   CREATE SUBSCRIPTION ... WITH (create_slot = true) (the default while connect is true),
#   ALTER SUBSCRIPTION ... REFRESH, ALTER SUBSCRIPTION with refresh (SET/ADD/DROP PUBLICATION,
#   refresh defaulting to true), DROP SUBSCRIPTION (of one with a replication slot).
#
# Three depend on the database, not the text: CLUSTER and REINDEX TABLE|INDEX of a partitioned
# table refuse a block, and DROP SUBSCRIPTION only when the subscription has a slot. The first
# two are not found here (the lint's requires-no-transaction rule looks for them); DROP
# SUBSCRIPTION counts unless the same file first sets the subscription's slot_name to NONE.
# ALTER TYPE ... ADD VALUE runs in a block since PostgreSQL 12, the oldest schemactl supports.

_OUTSIDE_FIRST = frozenset({"create", "drop", "reindex", "vacuum", "cluster", "alter",
                            "discard", "commit", "rollback"})  # fmt: skip
_FALSE = frozenset({"false", "off", "0", "'false'", "'off'", "'0'"})


def outside_block(statement: Statement) -> str | None:
    """The name PostgreSQL gives ``statement`` when it refuses to run it inside a transaction
    block ("CREATE INDEX CONCURRENTLY"), or None if it runs in one."""
    normalized = statement.normalized
    if normalized.split(" ", 1)[0] not in _OUTSIDE_FIRST:
        return None
    if normalized.startswith(("create ", "drop ", "alter ")) and not _may_refuse(normalized):
        return None
    return outside_block_of_words(statement_words(statement))


def _may_refuse(normalized: str) -> bool:
    # CREATE, DROP and ALTER are most of a migration: only these words can make one refuse.
    return any(
        word in normalized
        for word in ("concurrently", "database", "tablespace", "system", "subscription")
    )


def outside_block_of_words(w: Sequence[str]) -> str | None:
    """``outside_block`` for a statement's ``words``."""
    first = w[0] if w else ""
    if first == "vacuum":
        return "VACUUM"
    if first in ("commit", "rollback") and len(w) > 1 and w[1] == "prepared":
        return f"{first.upper()} PREPARED"
    if first == "discard":
        return "DISCARD ALL" if _at(w, 1) == "all" else None
    if first == "cluster":
        return _cluster(w)
    if first == "reindex":
        return _reindex(w)
    if first == "create":
        return _create(w)
    if first == "drop":
        return _drop(w)
    if first == "alter":
        return _alter(w)
    return None


def _at(w: Sequence[str], i: int) -> str:
    return w[i] if 0 <= i < len(w) else ""


def _group_end(w: Sequence[str], i: int) -> int:
    """The index after the bracketed group opening at ``i`` (``i`` itself if none opens)."""
    if _at(w, i) != "(":
        return i
    depth = 0
    for j in range(i, len(w)):
        depth += {"(": 1, ")": -1}.get(w[j], 0)
        if depth == 0:
            return j + 1
    return len(w)


def _options(w: Sequence[str], start: int, stop: int) -> dict[str, str]:
    """``name [=] value`` pairs of an option list ``(a = x, b)``; a bare name reads "true"."""
    found: dict[str, str] = {}
    parts: list[list[str]] = [[]]
    for word in w[start + 1 : stop - 1]:
        if word == ",":
            parts.append([])
        elif word != "=":
            parts[-1].append(word)
    for part in parts:
        if part:
            found[part[0].strip('"')] = part[1].lower() if len(part) > 1 else "true"
    return found


def _with_options(w: Sequence[str]) -> dict[str, str]:
    for i, word in enumerate(w):
        if word == "with" and _at(w, i + 1) == "(":
            return _options(w, i + 1, _group_end(w, i + 1))
    return {}


def _cluster(w: Sequence[str]) -> str | None:
    i = _group_end(w, 1)
    if _at(w, i) == "verbose":
        i += 1
    return "CLUSTER" if i >= len(w) else None


def _reindex(w: Sequence[str]) -> str | None:
    i = _group_end(w, 1)
    options = _options(w, 1, i) if i > 1 else {}
    kind = _at(w, i)
    concurrently = _at(w, i + 1) == "concurrently" or (
        "concurrently" in options and options["concurrently"] not in _FALSE
    )
    if concurrently:
        return "REINDEX CONCURRENTLY"
    if kind in ("schema", "system", "database"):
        return f"REINDEX {kind.upper()}"
    return None


def _create(w: Sequence[str]) -> str | None:
    i = 2 if _at(w, 1) == "unique" else 1
    if _at(w, i) == "index" and _at(w, i + 1) == "concurrently":
        return "CREATE INDEX CONCURRENTLY"
    second = _at(w, 1)
    if second in ("database", "tablespace"):
        return f"CREATE {second.upper()}"
    if second == "subscription":
        options = _with_options(w)
        connect = options.get("connect", "true") not in _FALSE
        if connect and options.get("create_slot", "true") not in _FALSE:
            return "CREATE SUBSCRIPTION ... WITH (create_slot = true)"
    return None


def _drop(w: Sequence[str]) -> str | None:
    second = _at(w, 1)
    if second == "index" and _at(w, 2) == "concurrently":
        return "DROP INDEX CONCURRENTLY"
    if second in ("database", "tablespace", "subscription"):
        return f"DROP {second.upper()}"
    return None


def _alter(w: Sequence[str]) -> str | None:
    second = _at(w, 1)
    if second == "system":
        return "ALTER SYSTEM"
    if second == "database":
        return _alter_database(w)
    if second == "table":
        detach = next((i for i, x in enumerate(w) if x == "detach"), None)
        if detach is not None and _at(w, detach + 1) == "partition" and "concurrently" in w:
            return "ALTER TABLE ... DETACH CONCURRENTLY"
        return None
    if second == "subscription":
        action = _at(w, 3)
        if action == "refresh":
            return "ALTER SUBSCRIPTION ... REFRESH"
        publication = action in ("set", "add", "drop") and _at(w, 4) == "publication"
        if publication and _with_options(w).get("refresh", "true") not in _FALSE:
            return "ALTER SUBSCRIPTION with refresh"
    return None


def _alter_database(w: Sequence[str]) -> str | None:
    # ALTER DATABASE d SET TABLESPACE t, or the option form ALTER DATABASE d [WITH] TABLESPACE t;
    # ALTER DATABASE d SET default_tablespace ... is a setting, and runs in a block.
    action = _at(w, 3)
    if action == "set":
        return "ALTER DATABASE SET TABLESPACE" if _at(w, 4) == "tablespace" else None
    if action in ("reset", "rename", "owner", "refresh"):
        return None
    return "ALTER DATABASE SET TABLESPACE" if "tablespace" in w[3:] else None


def _drops_slot_first(statement: Statement) -> bool:
    """``ALTER SUBSCRIPTION ... SET (slot_name = NONE)``: a DROP SUBSCRIPTION after it in the
    same transaction drops no replication slot, and PostgreSQL runs it in the block."""
    if not statement.normalized.startswith("alter subscription "):
        return False
    return _with_or_set(statement_words(statement)).get("slot_name") == "none"


def _with_or_set(w: Sequence[str]) -> dict[str, str]:
    if _at(w, 3) == "set" and _at(w, 4) == "(":
        return _options(w, 4, _group_end(w, 4))
    return {}


# --- a file's form ------------------------------------------------------------------------


def transaction_form(
    path: Path, statements: Sequence[Statement], *, no_transaction_line: int | None
) -> TransactionForm:
    """How ``statements`` (all of a file, as written) run, and what is wrong with them.

    ``no_transaction_line`` is the line of the file's ``-- schemactl:no-transaction``, None
    when it has none.
    """
    controls = [(s, c) for s in statements if (c := control(s)) is not None]
    wrapper = _wrapper(statements, controls)
    if no_transaction_line is not None:
        return _no_transaction(path, statements, controls, wrapper, no_transaction_line)
    problems: list[FileProblem] = []
    body: Sequence[Statement] = statements
    if wrapper is not None:
        body = statements[1:-1]
        _check_modes(path, wrapper, problems)
    else:
        # A BEGIN first and a COMMIT last stand once the file is split where the others are.
        outer = _outer(statements, controls)
        for statement, found in controls:
            if found.kind is not Control.SAVEPOINT and statement not in outer:
                message = _stray_control(statements, statement, found)
                problems.append(_control_problem(path, message, statement.line))
    refused = _refusing_block(body)
    if len(body) == 1 and refused and wrapper is None:
        return TransactionForm(_numbered(body), runs_alone=refused[0][1])
    for statement, name in refused:
        message = _needs_no_block(name, wrapper)
        problems.append(
            KindedFileProblem(path, message, statement.line, ProblemKind.NEEDS_OWN_FILE)
        )
    return TransactionForm(_numbered(body), wrapper, None, tuple(problems))


def _wrapper(
    statements: Sequence[Statement], controls: list[tuple[Statement, ControlStatement]]
) -> Wrapper | None:
    """The wrapper, when the first statement begins a transaction, the last ends it plainly,
    and no other statement begins or ends one."""
    ends = [(s, c) for s, c in controls if c.kind is not Control.SAVEPOINT]
    if len(ends) != 2 or len(statements) < 2:
        return None
    (first, opening), (last, closing) = ends
    if first is not statements[0] or last is not statements[-1]:
        return None
    if opening.kind is not Control.BEGIN or not closing.ends_plainly:
        return None
    return Wrapper(first, last)


def _outer(
    statements: Sequence[Statement], controls: list[tuple[Statement, ControlStatement]]
) -> tuple[Statement, ...]:
    ends = [(s, c) for s, c in controls if c.kind is not Control.SAVEPOINT]
    if len(ends) < 3:
        return ()
    (first, opening), (last, closing) = ends[0], ends[-1]
    begins = first is statements[0] and opening.kind is Control.BEGIN and not opening.rest
    ends_file = last is statements[-1] and closing.ends_plainly
    return (first, last) if begins and ends_file else ()


def _refusing_block(statements: Sequence[Statement]) -> list[tuple[Statement, str]]:
    found = []
    slotless = False
    for statement in statements:
        name = outside_block(statement)
        if name == "DROP SUBSCRIPTION" and slotless:
            continue
        slotless = slotless or _drops_slot_first(statement)
        if name is not None:
            found.append((statement, name))
    return found


def _numbered(statements: Sequence[Statement]) -> tuple[Statement, ...]:
    return tuple(s if s.index == i else replace(s, index=i) for i, s in enumerate(statements))


def _check_modes(path: Path, wrapper: Wrapper, problems: list[FileProblem]) -> None:
    opening = control(wrapper.begin)
    assert opening is not None
    if not opening.rest:
        return
    problems.append(
        _control_problem(
            path,
            f"transaction control statement {opening.name} {opening.rest}: schemactl runs "
            "the wrapped statements in its own read-write transaction, at the database's "
            "default isolation level, and writes the migration's ledger row in it, so it "
            "cannot give them these modes (write a plain BEGIN; for another isolation level, "
            "set default_transaction_isolation for the role that runs schemactl)",
            wrapper.begin.line,
        )
    )


def _stray_control(
    statements: Sequence[Statement], statement: Statement, found: ControlStatement
) -> str:
    """The problem with a transaction control statement that is not part of a wrapper, with
    the edit that fixes it."""
    what = f"transaction control statement {found.name} {found.rest}".rstrip()
    last = statement is statements[-1]
    after = statements[statement.index + 1] if not last else None
    # A new migration starts with what this one begins, or after what this one ends.
    starts = statement if found.kind is Control.BEGIN else after
    split = f"; or split the file at line {starts.line} into two migrations" if starts else ""
    if found.kind is Control.PREPARE:
        return (
            f"{what} in a migration: it hands the migration's transaction to a two-phase "
            "commit that nothing would finish, with the ledger row inside it (remove it)"
        )
    if found.kind is Control.BEGIN:
        if statement is statements[0]:
            return (
                f"{what} starts the file, but no COMMIT (or END) ends it as its last statement "
                "(end the file with COMMIT to wrap all of it, or remove the BEGIN: each "
                "migration already runs in one transaction)"
            )
        return f"{what} inside a migration: {ONE_TRANSACTION} (remove it{split})"
    if found.kind is Control.COMMIT and last and found.ends_plainly:
        return (
            f"{what} ends the file, but no BEGIN starts it (remove it: each migration runs "
            "in one transaction already; or start the file with BEGIN to wrap all of it)"
        )
    effect = "undo" if found.kind is Control.ROLLBACK else "commit"
    if last:
        return (
            f"{what} at the end of a migration would {effect} its transaction before its "
            "ledger row is written with it (remove it)"
        )
    return (
        f"{what} inside a migration would {effect} its transaction before the end of the "
        "file: what follows would run outside it, and the migration's ledger row could not be "
        f"written with it (remove it{split})"
    )


def _needs_no_block(name: str, wrapper: Wrapper | None) -> str:
    alone = (
        f"a migration whose only statement is {name} runs outside a transaction by itself, "
        "with no directive"
    )
    if wrapper is not None:
        return (
            f"{name} cannot run inside a transaction block, and this file wraps it in BEGIN "
            f"(line {wrapper.begin.line}) ... COMMIT (line {wrapper.end.line}) "
            f"({OWN_MIGRATION}: {alone}; or remove BEGIN and COMMIT and declare "
            f"{NO_TRANSACTION} at the top of the file)"
        )
    return (
        f"{name} cannot run inside a transaction block, and this file runs in one "
        f"({OWN_MIGRATION}: {alone}; or declare {NO_TRANSACTION} at the top of the file "
        f"{_ONE_BY_ONE})"
    )


def _no_transaction(
    path: Path,
    statements: Sequence[Statement],
    controls: list[tuple[Statement, ControlStatement]],
    wrapper: Wrapper | None,
    directive_line: int,
) -> TransactionForm:
    if wrapper is not None:
        problem = _control_problem(
            path,
            f"transaction control statement: the file is wrapped in BEGIN (line "
            f"{wrapper.begin.line}) ... COMMIT (line {wrapper.end.line}) and declares "
            f"{NO_TRANSACTION} (line {directive_line}): it cannot run both ways (remove the "
            "directive to run it as one transaction, or remove BEGIN and COMMIT to run its "
            "statements one by one)",
            wrapper.begin.line,
        )
        return TransactionForm(tuple(statements), problems=(problem,))
    problems = tuple(
        _control_problem(
            path,
            f"transaction control statement {found.name} in a no-transaction migration: its "
            "statements run one by one, each committed on its own, with no transaction to "
            f"{'work in' if found.kind is Control.SAVEPOINT else found.name.split()[0].lower()} "
            f"(remove it; or remove {NO_TRANSACTION} (line {directive_line}) to run the file "
            "as one transaction)",
            statement.line,
        )
        for statement, found in controls
    )
    return TransactionForm(tuple(statements), problems=problems)
