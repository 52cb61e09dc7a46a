"""Which existing relations a migration's statements lock, and in which mode, read from the
statements alone (``up --guard`` waits for the sessions holding conflicting locks on them).

Read with the lint's word reader, so a keyword in a string or a dollar-quoted body is never
taken for SQL. The modes are PostgreSQL's, as "Explicit Locking" lists them per command; an
ALTER TABLE is taken at its strongest (ACCESS EXCLUSIVE) but for a lone VALIDATE CONSTRAINT.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from schemactl.files.migrations import Script
from schemactl.lint.heads import Kind, head
from schemactl.lint.words import ObjectName, Words, words_of
from schemactl.run.guard import (
    ACCESS_EXCLUSIVE,
    SHARE,
    SHARE_ROW_EXCLUSIVE,
    SHARE_UPDATE_EXCLUSIVE,
    Target,
    lock_mode,
)


def targets(script: Script) -> tuple[Target, ...]:
    """The existing relations ``script`` takes a lock on that stops other sessions' queries
    (ALTER TABLE, CREATE INDEX without CONCURRENTLY, DROP, TRUNCATE, CREATE TRIGGER, REFRESH
    MATERIALIZED VIEW without CONCURRENTLY, VACUUM FULL, CLUSTER, REINDEX, LOCK, a foreign
    key's referenced table), read from the statements. Relations the file creates first are
    left out: nobody else can be using them."""
    found: list[Target] = []
    created: list[ObjectName] = []
    for statement in script.statements:
        words = words_of(statement)
        for name, mode in _locks(words):
            if not any(name.same(new) for new in created):
                found.append(Target(name, mode, statement.index + 1))
        created.extend(_created(words))
    return tuple(found)


def _created(words: Words) -> Iterator[ObjectName]:
    shape = head(words)
    if shape is None or shape.verb != "create" or shape.kind not in _NEW_RELATIONS:
        return
    name, _ = words.name(shape.name_at)
    if name is not None:
        yield name


_NEW_RELATIONS = frozenset({Kind.TABLE, Kind.MATERIALIZED_VIEW, Kind.VIEW, Kind.INDEX})
_DROPPED = frozenset(
    {Kind.TABLE, Kind.FOREIGN_TABLE, Kind.VIEW, Kind.MATERIALIZED_VIEW, Kind.INDEX, Kind.SEQUENCE}
)


def _locks(words: Words) -> list[tuple[ObjectName, str]]:
    verb = words.kw(0)
    reader = _READERS.get(verb)
    found = reader(words) if reader is not None else []
    if verb in ("create", "alter"):
        found += [(name, SHARE_ROW_EXCLUSIVE) for name in _referenced(words)]
    return found


def _alter(words: Words) -> list[tuple[ObjectName, str]]:
    if not words.at(1, "table"):
        return []
    i = words.skip(words.skip(2, "if", "exists"), "only")
    name, after = words.name(i)
    if name is None:
        return []
    validating = words.at(after, "validate", "constraint") and words.find(",", after) is None
    return [(name, SHARE_UPDATE_EXCLUSIVE if validating else ACCESS_EXCLUSIVE)]


def _create(words: Words) -> list[tuple[ObjectName, str]]:
    shape = head(words)
    if shape is None or shape.concurrently:
        return []
    if shape.kind is Kind.INDEX:
        mode = SHARE
    elif shape.kind is Kind.TRIGGER:
        mode = SHARE_ROW_EXCLUSIVE
    else:
        return []
    on = words.find("on", shape.name_at)
    if on is None:
        return []
    name, _ = words.name(words.skip(on + 1, "only"))
    return [(name, mode)] if name is not None else []


def _drop(words: Words) -> list[tuple[ObjectName, str]]:
    shape = head(words)
    if shape is None:
        return []
    if shape.kind is Kind.TRIGGER:
        on = words.find("on", shape.name_at)
        name, _ = words.name(on + 1) if on is not None else (None, 0)
        return [(name, ACCESS_EXCLUSIVE)] if name is not None else []
    if shape.kind not in _DROPPED or shape.concurrently:
        return []
    return [(name, ACCESS_EXCLUSIVE) for name in _names(words, shape.name_at)]


def _truncate(words: Words) -> list[tuple[ObjectName, str]]:
    return [(name, ACCESS_EXCLUSIVE) for name in _names(words, words.skip(1, "table"))]


def _refresh(words: Words) -> list[tuple[ObjectName, str]]:
    if not words.at(1, "materialized", "view") or words.at(3, "concurrently"):
        return []
    name, _ = words.name(3)
    return [(name, ACCESS_EXCLUSIVE)] if name is not None else []


def _vacuum(words: Words) -> list[tuple[ObjectName, str]]:
    i = 1
    full = False
    if words.is_open(i):
        full = "full" in words.keywords(i, words.after_group(i))
        i = words.after_group(i)
    while words.kw(i) in ("full", "freeze", "verbose", "analyze", "analyse"):
        full = full or words.kw(i) == "full"
        i += 1
    return [(name, ACCESS_EXCLUSIVE) for name in _names(words, i)] if full else []


def _cluster(words: Words) -> list[tuple[ObjectName, str]]:
    i = words.skip(1, "verbose")
    name, _ = words.name(words.after_group(i))
    return [(name, ACCESS_EXCLUSIVE)] if name is not None else []


def _reindex(words: Words) -> list[tuple[ObjectName, str]]:
    i = words.after_group(1)
    kind = words.kw(i)
    if kind not in ("table", "index") or words.at(i + 1, "concurrently"):
        return []
    name, _ = words.name(i + 1)
    if name is None:
        return []
    return [(name, SHARE if kind == "table" else ACCESS_EXCLUSIVE)]


def _lock(words: Words) -> list[tuple[ObjectName, str]]:
    start = words.skip(words.skip(1, "table"), "only")
    into = words.find("in", start)
    mode = ACCESS_EXCLUSIVE
    if into is not None:
        end = words.find("mode", into) or len(words)
        spelled = "".join(w.capitalize() for w in words.keywords(into + 1, end)) + "Lock"
        mode = lock_mode(spelled) or ACCESS_EXCLUSIVE
    stop = into if into is not None else words.find("nowait", start)
    return [(name, mode) for name in _names(words, start, stop)]


def _names(words: Words, start: int, stop: int | None = None) -> list[ObjectName]:
    """Comma-separated relation names from ``start`` (``ONLY`` and a trailing ``*`` allowed),
    up to the first word that is not part of one (CASCADE, RESTRICT, RESTART ...)."""
    found: list[ObjectName] = []
    i = words.skip(start, "if", "exists")
    end = len(words) if stop is None else stop
    while i < end:
        name, after = words.name(words.skip(i, "only"))
        if name is None:
            break
        found.append(name)
        after += 1 if words.is_text(after, "*") else 0
        if not words.is_text(after, ","):
            break
        i = after + 1
    return found


def _referenced(words: Words) -> Iterator[ObjectName]:
    """Tables a foreign key refers to: creating one locks them in SHARE ROW EXCLUSIVE."""
    for i in range(len(words)):
        if words.kw(i) == "references":
            name, _ = words.name(i + 1)
            if name is not None:
                yield name


_READERS: dict[str, Callable[[Words], list[tuple[ObjectName, str]]]] = {
    "alter": _alter,
    "create": _create,
    "drop": _drop,
    "truncate": _truncate,
    "refresh": _refresh,
    "vacuum": _vacuum,
    "cluster": _cluster,
    "reindex": _reindex,
    "lock": _lock,
}
