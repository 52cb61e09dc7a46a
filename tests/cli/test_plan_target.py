"""``plan --database-url``: the target's sizes and lock holders, read-only; and ``--markdown``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from schemactl.review.target import connect_read_only
from tests.cli.conftest import invoke, json_out
from tests.conftest import MigrationSpec


def _statements(document: dict[str, Any]) -> dict[tuple[int, int], dict[str, Any]]:
    return {
        (m["version"], s["statement"]): s for m in document["migrations"] for s in m["statements"]
    }


@pytest.fixture
def big_target(
    migration_dir: Callable[[MigrationSpec], Path], database_url: str, conn: psycopg.Connection
) -> Path:
    """A target whose ledger has applied 0001 (a table of a million rows, analyzed), with
    0002 (a type change) and 0003 (a column with a constant default) pending."""
    directory = migration_dir(
        {
            "0001_big": ("CREATE TABLE big (id int PRIMARY KEY, n int);", "DROP TABLE big;"),
            "0002_widen": (
                "ALTER TABLE big ALTER COLUMN n TYPE bigint;",
                "ALTER TABLE big ALTER COLUMN n TYPE int;",
            ),
            "0003_flag": (
                "ALTER TABLE big ADD COLUMN flag int DEFAULT 0;",
                "ALTER TABLE big DROP COLUMN flag;",
            ),
        }
    )
    invoke(["up", "--to", "1", "--dir", directory, "--database-url", database_url])
    conn.execute("INSERT INTO big SELECT i, i FROM generate_series(1, 1000000) AS i")
    conn.execute("ANALYZE big")
    return directory


def test_plan_reports_the_targets_size_and_a_rewrite_only_for_the_type_change(
    big_target: Path, database_url: str, conn: psycopg.Connection
) -> None:
    result = invoke(["plan", "--dir", big_target, "--database-url", database_url, "--json"])
    document = json_out(result)
    assert [m["version"] for m in document["migrations"]] == [2, 3]
    assert document["applied"] == 1
    statements = _statements(document)

    widen = statements[(2, 1)]
    (big,) = [t for t in widen["on_target"] if t["relation"] == "public.big"]
    assert abs(big["rows"] - 1_000_000) < 50_000
    assert big["total_bytes"] > 30 * 1024 * 1024
    assert [r["relation"] for r in widen["rewrites"] if r["kind"] == "table"] == ["public.big"]
    assert widen["verdict"]["level"] == "rewrite"
    assert widen["verdict"]["text"].startswith("blocks reads and writes for a rewrite of ")
    assert "rows" in widen["verdict"]["text"] and "of public.big" in widen["verdict"]["text"]

    flag = statements[(3, 1)]
    assert flag["rewrites"] == []
    assert [(lock["relation"], lock["mode"]) for lock in flag["locks"]] == [
        ("public.big", "ACCESS EXCLUSIVE")
    ]
    assert flag["verdict"]["level"] == "brief lock"
    assert document["worst"]["version"] == 2

    # Nothing ran on the target: the column is still int, and only 0001 is recorded.
    row = conn.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = 'big'::regclass AND attname = 'n'"
    ).fetchone()
    assert row == ("integer",)
    assert conn.execute("SELECT version FROM schemactl_migrations").fetchall() == [(1,)]


def test_the_target_session_cannot_write(database_url: str) -> None:
    with connect_read_only(database_url) as session:
        assert session.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            session.execute("CREATE TABLE plan_must_not_exist (id int)")


@pytest.fixture
def reader(database_url: str) -> Iterator[psycopg.Connection]:
    """Another session on the target, its transaction left open after reading ``t``."""
    session = psycopg.connect(database_url, autocommit=False, application_name="nightly report")
    try:
        yield session
    finally:
        session.close()


def test_plan_names_a_session_holding_access_share_as_a_blocker(
    migration_dir: Callable[[MigrationSpec], Path],
    database_url: str,
    reader: psycopg.Connection,
) -> None:
    directory = migration_dir(
        {
            "0001_t": ("CREATE TABLE t (id int);", "DROP TABLE t;"),
            "0002_add": ("ALTER TABLE t ADD COLUMN c int;", "ALTER TABLE t DROP COLUMN c;"),
            "0003_comment": ("COMMENT ON TABLE t IS 'kept';", "COMMENT ON TABLE t IS NULL;"),
        }
    )
    invoke(["up", "--to", "1", "--dir", directory, "--database-url", database_url])
    reader.execute("SELECT * FROM t")  # ACCESS SHARE on t until the transaction ends
    pid = reader.info.backend_pid

    result = invoke(["plan", "--dir", directory, "--database-url", database_url, "--json"])
    statements = _statements(json_out(result))
    add = statements[(2, 1)]
    assert add["verdict"]["level"] == "queue"
    assert add["verdict"]["text"] == f"would queue behind pid {pid}"
    (blocker,) = add["verdict"]["blockers"]
    assert blocker["pid"] == pid
    assert blocker["mode"] == "ACCESS SHARE"
    assert blocker["application_name"] == "nightly report"
    assert blocker["state"] == "idle in transaction"
    assert blocker["query"] == "SELECT * FROM t"
    # COMMENT ON takes SHARE UPDATE EXCLUSIVE, which ACCESS SHARE does not conflict with.
    assert statements[(3, 1)]["verdict"]["level"] == "safe"
    assert reader.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS

    human = invoke(["plan", "--dir", directory, "--database-url", database_url])
    assert f"would queue behind pid {pid}" in human.stdout


def test_markdown_puts_the_worst_statement_first(
    migration_dir: Callable[[MigrationSpec], Path], database_url: str
) -> None:
    directory = migration_dir(
        {
            "0001_orders": (
                "create table orders (id int primary key, total int);",
                "drop table orders;",
            ),
            "0002_note": (
                "comment on table orders is 'orders';",
                "comment on table orders is null;",
            ),
            "0003_flag": (
                "alter table orders add column flag int default 0;",
                "alter table orders drop column flag;",
            ),
            "0004_widen": (
                "alter table orders alter column total type bigint;",
                "alter table orders alter column total type int;",
            ),
        }
    )
    result = invoke(["plan", "--dir", directory, "--scratch-url", database_url, "--markdown"])
    text = result.stdout
    lines = text.splitlines()
    assert lines[0] == "## schemactl plan: 4 pending migration(s)"
    worst = lines.index("### Worst first")
    rows = [line for line in lines[worst + 1 :] if line.startswith("| ")][1:]
    assert rows[0].startswith("| rewrite | 4 statement 1 (line 1)")
    assert "blocks reads and writes for a rewrite of every row of public.orders" in rows[0]
    assert rows[1].startswith("| brief lock | 3 statement 1")
    sections = [line for line in lines if line.startswith("### ")]
    assert sections == [
        "### Worst first",
        "### 0001_orders (one transaction)",
        "### 0002_note (one transaction)",
        "### 0003_flag (one transaction)",
        "### 0004_widen (one transaction)",
    ]
    # The SQL as sqlparse lays it out for reading, in a fenced block.
    assert "```sql\nALTER TABLE orders\nALTER COLUMN total TYPE bigint\n```" in text
    assert "**Verdict:** blocks reads and writes for a rewrite of every row" in text
    assert "| `public.orders` (table) | ACCESS EXCLUSIVE |" in text
    assert "Rewrites: `public.orders`, `public.orders_pkey`." in text
