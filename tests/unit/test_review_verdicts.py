"""The lock conflict table and the verdicts, without a database."""

from __future__ import annotations

import pytest

from schemactl.review.locks import CONFLICTS, LockMode
from schemactl.review.report import (
    Level,
    LockTaken,
    Observation,
    OnTarget,
    Relation,
    Scan,
    Session,
)
from schemactl.review.verdict import blockers, judge, size_text

M = LockMode
T = Relation("public", "orders", "table")
INDEX = Relation("public", "orders_pkey", "index", T)

# PostgreSQL 15, 13.3.1 "Table-Level Locks", Table 13.2 "Conflicting Lock Modes", written out
# as the documentation draws it (X: conflict), rows and columns in the same order.
_DRAWN = """
                        AS RS RE SUE S SRE E AE
ACCESS_SHARE            .  .  .  .   . .   . X
ROW_SHARE               .  .  .  .   . .   X X
ROW_EXCLUSIVE           .  .  .  .   X X   X X
SHARE_UPDATE_EXCLUSIVE  .  .  .  X   X X   X X
SHARE                   .  .  X  X   . X   X X
SHARE_ROW_EXCLUSIVE     .  .  X  X   X X   X X
EXCLUSIVE               .  X  X  X   X X   X X
ACCESS_EXCLUSIVE        X  X  X  X   X X   X X
"""


def _drawn() -> dict[LockMode, frozenset[LockMode]]:
    rows = [line.split() for line in _DRAWN.strip().splitlines()[1:]]
    order = [LockMode[row[0]] for row in rows]
    return {
        LockMode[row[0]]: frozenset(
            m for m, mark in zip(order, row[1:], strict=True) if mark == "X"
        )
        for row in rows
    }


def test_conflict_table_is_the_documented_one() -> None:
    assert _drawn() == CONFLICTS


def test_conflicts_are_symmetric() -> None:
    for a in LockMode:
        for b in LockMode:
            assert a.conflicts_with(b) == b.conflicts_with(a), (a, b)


@pytest.mark.parametrize(
    ("mode", "reads", "writes"),
    [
        (M.ACCESS_SHARE, False, False),
        (M.ROW_EXCLUSIVE, False, False),
        (M.SHARE_UPDATE_EXCLUSIVE, False, False),
        (M.SHARE, False, True),
        (M.SHARE_ROW_EXCLUSIVE, False, True),
        (M.EXCLUSIVE, False, True),
        (M.ACCESS_EXCLUSIVE, True, True),
    ],
)
def test_what_each_mode_blocks(mode: LockMode, reads: bool, writes: bool) -> None:
    assert (mode.blocks_reads, mode.blocks_writes) == (reads, writes)


def test_pg_locks_names_and_labels_round_trip() -> None:
    for mode in LockMode:
        assert LockMode.from_pg(mode.pg_name) is mode
        assert LockMode.from_label(mode.label) is mode
    assert LockMode.from_pg("SIReadLock") is None
    with pytest.raises(ValueError):
        LockMode.from_label("ROW LEVEL")


def _lock(mode: LockMode, relation: Relation = T) -> LockTaken:
    return LockTaken(relation, (mode,))


def _big(rows: int | None = 1_000_000) -> dict[str, OnTarget]:
    return {"public.orders": OnTarget("public.orders", True, 42 * 1024 * 1024, rows)}


def _holder(pid: int, mode: LockMode, granted: bool = True) -> Session:
    return Session(pid, "report", "idle in transaction", 300.0, None, "SELECT 1", "public.orders",
                   mode, granted)  # fmt: skip


def test_no_lock_on_an_existing_relation_is_safe() -> None:
    assert judge(Observation()).level is Level.SAFE


def test_a_lock_that_blocks_neither_reads_nor_writes_is_safe() -> None:
    verdict = judge(Observation(locks=(_lock(M.SHARE_UPDATE_EXCLUSIVE),)), _big())
    assert verdict.level is Level.SAFE


def test_access_exclusive_without_work_is_a_brief_lock() -> None:
    verdict = judge(Observation(locks=(_lock(M.ACCESS_EXCLUSIVE),)), _big())
    assert verdict.level is Level.BRIEF
    assert verdict.text == "brief lock: ACCESS EXCLUSIVE on public.orders (blocks reads and writes)"


def test_a_rewrite_names_the_rows_from_the_target() -> None:
    observation = Observation(
        locks=(_lock(M.ACCESS_EXCLUSIVE),),
        rewrites=(T, INDEX),
        held={"public.orders": M.ACCESS_EXCLUSIVE},
    )
    verdict = judge(observation, _big())
    assert verdict.level is Level.REWRITE
    assert verdict.text == (
        "blocks reads and writes for a rewrite of 1,000,000 rows (42 MB) of public.orders"
    )
    assert verdict.rows == 1_000_000


def test_a_rewrite_without_a_target_covers_every_row() -> None:
    observation = Observation(rewrites=(T,), held={"public.orders": M.ACCESS_EXCLUSIVE})
    assert judge(observation).text == (
        "blocks reads and writes for a rewrite of every row of public.orders"
    )


def test_a_rewrite_of_an_empty_table_is_brief() -> None:
    observation = Observation(rewrites=(T,), held={"public.orders": M.ACCESS_EXCLUSIVE})
    assert judge(observation, _big(rows=0)).level is Level.BRIEF


def test_validation_under_share_row_exclusive_blocks_writes() -> None:
    observation = Observation(
        locks=(_lock(M.SHARE_ROW_EXCLUSIVE),),
        scans=(Scan(T, "validates", "ADD CONSTRAINT ... FOREIGN KEY"),),
        held={"public.orders": M.SHARE_ROW_EXCLUSIVE},
    )
    verdict = judge(observation, _big())
    assert verdict.level is Level.SCAN
    assert verdict.text.startswith("blocks writes while validating 1,000,000 rows")
    assert "NOT VALID" in (verdict.advice or "")


def test_validate_constraint_scans_without_blocking() -> None:
    observation = Observation(
        locks=(_lock(M.SHARE_UPDATE_EXCLUSIVE),),
        scans=(Scan(T, "validates", "VALIDATE CONSTRAINT"),),
        held={"public.orders": M.SHARE_UPDATE_EXCLUSIVE},
    )
    verdict = judge(observation, _big())
    assert verdict.level is Level.SAFE
    assert "without blocking reads or writes" in verdict.text


def test_a_never_analyzed_table_has_unknown_rows() -> None:
    observation = Observation(rewrites=(T,), held={"public.orders": M.ACCESS_EXCLUSIVE})
    verdict = judge(observation, _big(rows=None))
    assert verdict.level is Level.REWRITE
    assert "an unknown number of rows (never analyzed, 42 MB)" in verdict.text


def test_a_relation_not_on_the_target_yet_is_safe_to_lock() -> None:
    observation = Observation(locks=(_lock(M.ACCESS_EXCLUSIVE),))
    assert judge(observation, {}).level is Level.SAFE


def test_a_conflicting_holder_queues_the_statement() -> None:
    observation = Observation(locks=(_lock(M.ACCESS_EXCLUSIVE),))
    verdict = judge(observation, _big(), [_holder(4242, M.ACCESS_SHARE)])
    assert verdict.level is Level.QUEUE
    assert verdict.text == "would queue behind pid 4242"
    assert verdict.then == "brief lock: ACCESS EXCLUSIVE on public.orders (blocks reads and writes)"
    assert [b.pid for b in verdict.blockers] == [4242]


def test_a_holder_that_does_not_conflict_is_no_blocker() -> None:
    locks = (_lock(M.SHARE_UPDATE_EXCLUSIVE),)
    assert blockers(locks, [_holder(1, M.ROW_EXCLUSIVE), _holder(2, M.ACCESS_SHARE)]) == ()
    assert [s.pid for s in blockers(locks, [_holder(3, M.SHARE_UPDATE_EXCLUSIVE)])] == [3]


def test_a_waiter_ahead_in_the_queue_blocks_too() -> None:
    waiting = _holder(7, M.ACCESS_EXCLUSIVE, granted=False)
    assert blockers((_lock(M.ACCESS_SHARE),), [waiting]) == (waiting,)


def test_a_holder_of_another_relation_is_no_blocker() -> None:
    other = Relation("public", "customers", "table")
    assert blockers((_lock(M.ACCESS_EXCLUSIVE, other),), [_holder(1, M.ACCESS_SHARE)]) == ()


def test_sizes_read_like_pg_size_pretty() -> None:
    assert size_text(8192) == "8192 bytes"
    assert size_text(42 * 1024 * 1024) == "42 MB"
    assert size_text(None) == "unknown"
