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

Where event triggers record what each statement touches (``touched.install``, a superuser's
scratch database), a digest does not scan the catalogs at all: it renders again the groups of
rows (an object with its parts, see fingerprint.sql) of what the statements since the last
digest created, altered or dropped, and of the views and functions that read them; after a
rename, of everything that depends on what was renamed. Statements the events do not describe
(see touched.sql), or that write catalog rows directly (``distrust``), make that digest scan
as above.

The converse of "equal digests, equal models" does not hold (a digest can change where the
model does not, for example when an expression refers to an object by its OID), so a caller
that sees two digests differ compares full models before it reports anything.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import weakref
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from schemactl.catalog.load import PINNED_SETTINGS, query_text
from schemactl.catalog.touched import EVENTS_TABLE, Tracking
from schemactl.files.statements import SEPARATOR
from schemactl.run import db

# Sums of 128-bit hashes: the digest of a set of lines, whatever their order, updated line by
# line.
_MODULUS = 1 << 128

# The low bits of a line's hash are its name's: a changed line is a rename when they differ.
_NAME_BITS = 48
_NAME_MASK = (1 << _NAME_BITS) - 1

Hashes = dict[str, dict[str, int]]  # kind -> key -> hash of the key's line and name
Key = tuple[str, str]  # (kind, key)
Line = tuple[str, str, int, int]  # (kind, key, hash of the line and name, group)
Rows = Iterable[tuple[Any, ...]]

# Kinds whose key is their row's OID, which a dropped object's event gives.
_KEYED_BY_OID = (
    "relation",
    "index",
    "sequence",
    "partitioned",
    "constraint",
    "type",
    "function",
    "trigger",
    "schema",
    "extension",
    "collation",
    "operator class",
    "operator family",
    "operator",
    "text search configuration",
    "text search dictionary",
)
_NONE: dict[str, int] = {}  # a kind no digest holds yet (never written to)
# The group of policies and extension members, which every digest renders.
_ALWAYS = 0
# Takes between two prunings of what SchemaDigests remembers of keys no longer held.
_PRUNE_EVERY = 200


class Digest:
    """One schema state's digest, and what the next digest builds on.

    Compares equal to another ``Digest`` exactly when the digests are equal.
    """

    __slots__ = ("__weakref__", "_hashes", "_mark", "_recent", "_since", "value")

    def __init__(
        self, value: int, hashes: Hashes, since: str, recent: list[str], mark: int | None = None
    ):
        self.value = value
        self._hashes = hashes  # never changed once made: later digests copy what they change
        self._since = since  # rows written by this transaction ID or a later one are new
        self._recent = recent  # keys whose lines this digest rendered
        self._mark = mark  # the last event recorded when it was taken (None: not tracked)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Digest) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return f"{self.value:032x}"

    @property
    def mark(self) -> int | None:
        """The last event the triggers had recorded when it was taken (None: not tracked)."""
        return self._mark

    def holds(self, kind: str, key: str) -> bool:
        """Whether the schema it was taken of had the catalog row ``key`` of ``kind`` (a
        relation's or sequence's OID, a column's ``relid.attnum``; see fingerprint.sql)."""
        return key in self._hashes.get(kind, _NONE)


class SchemaDigests:
    """Digests of the database ``conn`` is connected to, each built on the one before.

    The connection must only change the schema through statements this session sends: after
    a rollback to an earlier state, ``restore`` the digest taken in it. With ``tracking``
    (event triggers ``touched.install`` put on this session), a digest renders what the
    statements since the last one touched instead of scanning the catalogs.
    """

    def __init__(self, conn: psycopg.Connection[Any], tracking: Tracking | None = None):
        self._conn = conn
        self._last: Digest | None = None
        self._tracking = tracking
        self._distrusted = False
        self._renaming = False
        # The keys each group has held in any digest so far: a key's group never changes
        # (fingerprint.sql), so one index serves every digest, rolled back or not.
        self._groups: dict[int, set[Key]] = {}
        # Sequences a table owned (their 'depends' keys), for learning that one was dropped
        # with what owned it (DROP IDENTITY), which no event reports.
        self._owned: dict[int, set[str]] = {}
        # Both grow with every object ever made (each up makes new OIDs): what no digest that
        # can still be restored holds is dropped now and then.
        self._issued: weakref.WeakSet[Digest] = weakref.WeakSet()
        self._until_pruned = _PRUNE_EVERY

    @property
    def tracked(self) -> bool:
        """Whether digests follow the event triggers (they stop when the triggers go)."""
        return self._tracking is not None

    def take(self, step: str = "") -> Digest:
        """The digest of the schema as it is now; with ``step``, once these statements (one
        text, run on the server as one) have run.

        Inside a transaction, a tracked digest sends the step and its own queries in one
        round trip. A step that fails raises its error, and so may anything else in that
        round trip: either way the caller's transaction is left failed for it to roll back,
        and the digest unchanged.
        """
        last = self._last
        tracking = self._tracking if last is not None and last._mark is not None else None
        # Outside a transaction the digest's own BEGIN and ROLLBACK would take the step in.
        idle = self._conn.info.transaction_status == TransactionStatus.IDLE
        if step and (tracking is None or idle):
            self._conn.execute(step.encode("utf-8"), prepare=False)
            step = ""
        if last is None:
            self._last = self._from_scratch(self._first_mark())
        elif tracking is not None:
            self._last = self._touched(last, tracking, step)
        else:
            self._last = self._update(last, None)
        self._issued.add(self._last)
        self._until_pruned -= 1
        if self._until_pruned <= 0:
            self._prune()
        return self._last

    def restore(self, digest: Digest) -> None:
        """The schema is back where ``digest`` was taken (a transaction rolled back)."""
        self._last = digest

    def distrust(self) -> None:
        """The next statements may write catalog rows no event reports (``UPDATE pg_attribute``
        ...): the next digest scans the catalogs."""
        self._distrusted = True

    def expect_renames(self) -> None:
        """The next statements may rename objects that other lines name (``RENAME``, ``SET
        SCHEMA``): the next digest renders what depends on what they touched at once, instead
        of learning it from a changed name and asking again."""
        self._renaming = True

    def _first_mark(self) -> int | None:
        if self._tracking is None:
            return None
        try:
            [[(mark,)]] = _execute(self._conn, [(_MARK, [], list)])
        except psycopg.errors.UndefinedTable:
            self._tracking = None
            return None
        return int(mark)

    def _from_scratch(self, mark: int | None) -> Digest:
        rows = _lines(self._conn, since=None)
        hashes: Hashes = {}
        value = 0
        for kind, key, line_hash, group in rows.fresh:
            hashes.setdefault(kind, {})[key] = line_hash
            value += line_hash
            self._index(kind, key, group)
        return Digest(value % _MODULUS, hashes, rows.since, [], mark)

    def _prune(self) -> None:
        """Forget the keys no digest that can still be restored holds."""
        self._until_pruned = _PRUNE_EVERY
        live = [digest._hashes for digest in self._issued]

        def held(kind: str, key: str) -> bool:
            return any(key in hashes.get(kind, ()) for hashes in live)

        for group, keys in list(self._groups.items()):
            kept = {(kind, key) for kind, key in keys if held(kind, key)}
            if kept:
                self._groups[group] = kept
            else:
                del self._groups[group]
        for owner, owned in list(self._owned.items()):
            kept_owned = {key for key in owned if held("depends", key)}
            if kept_owned:
                self._owned[owner] = kept_owned
            else:
                del self._owned[owner]

    def _index(self, kind: str, key: str, group: int) -> None:
        self._groups.setdefault(group, set()).add((kind, key))
        if kind == "depends":
            _, owner, _, deptype = key.split(".")
            if deptype in ("a", "i"):
                self._owned.setdefault(int(owner), set()).add(key)

    def _touched(self, last: Digest, tracking: Tracking, step: str) -> Digest:
        distrusted, self._distrusted = self._distrusted, False
        renamed, self._renaming = self._renaming, False
        while True:
            try:
                changes, rows = _touched_lines(self._conn, last, tracking, renamed, step)
            except psycopg.errors.UndefinedTable:
                if step:
                    raise  # the step's own error, as likely as the digest's
                # A migration dropped the events table.
                self._tracking = None
                return self._update(last, None)
            if changes.untracked:
                self._tracking = None
                return self._update(last, None)
            if changes.fallback or distrusted:
                return self._update(last, changes.mark)
            digest = self._merge(last, changes, rows, renamed)
            if digest is not None:
                return digest
            renamed = True  # lines that show the old name: render what depends on it
            step = ""

    def _merge(self, last: Digest, changes: _Changes, rows: _Lines, renamed: bool) -> Digest | None:
        """``last`` with the touched groups rendered again; None when a known row was renamed
        and not everything that depends on it was rendered (``renamed`` False)."""
        rendered: dict[Key, int] = {}
        for kind, key, line_hash, group in rows.fresh:
            known = last._hashes.get(kind, {}).get(key)
            if not renamed and known is not None and (known ^ line_hash) & _NAME_MASK:
                return None
            rendered[(kind, key)] = line_hash
            self._index(kind, key, group)
        gone: set[Key] = set()
        for group in changes.scope:
            gone.update(self._groups.get(group, ()))
            for owned in self._owned.get(group, ()):
                sequence = int(owned.split(".")[0])
                if sequence not in changes.scope and owned in last._hashes.get("depends", {}):
                    gone.update(self._groups.get(sequence, ()))
        for classid, objid, objsubid in changes.dropped:
            gone.update(_dropped_keys(last._hashes, classid, objid, objsubid))
        # Most of a group rendered again is as it was: only the kinds with a line added,
        # changed or gone are copied (a kind of a large schema holds thousands).
        removed: dict[str, list[str]] = {}
        for kind, key in gone.difference(rendered):
            if key in last._hashes.get(kind, _NONE):
                removed.setdefault(kind, []).append(key)
        changed: dict[str, dict[str, int]] = {}
        for (kind, key), line_hash in rendered.items():
            if last._hashes.get(kind, _NONE).get(key) != line_hash:
                changed.setdefault(kind, {})[key] = line_hash
        hashes = dict(last._hashes) if removed or changed else last._hashes
        value = last.value
        for kind in removed.keys() | changed.keys():
            merged = dict(hashes.get(kind, _NONE))
            for key in removed.get(kind, ()):
                value -= merged.pop(key)
            for key, line_hash in changed.get(kind, _NONE).items():
                value += line_hash - merged.get(key, 0)
                merged[key] = line_hash
            hashes[kind] = merged
        recent = [key for _, key in rendered]
        return Digest(value % _MODULUS, hashes, rows.since, recent, changes.mark)

    def _update(self, last: Digest, mark: int | None) -> Digest:
        rows = _lines(self._conn, since=last._since, keys=last._recent)
        if rows.builtin_written:
            return self._from_scratch(mark)
        fresh: Hashes = {}
        for kind, key, line_hash, group in rows.fresh:
            fresh.setdefault(kind, {})[key] = line_hash
            self._index(kind, key, group)
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
                return self._from_scratch(mark)  # renamed: other lines may show the old name
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
                    return self._from_scratch(mark)  # cannot happen; never trust a guess
        recent = [key for new in fresh.values() for key in new]
        return Digest(value % _MODULUS, hashes, rows.since, recent, mark)


def fingerprint(conn: psycopg.Connection[Any]) -> str:
    """The digest of the schema as it is now, read from every row (see ``SchemaDigests``)."""
    return str(SchemaDigests(conn).take())


def _dropped_keys(hashes: Hashes, classid: int, objid: int, objsubid: int) -> list[Key]:
    """The keys in ``hashes`` a dropped object's own rows had: its comment's, and its OID's
    or column's."""
    if objsubid:
        candidates = [("column", f"{objid}.{objsubid}")]
    else:
        candidates = [(kind, str(objid)) for kind in _KEYED_BY_OID]
    candidates.append(("comment", f"{classid}.{objid}.{objsubid}"))
    return [(kind, key) for kind, key in candidates if key in hashes.get(kind, ())]


def _hash(line: str, name: str) -> int:
    """128 bits: the line's md5 (as fingerprint.sql sends it), with its low bits replaced by
    the name's."""
    return (int(line, 16) & ~_NAME_MASK) | (int(name, 16) & _NAME_MASK)


class _Lines:
    """One answer of fingerprint.sql, sorted out."""

    __slots__ = ("builtin_written", "counts", "fresh", "present", "since")

    def __init__(self) -> None:
        self.fresh: list[Line] = []  # (kind, key, hash, group) of new rows
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
    answer: _Lines
    [answer] = _execute(conn, [(_FINGERPRINT, [since, list(kinds), list(keys)], _sorted_out)])
    return answer


def _sorted_out(rows: Rows) -> _Lines:
    """The answer read row by row as it comes, each line kept as its hash: a full render of a
    large schema is never held as rows (a second run's first digest, in check, was the peak
    of its memory)."""
    answer = _Lines()
    for kind, key, line, name, group in rows:
        if kind is None:
            if key == "since":
                answer.since = line
            else:
                answer.builtin_written = True
        elif key is None:
            answer.counts[kind] = int(line)
        else:
            # Interned, as every index of (kind, key) pairs holds the kind's name.
            kind = sys.intern(kind)
            answer.present.add((kind, key))
            if line is not None:
                answer.fresh.append((kind, key, _hash(line, name), int(group)))
    return answer


class _Changes:
    """One answer of touched.sql, sorted out."""

    __slots__ = ("dropped", "fallback", "mark", "scope", "untracked")

    def __init__(self, rows: Rows) -> None:
        self.mark = 0
        self.scope: set[int] = {_ALWAYS}
        self.dropped: list[tuple[int, int, int]] = []
        self.fallback: list[str] = []
        for what, text, classid, objid, objsubid in rows:
            if what == "mark":
                self.mark = int(text)
            elif what == "scope":
                self.scope.update(int(group) for group in text.strip("{}").split(",") if group)
            elif what == "dropped":
                self.dropped.append((int(classid), int(objid), int(objsubid)))
            else:
                self.fallback.append(text)
        self.untracked = any(reason.startswith("untracked") for reason in self.fallback)


def _touched_lines(
    conn: psycopg.Connection[Any], last: Digest, tracking: Tracking, renamed: bool, step: str
) -> tuple[_Changes, _Lines]:
    """What the statements since ``last`` (and ``step``, run first) touched, and the lines of
    its groups: touched.sql sets the scope that fingerprint.sql then reads, in one transaction
    and round trip."""
    changes, lines = _execute(
        conn,
        [
            (_TOUCHED, [last._mark, last._since, renamed, list(tracking.trigger_names)], _Changes),
            (_FINGERPRINT_SCOPED, [], _sorted_out),
        ],
        step,
    )
    return changes, lines


@dataclass(frozen=True)
class _Query:
    """A query the digests run as a server-side prepared statement: a file in queries/ (or
    the text itself), its parameters' types, and whether it is planned for lookups.

    ``bound`` gives values for the file's parameters, written into the text: the planner
    then folds away what they decide (every branch a render with no transaction ID skips),
    and the statement takes no parameters.
    """

    file: str
    parameters: str = ""
    text: str = ""
    lookups: bool = False
    bound: tuple[str, ...] = ()

    # Asked before every run of the query; the few queries are module constants, kept alive
    # anyway, so the cache holds nothing that would otherwise be freed.
    @functools.cache  # noqa: B019
    def prepared(self, server_version: int) -> tuple[str, str]:
        """Its name and text for this server: a hash of the text (and of how it is planned)
        is in the name, so a changed text never runs under an old name."""
        text = self.text or _query(self.file, server_version)
        if self.bound:
            text = _PARAMETER.sub(lambda match: self.bound[int(match[1]) - 1], text)
        planned = f"{text}\n{self.lookups}"
        return f"schemactl_{self.file}_{hashlib.sha1(planned.encode()).hexdigest()[:12]}", text


# The queries that read what a step touched are planned (once, a generic plan) with sequential
# scans off, so that each of their lookups by OID stays an index lookup. A scratch database's
# catalog statistics are its template's until autovacuum analyzes them, which may be midway
# through a check and re-plans the query: planned on either, lookups in pg_index, pg_trigger
# or pg_constraint became scans of catalogs the schema grows (fingerprint.sql took 2.6 ms a
# digest at 300 realistic migrations, 1.9 ms with lookups), and touched.sql, planned on fresh
# statistics, once took 17 ms. The full render and the scan by transaction ID read every row
# and keep the planner's choice.
_FINGERPRINT = _Query("fingerprint", "xid, text[], text[]")
_FINGERPRINT_SCOPED = _Query(
    "fingerprint", lookups=True, bound=("NULL::xid", "'{}'::text[]", "'{}'::text[]")
)
_TOUCHED = _Query("touched", "bigint, xid, boolean, text[]", lookups=True)
_MARK = _Query("mark", text=f"SELECT coalesce(max(n), 0) FROM {EVENTS_TABLE}")


Call = tuple[_Query, list[Any], Callable[[Rows], Any]]  # a query, its arguments, its reader


def _execute(conn: psycopg.Connection[Any], calls: list[Call], step: str = "") -> list[Any]:
    """Each query run with its arguments, in order, as server-side prepared statements in one
    round trip (after ``step``, see ``SchemaDigests.take``); what each call's reader makes of
    its rows, read as they come.

    They cost the server about as much to plan as to run, and check runs them hundreds of
    times. psycopg's own prepared statements do not last: it deallocates them all after any
    DROP, ALTER or ROLLBACK, which is every round trip.
    """
    prepared = _PREPARED.setdefault(conn, set())
    try:
        return _run(conn, calls, prepared, step)
    except (psycopg.errors.InvalidSqlStatementName, psycopg.errors.DuplicatePreparedStatement):
        if step:
            # Perhaps the step's own error; the caller rolls back and runs it apart, and the
            # digest then learns what is prepared.
            raise
        # The session dropped them (DISCARD ALL in a migration, psycopg's DEALLOCATE ALL), or
        # kept one whose batch failed after it (PREPARE is not undone by a rollback).
        prepared.clear()
        listed = conn.execute("SELECT name FROM pg_prepared_statements", prepare=False)
        prepared.update(name for (name,) in listed)
        return _run(conn, calls, prepared)


def _run(
    conn: psycopg.Connection[Any], calls: list[Call], prepared: set[str], step: str = ""
) -> list[Any]:
    # The settings are pinned in a transaction of the digest's own, or a savepoint of the
    # caller's, that is rolled back: what the caller had set comes back with no query to ask
    # what it was. Simple protocol, so the statements travel together.
    if conn.info.transaction_status == TransactionStatus.IDLE:
        begin, end = "BEGIN", ["ROLLBACK"]
    else:
        begin = "SAVEPOINT schemactl_digest"
        end = ["ROLLBACK TO SAVEPOINT schemactl_digest", "RELEASE SAVEPOINT schemactl_digest"]
    statements = [begin, _PIN]
    answers_at = []  # which statements' results are the answers
    names = []
    lookups = None
    for query, args, _ in calls:
        name, text = query.prepared(conn.info.server_version)
        # Before its PREPARE too: a generic plan is made at the first EXECUTE, and again at
        # any later one after the catalogs it reads were analyzed.
        if query.lookups is not lookups:
            statements.append(_LOOKUPS[query.lookups])
            lookups = query.lookups
        if name not in prepared:
            parameters = f"({query.parameters})" if query.parameters else ""
            statements.append(f"PREPARE {name}{parameters} AS {text.rstrip().rstrip(';')}")
        names.append(name)
        execute = sql.SQL("EXECUTE {}").format(sql.Identifier(name))
        if args:
            listed = sql.SQL(", ").join(sql.Literal(arg) for arg in args)
            execute = sql.SQL("{}({})").format(execute, listed)
        answers_at.append(len(statements))
        statements.append(execute.as_string(conn))
    statements += end
    # Counted from the end: the step before them gives results of its own, as many as it
    # holds statements.
    answers_at = [at - len(statements) for at in answers_at]
    with conn.cursor() as cur:
        try:
            if not db.reads_plainly(conn):
                # The server reads the whole text before the pin takes effect: pin first.
                if step:
                    cur.execute(step.encode("utf-8"), prepare=False)
                    step = ""
                cur.execute(";\n".join(statements[:2]), prepare=False)
                del statements[:2]
            # Not prepare=None: once psycopg prepares a statement of its own on this
            # connection it sends DEALLOCATE ALL at the next DROP, taking this one with it.
            text = ";\n".join(statements)
            text = f"{step}{SEPARATOR}{text}" if step else text
            cur.execute(text.encode("utf-8"), prepare=False)
        except psycopg.Error:
            if (
                not step
                and not conn.closed
                and conn.info.transaction_status == TransactionStatus.INERROR
            ):
                conn.execute(";".join(end), prepare=False)
            raise
        prepared.update(names)
        readers = [read for _, _, read in calls]
        return [read(cur.set_result(at)) for at, read in zip(answers_at, readers, strict=True)]


_PIN = "SELECT " + ", ".join(f"set_config('{n}', '{v}', true)" for n, v in PINNED_SETTINGS.items())
_LOOKUPS = {
    lookups: f"SELECT set_config('enable_seqscan', '{'off' if lookups else 'on'}', true)"
    for lookups in (False, True)
}


def _query(file: str, server_version: int) -> str:
    """A query file with the columns of newer servers kept where this server has them."""

    def keep(match: re.Match[str]) -> str:
        return match[2] if server_version >= int(match[1]) * 10000 else ""

    return _SINCE.sub(keep, query_text(file))


_SINCE = re.compile(r"/\*since (\d+): (.*?)\*/")
_PARAMETER = re.compile(r"\$(\d+)\b")

# What each connection has prepared, as far as this module knows (a session can drop them).
_PREPARED: weakref.WeakKeyDictionary[psycopg.Connection[Any], set[str]] = (
    weakref.WeakKeyDictionary()
)
