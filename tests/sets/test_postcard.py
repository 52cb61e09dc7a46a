"""Behaviour of the AI postcard schema (sql/postcard) the product relies on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.types.json import Jsonb

STATUSES = ["PENDING", "PROCESSING", "COMPLETED", "FAILED"]


@pytest.fixture
def db(apply_set: Callable[[str], psycopg.Connection]) -> psycopg.Connection:
    return apply_set("postcard")


def one(conn: psycopg.Connection, query: str, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def row(conn: psycopg.Connection, query: str, params: Any = None) -> tuple[Any, ...]:
    found = conn.execute(query, params).fetchone()
    assert found is not None
    return tuple(found)


def make_user(conn: psycopg.Connection, open_id: str = "o-alice") -> int:
    return int(one(conn, "INSERT INTO users (open_id) VALUES (%s) RETURNING user_id", (open_id,)))


def make_postcard(conn: psycopg.Connection, user_id: int) -> int:
    return int(
        one(
            conn,
            "INSERT INTO postcards (user_id, frontend_code) VALUES (%s, '<div/>')"
            " RETURNING postcard_id",
            (user_id,),
        )
    )


def make_task(
    conn: psycopg.Connection,
    user_id: int,
    task_id: str = "t-1",
    status: str = "PENDING",
    postcard_id: int | None = None,
) -> str:
    return str(
        one(
            conn,
            "INSERT INTO tasks (task_id, user_id, status, postcard_id) VALUES (%s, %s, %s, %s)"
            " RETURNING task_id",
            (task_id, user_id, status, postcard_id),
        )
    )


def test_keys_are_assigned_in_increasing_order(db: psycopg.Connection) -> None:
    first, second = make_user(db, "o-1"), make_user(db, "o-2")
    assert second > first
    user = make_user(db, "o-3")
    assert make_postcard(db, user) < make_postcard(db, user)


def test_new_rows_get_their_defaults(db: psycopg.Connection) -> None:
    user = make_user(db)
    postcard = make_postcard(db, user)
    db.execute("INSERT INTO tasks (task_id, user_id) VALUES ('t-1', %s)", (user,))
    created, updated = row(
        db, "SELECT created_at, updated_at FROM users WHERE user_id = %s", (user,)
    )
    assert isinstance(created, datetime) and created == updated
    params, postcard_created = row(
        db,
        "SELECT generation_params, created_at FROM postcards WHERE postcard_id = %s",
        (postcard,),
    )
    assert params == {} and isinstance(postcard_created, datetime)
    status, postcard_id, task_created, task_updated = row(
        db, "SELECT status, postcard_id, created_at, updated_at FROM tasks WHERE task_id = 't-1'"
    )
    assert (status, postcard_id) == ("PENDING", None)
    assert isinstance(task_created, datetime) and task_created == task_updated


def test_generation_params_keep_their_json(db: psycopg.Connection) -> None:
    params = {"mood": "calm", "style": "watercolour", "location": {"city": "Hangzhou"}}
    user = make_user(db)
    postcard = one(
        db,
        "INSERT INTO postcards (user_id, frontend_code, generation_params)"
        " VALUES (%s, '<div/>', %s::jsonb) RETURNING postcard_id",
        (user, Jsonb(params)),
    )
    found = one(
        db,
        "SELECT postcard_id FROM postcards WHERE generation_params @> %s::jsonb",
        ('{"location": {"city": "Hangzhou"}}',),
    )
    assert found == postcard


def test_open_id_is_unique(db: psycopg.Connection) -> None:
    make_user(db, "o-same")
    with pytest.raises(errors.UniqueViolation):
        make_user(db, "o-same")


def test_task_id_is_unique(db: psycopg.Connection) -> None:
    user = make_user(db)
    make_task(db, user, "t-same")
    with pytest.raises(errors.UniqueViolation):
        make_task(db, user, "t-same")


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO users (open_id) VALUES (NULL)",
        "INSERT INTO postcards (user_id, frontend_code) VALUES ({user}, NULL)",
        "INSERT INTO tasks (task_id, user_id, status) VALUES ('t-x', {user}, NULL)",
    ],
    ids=["users.open_id", "postcards.frontend_code", "tasks.status"],
)
def test_required_columns_reject_null(db: psycopg.Connection, statement: str) -> None:
    user = make_user(db)
    with pytest.raises(errors.NotNullViolation):
        db.execute(statement.format(user=user))


def test_task_status_accepts_the_four_states_and_nothing_else(db: psycopg.Connection) -> None:
    user = make_user(db)
    make_task(db, user)
    for status in STATUSES:
        db.execute("UPDATE tasks SET status = %s WHERE task_id = 't-1'", (status,))
        assert one(db, "SELECT status FROM tasks WHERE task_id = 't-1'") == status
    for bad in ("pending", "DONE", ""):
        with pytest.raises(errors.CheckViolation):
            db.execute("UPDATE tasks SET status = %s WHERE task_id = 't-1'", (bad,))


def test_completed_task_points_at_its_postcard(db: psycopg.Connection) -> None:
    user = make_user(db)
    postcard = make_postcard(db, user)
    make_task(db, user, status="COMPLETED", postcard_id=postcard)
    assert one(db, "SELECT postcard_id FROM tasks WHERE task_id = 't-1'") == postcard


@pytest.mark.parametrize("status", ["PENDING", "PROCESSING", "FAILED"])
def test_unfinished_or_failed_task_has_no_postcard(db: psycopg.Connection, status: str) -> None:
    user = make_user(db)
    postcard = make_postcard(db, user)
    with pytest.raises(errors.CheckViolation):
        make_task(db, user, status=status, postcard_id=postcard)


def test_failed_task_keeps_its_error_message(db: psycopg.Connection) -> None:
    user = make_user(db)
    make_task(db, user, status="PROCESSING")
    db.execute(
        "UPDATE tasks SET status = 'FAILED', error_message = 'model timeout' WHERE task_id = 't-1'"
    )
    assert one(db, "SELECT error_message FROM tasks WHERE task_id = 't-1'") == "model timeout"


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO postcards (user_id, frontend_code) VALUES (999, '<div/>')",
        "INSERT INTO tasks (task_id, user_id) VALUES ('t-x', 999)",
        "INSERT INTO tasks (task_id, user_id, status, postcard_id)"
        " VALUES ('t-x', {user}, 'COMPLETED', 999)",
    ],
    ids=["postcard-user", "task-user", "task-postcard"],
)
def test_foreign_keys_reject_orphans(db: psycopg.Connection, statement: str) -> None:
    user = make_user(db)
    with pytest.raises(errors.ForeignKeyViolation):
        db.execute(statement.format(user=user))


def test_deleting_user_cascades_to_postcards_and_tasks(db: psycopg.Connection) -> None:
    user, other = make_user(db, "o-1"), make_user(db, "o-2")
    postcard = make_postcard(db, user)
    make_task(db, user, "t-done", "COMPLETED", postcard)
    make_task(db, user, "t-running", "PROCESSING")
    make_postcard(db, other)
    make_task(db, other, "t-other")
    db.execute("DELETE FROM users WHERE user_id = %s", (user,))
    assert one(db, "SELECT count(*) FROM postcards WHERE user_id = %s", (user,)) == 0
    assert one(db, "SELECT count(*) FROM tasks WHERE user_id = %s", (user,)) == 0
    assert one(db, "SELECT count(*) FROM postcards") == 1
    assert one(db, "SELECT count(*) FROM tasks") == 1


def test_deleting_postcard_keeps_its_task_without_the_postcard(db: psycopg.Connection) -> None:
    user = make_user(db)
    postcard = make_postcard(db, user)
    make_task(db, user, status="COMPLETED", postcard_id=postcard)
    db.execute("DELETE FROM postcards WHERE postcard_id = %s", (postcard,))
    assert row(db, "SELECT status, postcard_id FROM tasks WHERE task_id = 't-1'") == (
        "COMPLETED",
        None,
    )


@pytest.mark.parametrize(("table", "key"), [("users", "user_id"), ("tasks", "task_id")])
def test_update_moves_updated_at(db: psycopg.Connection, table: str, key: str) -> None:
    user = make_user(db)
    make_task(db, user)
    row_key = user if table == "users" else "t-1"
    db.execute(
        f"UPDATE {table} SET updated_at = now() - interval '1 hour' WHERE {key} = %s", (row_key,)
    )
    before = one(db, f"SELECT updated_at FROM {table} WHERE {key} = %s", (row_key,))
    column = "nickname = 'Alice'" if table == "users" else "status = 'PROCESSING'"
    db.execute(f"UPDATE {table} SET {column} WHERE {key} = %s", (row_key,))
    after = one(db, f"SELECT updated_at FROM {table} WHERE {key} = %s", (row_key,))
    assert after > before
    assert one(db, f"SELECT created_at FROM {table} WHERE {key} = %s", (row_key,)) <= after


def test_foreign_key_columns_are_indexed(db: psycopg.Connection) -> None:
    leading = {
        (table, column)
        for table, column in db.execute(
            """SELECT c.relname, a.attname
                 FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indrelid
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public'"""
        ).fetchall()
    }
    assert {("postcards", "user_id"), ("tasks", "user_id"), ("tasks", "postcard_id")} <= leading
