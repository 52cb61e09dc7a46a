"""Behaviour of the Z-Image-app schema (sql/z_image) the product relies on.

Besides the constraints, the design promises that its script is safe to run more than once:
every up file declares ``-- schemactl:idempotent`` and running it again changes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.types.json import Jsonb

from schemactl import operations
from schemactl.files.migrations import Directive, load_directory
from tests.sets.conftest import (
    SQL_ROOT,
    catalog_snapshot,
    settings_for,
    snapshot_differences,
    up_files,
)

UP_FILES = up_files("z_image")


@pytest.fixture
def db(apply_set: Callable[[str], psycopg.Connection]) -> psycopg.Connection:
    return apply_set("z_image")


def one(conn: psycopg.Connection, query: str, params: Any = None) -> Any:
    found = conn.execute(query, params).fetchone()
    assert found is not None
    return found[0]


def row(conn: psycopg.Connection, query: str, params: Any = None) -> tuple[Any, ...]:
    found = conn.execute(query, params).fetchone()
    assert found is not None
    return tuple(found)


def make_client(
    conn: psycopg.Connection, client_id: str = "admin", role: str = "admin", key_hash: str = "h1"
) -> str:
    return str(
        one(
            conn,
            "INSERT INTO api_clients (id, display_name, role, api_key_hash)"
            " VALUES (%s, %s, %s, %s) RETURNING id",
            (client_id, client_id.title(), role, key_hash),
        )
    )


def make_batch(
    conn: psycopg.Connection, client_id: str | None = "admin", batch_size: int = 4, **columns: Any
) -> uuid.UUID:
    values = {
        "api_client_id": client_id,
        "prompt": "a cat in the snow",
        "width": 1024,
        "height": 1024,
        "num_inference_steps": 8,
        "guidance_scale": 0.0,
        "batch_size": batch_size,
        **columns,
    }
    names = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    return one(
        conn,
        f"INSERT INTO image_generation_batches ({names}) VALUES ({marks}) RETURNING id",
        list(values.values()),
    )


def make_task(
    conn: psycopg.Connection,
    batch_id: uuid.UUID,
    task_id: str = "celery-1",
    batch_index: int = 0,
    status: str | None = "pending",
) -> str:
    return str(
        one(
            conn,
            """INSERT INTO image_generation_tasks (task_id, batch_id, batch_index, status, prompt,
                                                   width, height, num_inference_steps,
                                                   guidance_scale)
               VALUES (%s, %s, %s, %s, 'a cat in the snow', 1024, 1024, 8, 0.0)
               RETURNING task_id""",
            (task_id, batch_id, batch_index, status),
        )
    )


# -- the design's "safe to run twice" promise ------------------------------------------------


@pytest.mark.parametrize("path", UP_FILES, ids=[p.name for p in UP_FILES])
def test_up_file_declares_itself_idempotent_on_its_first_line(path: Path) -> None:
    assert path.read_text(encoding="utf-8").splitlines()[0] == "-- schemactl:idempotent"


def test_schemactl_reads_the_idempotent_directive_on_every_up_file() -> None:
    migrations = load_directory(SQL_ROOT / "z_image").migrations
    assert [m.version for m in migrations] == list(range(1, len(UP_FILES) + 1))
    assert all(Directive.IDEMPOTENT in m.up.directives for m in migrations)


RERUNNABLE_UP = re.compile(
    r"^(create (unique )?index if not exists |create (table|extension) if not exists "
    r"|create or replace (function|trigger) |comment on )"
)


def test_every_statement_is_written_to_be_run_again() -> None:
    """IF NOT EXISTS / OR REPLACE in every up, IF EXISTS in every down."""
    for migration in load_directory(SQL_ROOT / "z_image").migrations:
        assert migration.down is not None
        for statement in migration.up.statements:
            text = " ".join(statement.text.split()).lower()
            assert RERUNNABLE_UP.match(text), f"{migration.up.path.name}: {text[:70]}"
        for statement in migration.down.statements:
            text = " ".join(statement.text.split()).lower()
            assert re.match(r"^drop (table|function|extension) if exists ", text), text


@pytest.mark.parametrize("path", UP_FILES, ids=[p.name for p in UP_FILES])
def test_running_an_up_file_again_on_top_of_itself_changes_nothing(
    conn: psycopg.Connection, path: Path
) -> None:
    """schemactl applies the set up to this file; the file then runs twice more by hand."""
    operations.up(settings_for(conn, "z_image"), to=int(path.name.split("_", 1)[0]))
    before = catalog_snapshot(conn)
    assert before["objects"], "nothing was applied"
    for _ in range(2):
        conn.execute(path.read_text(encoding="utf-8"))
        assert snapshot_differences(before, catalog_snapshot(conn)) == {}


@pytest.mark.parametrize("path", UP_FILES, ids=[p.name for p in UP_FILES])
def test_running_an_up_file_again_on_the_whole_set_changes_nothing(
    db: psycopg.Connection, path: Path
) -> None:
    before = catalog_snapshot(db)
    db.execute(path.read_text(encoding="utf-8"))
    assert snapshot_differences(before, catalog_snapshot(db)) == {}


def test_running_an_up_file_again_keeps_the_data(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    make_task(db, batch)
    for path in UP_FILES:
        db.execute(path.read_text(encoding="utf-8"))
    assert one(db, "SELECT count(*) FROM image_generation_tasks WHERE batch_id = %s", (batch,)) == 1
    assert one(db, "SELECT role FROM api_clients WHERE id = 'admin'") == "admin"


# -- api_clients ----------------------------------------------------------------------------


def test_client_role_accepts_the_three_roles_and_nothing_else(db: psycopg.Connection) -> None:
    for number, role in enumerate(["admin", "first_party", "third_party"]):
        make_client(db, f"key_{number}", role, f"hash-{number}")
    with pytest.raises(errors.CheckViolation):
        make_client(db, "key_x", "partner", "hash-x")


def test_the_same_api_key_cannot_be_registered_twice(db: psycopg.Connection) -> None:
    make_client(db, "key_ab12cd34", "first_party", "same-hash")
    with pytest.raises(errors.UniqueViolation):
        make_client(db, "key_other", "first_party", "same-hash")


def test_first_sight_of_a_key_registers_it_once(db: psycopg.Connection) -> None:
    """The service inserts a client the first time it sees a key; a second sight is a no-op."""
    register = """INSERT INTO api_clients (id, display_name, role, api_key_hash)
                  VALUES ('key_ab12cd34', 'API Key ab12cd34', 'first_party', 'ab12cd34ef')
                  ON CONFLICT (api_key_hash) DO NOTHING"""
    db.execute(register)
    db.execute(register)
    assert one(db, "SELECT count(*) FROM api_clients") == 1


def test_client_ids_are_unique(db: psycopg.Connection) -> None:
    make_client(db, "admin", key_hash="h1")
    with pytest.raises(errors.UniqueViolation):
        make_client(db, "admin", key_hash="h2")


def test_new_client_is_active_with_timestamps(db: psycopg.Connection) -> None:
    make_client(db)
    active, created, updated = row(
        db, "SELECT is_active, created_at, updated_at FROM api_clients WHERE id = 'admin'"
    )
    assert active is True
    assert isinstance(created, datetime) and created == updated


def test_update_moves_client_updated_at(db: psycopg.Connection) -> None:
    make_client(db)
    db.execute("UPDATE api_clients SET updated_at = now() - interval '1 hour' WHERE id = 'admin'")
    before = one(db, "SELECT updated_at FROM api_clients WHERE id = 'admin'")
    db.execute("UPDATE api_clients SET is_active = false WHERE id = 'admin'")
    after = one(db, "SELECT updated_at FROM api_clients WHERE id = 'admin'")
    assert after > before


# -- image_generation_batches ---------------------------------------------------------------


def test_new_batch_gets_its_defaults(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    assert isinstance(batch, uuid.UUID)
    status, success, failed, created, completed, metadata = row(
        db,
        """SELECT status, success_count, failed_count, created_at, completed_at, metadata
             FROM image_generation_batches WHERE id = %s""",
        (batch,),
    )
    assert (status, success, failed, completed, metadata) == ("pending", 0, 0, None, None)
    assert isinstance(created, datetime)


def test_batch_keeps_the_id_the_front_end_sent(db: psycopg.Connection) -> None:
    make_client(db)
    sent = uuid.uuid4()
    assert make_batch(db, id=sent, metadata=Jsonb({"batch_id": str(sent)})) == sent


def test_batch_needs_no_client(db: psycopg.Connection) -> None:
    batch = make_batch(db, client_id=None)
    assert (
        one(db, "SELECT api_client_id FROM image_generation_batches WHERE id = %s", (batch,))
        is None
    )


def test_batch_status_accepts_its_six_states_and_nothing_else(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    for status in ["pending", "running", "success", "partial", "error", "cancelled"]:
        db.execute("UPDATE image_generation_batches SET status = %s WHERE id = %s", (status, batch))
    for bad in ("failed", "SUCCESS"):
        with pytest.raises(errors.CheckViolation):
            db.execute(
                "UPDATE image_generation_batches SET status = %s WHERE id = %s", (bad, batch)
            )


@pytest.mark.parametrize("batch_size", [0, -1])
def test_batch_has_at_least_one_image(db: psycopg.Connection, batch_size: int) -> None:
    make_client(db)
    with pytest.raises(errors.CheckViolation):
        make_batch(db, batch_size=batch_size)


@pytest.mark.parametrize(
    ("success", "failed"),
    [(-1, 0), (0, -1), (5, 0), (3, 2)],
    ids=["neg-ok", "neg-fail", "5/4", "3+2/4"],
)
def test_batch_counts_stay_within_the_batch(
    db: psycopg.Connection, success: int, failed: int
) -> None:
    make_client(db)
    batch = make_batch(db, batch_size=4)
    db.execute(
        "UPDATE image_generation_batches SET success_count = 3, failed_count = 1 WHERE id = %s",
        (batch,),
    )
    with pytest.raises(errors.CheckViolation):
        db.execute(
            "UPDATE image_generation_batches SET success_count = %s, failed_count = %s"
            " WHERE id = %s",
            (success, failed, batch),
        )


def test_batch_with_unknown_client_is_rejected(db: psycopg.Connection) -> None:
    with pytest.raises(errors.ForeignKeyViolation):
        make_batch(db, client_id="nobody")


def test_client_with_history_cannot_be_deleted(db: psycopg.Connection) -> None:
    make_client(db)
    make_batch(db)
    with pytest.raises(errors.ForeignKeyViolation):
        db.execute("DELETE FROM api_clients WHERE id = 'admin'")
    make_client(db, "key_unused", "third_party", "h2")
    db.execute("DELETE FROM api_clients WHERE id = 'key_unused'")
    assert one(db, "SELECT count(*) FROM api_clients") == 1


# -- image_generation_tasks -----------------------------------------------------------------


def test_task_status_accepts_its_five_states_and_nothing_else(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    make_task(db, batch)
    for status in ["pending", "running", "success", "error", "cancelled"]:
        db.execute(
            "UPDATE image_generation_tasks SET status = %s WHERE task_id = 'celery-1'", (status,)
        )
    for bad in ("partial", "done"):
        with pytest.raises(errors.CheckViolation):
            db.execute(
                "UPDATE image_generation_tasks SET status = %s WHERE task_id = 'celery-1'", (bad,)
            )


def test_task_status_is_required(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    with pytest.raises(errors.NotNullViolation):
        make_task(db, batch, status=None)


def test_batch_index_starts_at_zero(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    make_task(db, batch, "celery-0", 0)
    with pytest.raises(errors.CheckViolation):
        make_task(db, batch, "celery-neg", -1)


def test_celery_task_id_is_unique(db: psycopg.Connection) -> None:
    make_client(db)
    batch = make_batch(db)
    make_task(db, batch, "celery-1", 0)
    with pytest.raises(errors.UniqueViolation):
        make_task(db, batch, "celery-1", 1)


def test_task_with_unknown_batch_is_rejected(db: psycopg.Connection) -> None:
    with pytest.raises(errors.ForeignKeyViolation):
        make_task(db, uuid.uuid4())


def test_deleting_batch_cascades_to_its_tasks(db: psycopg.Connection) -> None:
    make_client(db)
    batch, other = make_batch(db), make_batch(db)
    for index in range(3):
        make_task(db, batch, f"celery-{index}", index)
    make_task(db, other, "celery-other")
    db.execute("DELETE FROM image_generation_batches WHERE id = %s", (batch,))
    assert one(db, "SELECT count(*) FROM image_generation_tasks WHERE batch_id = %s", (batch,)) == 0
    assert one(db, "SELECT count(*) FROM image_generation_tasks") == 1


def test_task_gets_created_at_and_nothing_else_filled_in(db: psycopg.Connection) -> None:
    make_client(db)
    make_task(db, make_batch(db))
    created, finished, seed, metadata = row(
        db,
        "SELECT created_at, finished_at, seed, metadata FROM image_generation_tasks"
        " WHERE task_id = 'celery-1'",
    )
    assert isinstance(created, datetime)
    assert (finished, seed, metadata) == (None, None, None)


def test_design_indexes_exist(db: psycopg.Connection) -> None:
    indexes = dict(
        db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    )
    assert "UNIQUE" in indexes["idx_api_clients_key_hash"]
    assert (
        "(api_client_id, created_at DESC)" in indexes["idx_image_generation_batches_client_created"]
    )
    assert "(batch_id, batch_index)" in indexes["idx_image_generation_tasks_batch"]
    assert "(status)" in indexes["idx_image_generation_tasks_status"]
