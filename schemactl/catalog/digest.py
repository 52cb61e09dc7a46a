"""Schema digests: one value per schema state, equal when ``load_schema`` would be equal.

``check`` takes a digest after every step of every round trip, so a digest must cost what
changed since the last one, not what the whole schema holds. ``queries/fingerprint.sql``
gives one line per catalog row of a user object, keyed by the row; a digest is the sum of the
lines' hashes. ``SchemaDigests`` keeps the hashes from one digest to the next and asks the
server only for the lines of rows written since (each row's ``xmin``), the number of rows of
each kind (a deleted row leaves no line behind, only a smaller count), and whether the rows
the last digest saw written still exist (what a down deletes is mostly what its up wrote).
Each row also gives its name as other lines show it. When a row that was already known
renders a different line under a different name, other lines may show the old name (a table
renamed under its columns), so the digest starts over from every row; a row that keeps its
name (a column retyped, a function replaced, a view redefined) changes only its own line. So
it starts over, too, when built-in objects that lines name were written (a language renamed,
a function created in pg_catalog that makes a call need its schema). A view's or SQL-bodied
function's line is rendered again when a table it reads was written.

No line shows a column's position (``attnum``): the model compares columns by name, and a
column dropped by a down and added again by the up that follows comes back at a new position.

The converse of "equal digests, equal models" does not hold (a digest can change where the
model does not, for example when an expression refers to an object by its OID), so a caller
that sees two digests differ compares full models before it reports anything.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Collection
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from schemactl.catalog.load import PINNED_SETTINGS, query_text
from schemactl.run import db

# Sums of 128-bit hashes: the digest of a set of lines, whatever their order, updated line by
# line.
_MODULUS = 1 << 128

# The low bits of a line's hash are its name's: a changed line is a rename when they differ.
_NAME_BITS = 48
_NAME_MASK = (1 << _NAME_BITS) - 1

Hashes = dict[str, dict[str, int]]  # kind -> key -> hash of the key's line and name


class Digest:
    """One schema state's digest, and what the next digest builds on.

    Compares equal to another ``Digest`` exactly when the digests are equal.
    """

    __slots__ = ("_hashes", "_recent", "_since", "value")

    def __init__(self, value: int, hashes: Hashes, since: str, recent: list[str]):
        self.value = value
        self._hashes = hashes  # never changed once made: later digests copy what they change
        self._since = since  # rows written by this transaction ID or a later one are new
        self._recent = recent  # keys whose lines this digest rendered

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Digest) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return f"{self.value:032x}"


class SchemaDigests:
    """Digests of the database ``conn`` is connected to, each built on the one before.

    The connection must only change the schema through statements this session sends: after
    a rollback to an earlier state, ``restore`` the digest taken in it.
    """

    def __init__(self, conn: psycopg.Connection[Any]):
        self._conn = conn
        self._last: Digest | None = None

    def take(self) -> Digest:
        """The digest of the schema as it is now."""
        last = self._last
        self._last = self._from_scratch() if last is None else self._update(last)
        return self._last

    def restore(self, digest: Digest) -> None:
        """The schema is back where ``digest`` was taken (a transaction rolled back)."""
        self._last = digest

    def _from_scratch(self) -> Digest:
        rows = _lines(self._conn, since=None)
        hashes: Hashes = {}
        value = 0
        for kind, key, line, name in rows.fresh:
            line_hash = _hash(line, name)
            hashes.setdefault(kind, {})[key] = line_hash
            value += line_hash
        return Digest(value % _MODULUS, hashes, rows.since, [])

    def _update(self, last: Digest) -> Digest:
        rows = _lines(self._conn, since=last._since, keys=last._recent)
        if rows.builtin_written:
            return self._from_scratch()
        fresh: Hashes = {}
        for kind, key, line, name in rows.fresh:
            fresh.setdefault(kind, {})[key] = _hash(line, name)
        hashes = dict(last._hashes)
        value = last.value
        unsure = []
        for kind in hashes.keys() | fresh.keys() | rows.counts.keys():
            known = hashes.get(kind, {})
            new = fresh.get(kind, {})
            count = rows.counts.get(kind, 0)
            if not new and len(known) == count:
                continue
            if any((known.get(key, h) ^ h) & _NAME_MASK for key, h in new.items()):
                return self._from_scratch()  # renamed: other lines may show the old name
            merged = dict(known)
            for key, line_hash in new.items():
                value += line_hash - merged.get(key, 0)
                merged[key] = line_hash
            if len(merged) > count:
                for key in last._recent:
                    if key in merged and (kind, key) not in rows.present:
                        value -= merged.pop(key)
            if len(merged) != count:
                unsure.append(kind)
            hashes[kind] = merged
        if unsure:
            # Rows deleted that the last digest did not see written: list every key.
            everything = _lines(self._conn, since=last._since, kinds=unsure)
            for kind in unsure:
                merged = hashes[kind]
                for key in [k for k in merged if (kind, k) not in everything.present]:
                    value -= merged.pop(key)
                if len(merged) != everything.counts.get(kind, 0):
                    return self._from_scratch()  # cannot happen; never trust a guess
        recent = [key for new in fresh.values() for key in new]
        return Digest(value % _MODULUS, hashes, rows.since, recent)


def fingerprint(conn: psycopg.Connection[Any]) -> str:
    """The digest of the schema as it is now, read from every row (see ``SchemaDigests``)."""
    return str(SchemaDigests(conn).take())


def _hash(line: str, name: str) -> int:
    """128 bits: the line's hash, with its low bits replaced by the name's."""
    line_hash = int.from_bytes(hashlib.blake2b(line.encode(), digest_size=16).digest())
    name_hash = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=_NAME_BITS // 8).digest())
    return (line_hash & ~_NAME_MASK) | name_hash


class _Lines:
    """One answer of fingerprint.sql, sorted out."""

    __slots__ = ("builtin_written", "counts", "fresh", "present", "since")

    def __init__(self) -> None:
        self.fresh: list[tuple[str, str, str, str]] = []  # (kind, key, line, name) of new rows
        self.present: set[tuple[str, str]] = set()  # (kind, key) of every row listed
        self.counts: dict[str, int] = {}
        self.since = ""
        self.builtin_written = False  # built-in objects that user objects name were written


def _lines(
    conn: psycopg.Connection[Any],
    since: str | None,
    kinds: Collection[str] = (),
    keys: Collection[str] = (),
) -> _Lines:
    """The lines of rows written by transaction ``since`` or later (every row for None), the
    keys of every row of ``kinds`` and of those among ``keys`` that still exist."""
    answer = _Lines()
    for kind, key, line, name in _execute(conn, [since, list(kinds), list(keys)]):
        if kind is None:
            if key == "since":
                answer.since = line
            else:
                answer.builtin_written = True
        elif key is None:
            answer.counts[kind] = int(line)
        else:
            answer.present.add((kind, key))
            if line is not None:
                answer.fresh.append((kind, key, line, name))
    return answer


def _execute(conn: psycopg.Connection[Any], args: list[Any]) -> list[tuple[Any, ...]]:
    """fingerprint.sql run as a server-side prepared statement, in one round trip.

    It costs the server about as much to plan as to run, and check runs it hundreds of times.
    psycopg's own prepared statements do not last: it deallocates them all after any DROP,
    ALTER or ROLLBACK, which is every round trip. The name carries a hash of the text, so a
    changed text never runs under an old name.
    """
    text = _query(conn.info.server_version)
    name = f"schemactl_digest_{hashlib.sha1(text.encode()).hexdigest()[:12]}"
    prepared = _PREPARED.setdefault(conn, set())
    execute = sql.SQL("EXECUTE {}({})").format(
        sql.Identifier(name), sql.SQL(", ").join(sql.Literal(arg) for arg in args)
    )
    try:
        return _run(conn, name, text, execute.as_string(conn), prepared)
    except psycopg.errors.InvalidSqlStatementName:
        # The session dropped it (DISCARD ALL in a migration, psycopg's DEALLOCATE ALL).
        prepared.clear()
        return _run(conn, name, text, execute.as_string(conn), prepared)


def _run(
    conn: psycopg.Connection[Any], name: str, text: str, execute: str, prepared: set[str]
) -> list[tuple[Any, ...]]:
    # The settings are pinned in a transaction of the digest's own, or a savepoint of the
    # caller's, that is rolled back: what the caller had set comes back with no query to ask
    # what it was. Simple protocol, so the statements travel together.
    if conn.info.transaction_status == TransactionStatus.IDLE:
        begin, end = "BEGIN", "ROLLBACK"
    else:
        begin = "SAVEPOINT schemactl_digest"
        end = "ROLLBACK TO SAVEPOINT schemactl_digest; RELEASE SAVEPOINT schemactl_digest"
    statements = [begin, _PIN, execute, end]
    if name not in prepared:
        statements.insert(2, f"PREPARE {name}(xid, text[], text[]) AS {text.rstrip().rstrip(';')}")
    with conn.cursor() as cur:
        try:
            if not db.reads_plainly(conn):
                # The server reads the whole text before the pin takes effect: pin first.
                cur.execute(";\n".join(statements[:2]), prepare=False)
                del statements[:2]
            # Not prepare=None: once psycopg prepares a statement of its own on this
            # connection it sends DEALLOCATE ALL at the next DROP, taking this one with it.
            cur.execute(";\n".join(statements), prepare=False)
        except psycopg.Error:
            if not conn.closed and conn.info.transaction_status == TransactionStatus.INERROR:
                conn.execute(end, prepare=False)
            raise
        prepared.add(name)
        for _ in range(statements.index(execute)):
            cur.nextset()
        return cur.fetchall()


_PIN = "SELECT " + ", ".join(f"set_config('{n}', '{v}', true)" for n, v in PINNED_SETTINGS.items())


def _query(server_version: int) -> str:
    """fingerprint.sql with the columns of newer servers kept where this server has them."""

    def keep(match: re.Match[str]) -> str:
        return match[2] if server_version >= int(match[1]) * 10000 else ""

    return _SINCE.sub(keep, query_text("fingerprint"))


_SINCE = re.compile(r"/\*since (\d+): (.*?)\*/")

# What each connection has prepared, as far as this module knows (a session can drop them).
_PREPARED: weakref.WeakKeyDictionary[psycopg.Connection[Any], set[str]] = (
    weakref.WeakKeyDictionary()
)
