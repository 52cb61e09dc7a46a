"""PostgreSQL's table-level lock modes and which of them conflict, encoded once.

From the PostgreSQL documentation, "Explicit Locking", section "Table-Level Locks", table
"Conflicting Lock Modes" (13.2 in the PostgreSQL 15 manual). Two transactions cannot hold
conflicting modes on one table at once, and a request waits behind every conflicting lock
held or requested before it: that queue is what makes a brief ACCESS EXCLUSIVE lock behind a
long transaction stop every query on the table.
"""

from __future__ import annotations

import enum


class LockMode(enum.Enum):
    """A table-level lock mode, weakest first; ``value`` is its strength (1 to 8)."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def label(self) -> str:
        """As the documentation and LOCK TABLE spell it: ``ACCESS EXCLUSIVE``."""
        return self.name.replace("_", " ")

    @property
    def pg_name(self) -> str:
        """As ``pg_locks.mode`` shows it: ``AccessExclusiveLock``."""
        return "".join(part.capitalize() for part in self.name.split("_")) + "Lock"

    @classmethod
    def from_pg(cls, mode: str) -> LockMode | None:
        """The mode ``pg_locks.mode`` names, or None for a row-level or other mode."""
        return _BY_PG_NAME.get(mode)

    @classmethod
    def from_label(cls, label: str) -> LockMode:
        """The mode a label names (``ACCESS EXCLUSIVE``, ``access-exclusive`` or the
        ``pg_locks`` spelling); raises ValueError for anything else."""
        by_pg = cls.from_pg(label)
        if by_pg is not None:
            return by_pg
        key = label.strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[key]
        except KeyError:
            raise ValueError(f"unknown lock mode {label!r}") from None

    def conflicts_with(self, other: LockMode) -> bool:
        """True when a lock in this mode and one in ``other`` cannot be held at once."""
        return other in CONFLICTS[self]

    @property
    def blocks_reads(self) -> bool:
        """Whether it stops plain SELECT (which takes ACCESS SHARE)."""
        return self.conflicts_with(LockMode.ACCESS_SHARE)

    @property
    def blocks_writes(self) -> bool:
        """Whether it stops INSERT, UPDATE, DELETE and MERGE (which take ROW EXCLUSIVE)."""
        return self.conflicts_with(LockMode.ROW_EXCLUSIVE)

    @property
    def blocks(self) -> str:
        """What ordinary traffic it stops, in a DBA's words."""
        if self.blocks_reads:
            return "blocks reads and writes"
        if self.blocks_writes:
            return "blocks writes"
        if self.conflicts_with(LockMode.ROW_SHARE):
            return "blocks SELECT ... FOR UPDATE/SHARE and writes"
        return "blocks neither reads nor writes"


_A = LockMode
# "Conflicting Lock Modes", row by row: the modes each requested mode conflicts with.
CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    _A.ACCESS_SHARE: frozenset({_A.ACCESS_EXCLUSIVE}),
    _A.ROW_SHARE: frozenset({_A.EXCLUSIVE, _A.ACCESS_EXCLUSIVE}),
    _A.ROW_EXCLUSIVE: frozenset(
        {_A.SHARE, _A.SHARE_ROW_EXCLUSIVE, _A.EXCLUSIVE, _A.ACCESS_EXCLUSIVE}
    ),
    _A.SHARE_UPDATE_EXCLUSIVE: frozenset(
        {
            _A.SHARE_UPDATE_EXCLUSIVE,
            _A.SHARE,
            _A.SHARE_ROW_EXCLUSIVE,
            _A.EXCLUSIVE,
            _A.ACCESS_EXCLUSIVE,
        }
    ),
    _A.SHARE: frozenset(
        {
            _A.ROW_EXCLUSIVE,
            _A.SHARE_UPDATE_EXCLUSIVE,
            _A.SHARE_ROW_EXCLUSIVE,
            _A.EXCLUSIVE,
            _A.ACCESS_EXCLUSIVE,
        }
    ),
    _A.SHARE_ROW_EXCLUSIVE: frozenset(
        {
            _A.ROW_EXCLUSIVE,
            _A.SHARE_UPDATE_EXCLUSIVE,
            _A.SHARE,
            _A.SHARE_ROW_EXCLUSIVE,
            _A.EXCLUSIVE,
            _A.ACCESS_EXCLUSIVE,
        }
    ),
    _A.EXCLUSIVE: frozenset(set(LockMode) - {_A.ACCESS_SHARE}),
    _A.ACCESS_EXCLUSIVE: frozenset(LockMode),
}

_BY_PG_NAME = {mode.pg_name: mode for mode in LockMode}


def strongest(modes: list[LockMode] | tuple[LockMode, ...] | set[LockMode]) -> LockMode | None:
    """The strongest of ``modes``, in the documentation's order (ACCESS EXCLUSIVE last)."""
    return max(modes, key=lambda mode: mode.value, default=None)
