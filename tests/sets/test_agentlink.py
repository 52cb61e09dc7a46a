"""Behaviour of the AgentLink schema (sql/agentlink) the product relies on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql


@pytest.fixture
def db(apply_set: Callable[[str], psycopg.Connection]) -> psycopg.Connection:
    return apply_set("agentlink")


def one(conn: psycopg.Connection, query: str, params: Any = None) -> Any:
    found = conn.execute(query, params).fetchone()
    assert found is not None
    return found[0]


def row(conn: psycopg.Connection, query: str, params: Any = None) -> tuple[Any, ...]:
    found = conn.execute(query, params).fetchone()
    assert found is not None
    return tuple(found)


def count(conn: psycopg.Connection, table: str, where: str = "true", params: Any = None) -> int:
    return int(one(conn, f"SELECT count(*) FROM {table} WHERE {where}", params))


def make_user(
    conn: psycopg.Connection, name: str = "alice", user_type: str = "developer"
) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO users (email, password_hash, user_type) VALUES (%s, 'x', %s) RETURNING id",
        (f"{name}@example.com", user_type),
    )


def make_agent(
    conn: psycopg.Connection, creator_id: uuid.UUID, price: str = "0.001500"
) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO agents (creator_id, name, price_per_call) VALUES (%s, 'Summariser', %s)"
        " RETURNING id",
        (creator_id, Decimal(price)),
    )


def make_key(conn: psycopg.Connection, user_id: uuid.UUID, key_hash: str = "a" * 64) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO api_keys (user_id, key_hash, key_prefix) VALUES (%s, %s, 'ak_live_abc')"
        " RETURNING id",
        (user_id, key_hash),
    )


def make_quota(conn: psycopg.Connection, user_id: uuid.UUID) -> uuid.UUID:
    return one(conn, "INSERT INTO quotas (user_id) VALUES (%s) RETURNING id", (user_id,))


def make_call(
    conn: psycopg.Connection, agent_id: uuid.UUID, user_id: uuid.UUID, key_id: uuid.UUID | None
) -> uuid.UUID:
    return one(
        conn,
        """INSERT INTO call_logs (agent_id, user_id, api_key_id, total_tokens, cost, status)
           VALUES (%s, %s, %s, 120, 0.001500, 'success') RETURNING id""",
        (agent_id, user_id, key_id),
    )


def make_world(conn: psycopg.Connection) -> dict[str, uuid.UUID]:
    """A creator with an agent, and a developer with a key and a quota who called it."""
    ids = {"creator": make_user(conn, "carol", "creator"), "developer": make_user(conn, "dave")}
    ids["agent"] = make_agent(conn, ids["creator"])
    ids["key"] = make_key(conn, ids["developer"])
    ids["quota"] = make_quota(conn, ids["developer"])
    ids["call"] = make_call(conn, ids["agent"], ids["developer"], ids["key"])
    return ids


def set_column(
    conn: psycopg.Connection, table: str, row_id: uuid.UUID, column: str, value: Any
) -> None:
    conn.execute(
        sql.SQL("UPDATE {} SET {} = %s WHERE id = %s").format(
            sql.Identifier(table), sql.Identifier(column)
        ),
        (value, row_id),
    )


# -- defaults ---------------------------------------------------------------------------------


DEFAULTS = [
    ("users", "developer", "email_verified", False),
    ("agents", "agent", "status", "draft"),
    ("agents", "agent", "version", 1),
    ("api_keys", "key", "permissions", {}),
    ("quotas", "quota", "total_quota", 100),
    ("quotas", "quota", "used_quota", 0),
]


@pytest.mark.parametrize(
    ("table", "key", "column", "expected"), DEFAULTS, ids=[f"{t}.{c}" for t, _, c, _ in DEFAULTS]
)
def test_new_rows_get_their_defaults(
    db: psycopg.Connection, table: str, key: str, column: str, expected: Any
) -> None:
    row_id = make_world(db)[key]
    assert one(db, f"SELECT {column} FROM {table} WHERE id = %s", (row_id,)) == expected


@pytest.mark.parametrize("table", ["users", "agents", "api_keys", "quotas", "call_logs"])
def test_new_rows_get_a_uuid_and_a_creation_time(db: psycopg.Connection, table: str) -> None:
    make_world(db)
    row_id, created = row(db, f"SELECT id, created_at FROM {table} LIMIT 1")
    assert isinstance(row_id, uuid.UUID)
    assert isinstance(created, datetime)


def test_price_keeps_six_decimal_places(db: psycopg.Connection) -> None:
    agent = make_agent(db, make_user(db, "carol", "creator"), "1234.000001")
    assert one(db, "SELECT price_per_call FROM agents WHERE id = %s", (agent,)) == Decimal(
        "1234.000001"
    )
    with pytest.raises(errors.NumericValueOutOfRange):
        make_agent(db, make_user(db, "carl", "creator"), "10000.000000")


# -- checks -----------------------------------------------------------------------------------

ENUMERATIONS = [
    ("users", "developer", "user_type", ["creator", "developer", "admin"]),
    ("agents", "agent", "status", ["draft", "active", "inactive"]),
]


@pytest.mark.parametrize(
    ("table", "key", "column", "allowed"),
    ENUMERATIONS,
    ids=[f"{t}.{c}" for t, _, c, _ in ENUMERATIONS],
)
def test_enumerated_column_accepts_its_values_and_rejects_others(
    db: psycopg.Connection, table: str, key: str, column: str, allowed: list[str]
) -> None:
    row_id = make_world(db)[key]
    for value in allowed:
        set_column(db, table, row_id, column, value)
        assert one(db, f"SELECT {column} FROM {table} WHERE id = %s", (row_id,)) == value
    with pytest.raises(errors.CheckViolation):
        set_column(db, table, row_id, column, "bogus")


REQUIRED = [
    ("users", "developer", "email_verified"),
    ("agents", "agent", "status"),
    ("agents", "agent", "version"),
    ("agents", "agent", "price_per_call"),
    ("api_keys", "key", "permissions"),
    ("quotas", "quota", "total_quota"),
    ("quotas", "quota", "used_quota"),
    ("call_logs", "call", "status"),
]


@pytest.mark.parametrize(
    ("table", "key", "column"), REQUIRED, ids=[f"{t}.{c}" for t, _, c in REQUIRED]
)
def test_required_columns_reject_null(
    db: psycopg.Connection, table: str, key: str, column: str
) -> None:
    row_id = make_world(db)[key]
    with pytest.raises(errors.NotNullViolation):
        set_column(db, table, row_id, column, None)


NEGATIVES = [
    ("agents", "agent", "price_per_call", Decimal("-0.000001")),
    ("quotas", "quota", "total_quota", -1),
    ("quotas", "quota", "used_quota", -1),
]


@pytest.mark.parametrize(
    ("table", "key", "column", "value"), NEGATIVES, ids=[f"{t}.{c}" for t, _, c, _ in NEGATIVES]
)
def test_prices_and_quotas_are_never_negative(
    db: psycopg.Connection, table: str, key: str, column: str, value: Any
) -> None:
    row_id = make_world(db)[key]
    set_column(db, table, row_id, column, 0)
    with pytest.raises(errors.CheckViolation):
        set_column(db, table, row_id, column, value)


def test_encrypted_config_and_its_iv_come_together(db: psycopg.Connection) -> None:
    agent = make_world(db)["agent"]
    db.execute(
        "UPDATE agents SET config_encrypted = %s, config_iv = %s WHERE id = %s",
        (b"\x01\x02", b"\x00" * 12, agent),
    )
    for column in ("config_encrypted", "config_iv"):
        with pytest.raises(errors.CheckViolation):
            set_column(db, "agents", agent, column, None)
    db.execute(
        "UPDATE agents SET config_encrypted = NULL, config_iv = NULL WHERE id = %s", (agent,)
    )


# -- uniqueness -------------------------------------------------------------------------------


def test_email_is_unique(db: psycopg.Connection) -> None:
    make_user(db, "alice")
    with pytest.raises(errors.UniqueViolation):
        make_user(db, "alice", "creator")


def test_key_hash_is_unique(db: psycopg.Connection) -> None:
    make_key(db, make_user(db, "alice"), "f" * 64)
    with pytest.raises(errors.UniqueViolation):
        make_key(db, make_user(db, "bob"), "f" * 64)


def test_a_user_has_one_quota(db: psycopg.Connection) -> None:
    user = make_user(db)
    make_quota(db, user)
    with pytest.raises(errors.UniqueViolation):
        make_quota(db, user)


def test_a_user_may_hold_several_keys(db: psycopg.Connection) -> None:
    user = make_user(db)
    make_key(db, user, "a" * 64)
    make_key(db, user, "b" * 64)
    assert count(db, "api_keys", "user_id = %s", (user,)) == 2


# -- foreign keys -----------------------------------------------------------------------------

ORPHANS = [
    ("agents", "creator_id"),
    ("api_keys", "user_id"),
    ("quotas", "user_id"),
    ("call_logs", "agent_id"),
    ("call_logs", "user_id"),
    ("call_logs", "api_key_id"),
]
KEY_OF = {"agents": "agent", "api_keys": "key", "quotas": "quota", "call_logs": "call"}


@pytest.mark.parametrize(("table", "column"), ORPHANS, ids=[f"{t}.{c}" for t, c in ORPHANS])
def test_foreign_key_rejects_orphans(db: psycopg.Connection, table: str, column: str) -> None:
    row_id = make_world(db)[KEY_OF[table]]
    with pytest.raises(errors.ForeignKeyViolation):
        set_column(db, table, row_id, column, uuid.uuid4())


def test_deleting_user_without_calls_cascades_to_keys_and_quota(db: psycopg.Connection) -> None:
    user, other = make_user(db, "alice"), make_user(db, "bob")
    make_key(db, user, "a" * 64)
    make_quota(db, user)
    make_key(db, other, "b" * 64)
    make_quota(db, other)
    db.execute("DELETE FROM users WHERE id = %s", (user,))
    assert count(db, "api_keys", "user_id = %s", (user,)) == 0
    assert count(db, "quotas", "user_id = %s", (user,)) == 0
    assert count(db, "api_keys") == count(db, "quotas") == 1


def test_user_with_calls_cannot_be_deleted(db: psycopg.Connection) -> None:
    ids = make_world(db)
    with pytest.raises(errors.ForeignKeyViolation):
        db.execute("DELETE FROM users WHERE id = %s", (ids["developer"],))
    assert count(db, "call_logs") == count(db, "api_keys") == 1


def test_creator_with_agents_cannot_be_deleted(db: psycopg.Connection) -> None:
    creator = make_user(db, "carol", "creator")
    make_agent(db, creator)
    with pytest.raises(errors.ForeignKeyViolation):
        db.execute("DELETE FROM users WHERE id = %s", (creator,))


def test_agent_with_calls_cannot_be_deleted(db: psycopg.Connection) -> None:
    ids = make_world(db)
    with pytest.raises(errors.ForeignKeyViolation):
        db.execute("DELETE FROM agents WHERE id = %s", (ids["agent"],))


def test_deleting_key_keeps_its_calls_without_the_key(db: psycopg.Connection) -> None:
    ids = make_world(db)
    db.execute("DELETE FROM api_keys WHERE id = %s", (ids["key"],))
    assert one(db, "SELECT api_key_id FROM call_logs WHERE id = %s", (ids["call"],)) is None


def test_call_may_be_logged_without_a_key(db: psycopg.Connection) -> None:
    ids = make_world(db)
    call = make_call(db, ids["agent"], ids["developer"], None)
    assert one(db, "SELECT api_key_id FROM call_logs WHERE id = %s", (call,)) is None


# -- triggers and indexes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "column", "value"),
    [
        ("users", "developer", "email_verified", True),
        ("agents", "agent", "status", "active"),
        ("quotas", "quota", "used_quota", 1),
    ],
    ids=["users", "agents", "quotas"],
)
def test_update_moves_updated_at(
    db: psycopg.Connection, table: str, key: str, column: str, value: Any
) -> None:
    row_id = make_world(db)[key]
    db.execute(
        f"UPDATE {table} SET updated_at = now() - interval '1 hour' WHERE id = %s", (row_id,)
    )
    before = one(db, f"SELECT updated_at FROM {table} WHERE id = %s", (row_id,))
    set_column(db, table, row_id, column, value)
    assert one(db, f"SELECT updated_at FROM {table} WHERE id = %s", (row_id,)) > before


def test_wallet_index_covers_only_linked_wallets(db: psycopg.Connection) -> None:
    definition = one(db, "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_users_wallet'")
    assert "WHERE (wallet_address IS NOT NULL)" in definition


def test_design_indexes_exist_and_none_duplicates_a_unique_constraint(
    db: psycopg.Connection,
) -> None:
    names = {
        name
        for (name,) in db.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")
    }
    assert {
        "idx_users_wallet",
        "idx_agents_creator",
        "idx_agents_status",
        "idx_api_keys_user",
        "idx_call_logs_agent",
        "idx_call_logs_user",
        "idx_call_logs_created",
        "idx_call_logs_api_key",
    } <= names
    assert not {"idx_users_email", "idx_api_keys_hash", "idx_quotas_user"} & names
    duplicated = db.execute(
        """SELECT a.indexrelid::regclass::text
             FROM pg_index a JOIN pg_index b
               ON a.indrelid = b.indrelid AND a.indexrelid <> b.indexrelid
              AND a.indkey = b.indkey AND a.indpred IS NULL AND b.indpred IS NULL
            WHERE a.indrelid IN (SELECT oid FROM pg_class
                                  WHERE relnamespace = 'public'::regnamespace)"""
    ).fetchall()
    assert duplicated == []
