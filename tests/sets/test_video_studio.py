"""Behaviour of the video generation platform schema (sql/video_studio) the product relies on."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql


@pytest.fixture
def db(apply_set: Callable[[str], psycopg.Connection]) -> psycopg.Connection:
    return apply_set("video_studio")


def one(conn: psycopg.Connection, query: str, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def count(conn: psycopg.Connection, table: str, where: str = "true", params: Any = None) -> int:
    return int(one(conn, f"SELECT count(*) FROM {table} WHERE {where}", params))


def make_user(conn: psycopg.Connection, name: str = "alice") -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO users (username, email, password_hash) VALUES (%s, %s, 'x') RETURNING id",
        (name, f"{name}@example.com"),
    )


def make_project(conn: psycopg.Connection, user_id: uuid.UUID) -> uuid.UUID:
    return one(
        conn, "INSERT INTO projects (user_id, name) VALUES (%s, 'Trailer') RETURNING id", (user_id,)
    )


def make_package(conn: psycopg.Connection, project_id: uuid.UUID, version: int = 1) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO material_packages (project_id, version) VALUES (%s, %s) RETURNING id",
        (project_id, version),
    )


def make_candidate(
    conn: psycopg.Connection,
    project_id: uuid.UUID,
    package_id: uuid.UUID | None,
    candidate_type: str = "image",
) -> uuid.UUID:
    return one(
        conn,
        """INSERT INTO candidates (project_id, material_package_id, target_type, target_id,
                                   candidate_type, content_url, generation_order)
           VALUES (%s, %s, 'clip', 'shot-1', %s, 'https://cdn/x', 1) RETURNING id""",
        (project_id, package_id, candidate_type),
    )


def make_clip(
    conn: psycopg.Connection,
    project_id: uuid.UUID,
    package_id: uuid.UUID | None,
    shot_number: int = 1,
    image_id: uuid.UUID | None = None,
    video_id: uuid.UUID | None = None,
) -> uuid.UUID:
    return one(
        conn,
        """INSERT INTO timeline_clips (project_id, material_package_id, shot_number, clip_type,
                                       end_time, description, selected_image_id,
                                       selected_video_id)
           VALUES (%s, %s, %s, 'image', 5, 'Opening shot', %s, %s) RETURNING id""",
        (project_id, package_id, shot_number, image_id, video_id),
    )


def make_audio(
    conn: psycopg.Connection, project_id: uuid.UUID, clip_id: uuid.UUID | None, audio_type: str
) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO audio_configs (project_id, clip_id, audio_type) VALUES (%s, %s, %s)"
        " RETURNING id",
        (project_id, clip_id, audio_type),
    )


def make_export_task(conn: psycopg.Connection, project_id: uuid.UUID) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO export_tasks (project_id, task_name) VALUES (%s, 'Final cut') RETURNING id",
        (project_id,),
    )


def make_export_file(conn: psycopg.Connection, task_id: uuid.UUID) -> uuid.UUID:
    return one(
        conn,
        """INSERT INTO export_files (export_task_id, file_type, file_name, file_url, file_size)
           VALUES (%s, 'video', 'final.mp4', 'https://cdn/final.mp4', 1024) RETURNING id""",
        (task_id,),
    )


def make_asset(conn: psycopg.Connection, user_id: uuid.UUID) -> uuid.UUID:
    return one(
        conn,
        "INSERT INTO assets (user_id, asset_type, asset_name) VALUES (%s, 'style', 'Ink')"
        " RETURNING id",
        (user_id,),
    )


def make_session(conn: psycopg.Connection, user_id: uuid.UUID, token: str = "tok-1") -> uuid.UUID:
    return one(
        conn,
        """INSERT INTO sessions (user_id, session_token, expires_at)
           VALUES (%s, %s, now() + interval '1 day') RETURNING id""",
        (user_id, token),
    )


def make_world(conn: psycopg.Connection) -> dict[str, uuid.UUID]:
    """One row in every table, all hanging off one user and one project."""
    ids: dict[str, uuid.UUID] = {}
    ids["users"] = user = make_user(conn)
    ids["projects"] = project = make_project(conn, user)
    ids["attachments"] = one(
        conn,
        """INSERT INTO attachments (project_id, file_name, file_type, file_category, file_url,
                                    file_size)
           VALUES (%s, 'ref.png', 'image/png', 'image', 'https://cdn/ref.png', 10) RETURNING id""",
        (project,),
    )
    ids["material_packages"] = package = make_package(conn, project)
    ids["generation_tasks"] = one(
        conn,
        """INSERT INTO generation_tasks (material_package_id, task_type, task_name, display_order)
           VALUES (%s, 'storyline', 'Write the story', 1) RETURNING id""",
        (package,),
    )
    ids["candidates"] = candidate = make_candidate(conn, project, package)
    ids["timeline_clips"] = clip = make_clip(conn, project, package, image_id=candidate)
    ids["audio_configs"] = make_audio(conn, project, clip, "narration")
    ids["export_tasks"] = task = make_export_task(conn, project)
    ids["export_files"] = make_export_file(conn, task)
    ids["assets"] = make_asset(conn, user)
    ids["conversations"] = one(
        conn,
        """INSERT INTO conversations (project_id, material_package_id, message_type,
                                      message_content, display_order)
           VALUES (%s, %s, 'system', 'Here is your story.', 1) RETURNING id""",
        (project, package),
    )
    ids["modifications"] = one(
        conn,
        """INSERT INTO modifications (project_id, element_type, element_id, modification_type,
                                      created_by)
           VALUES (%s, 'character', 'c-1', 'regenerate', %s) RETURNING id""",
        (project, user),
    )
    ids["sessions"] = make_session(conn, user)
    ids["operations"] = one(
        conn,
        """INSERT INTO operations (user_id, operation_type, target_type, target_id)
           VALUES (%s, 'export', 'project', %s) RETURNING id""",
        (user, project),
    )
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


ENUMERATIONS = [
    ("projects", "status", ["draft", "generating", "editing", "completed", "exported"]),
    ("projects", "stage", ["input", "generating", "editing", "completed"]),
    ("attachments", "file_category", ["image", "audio", "video", "document"]),
    ("material_packages", "status", ["generating", "completed", "failed"]),
    (
        "generation_tasks",
        "task_type",
        ["storyline", "artstyle", "characters", "scenes", "storyboard"],
    ),
    ("generation_tasks", "status", ["pending", "in_progress", "completed", "failed"]),
    ("candidates", "target_type", ["character", "scene", "clip", "bgm"]),
    ("candidates", "candidate_type", ["image", "video", "voice", "music"]),
    ("timeline_clips", "clip_type", ["image", "video"]),
    ("audio_configs", "audio_type", ["narration", "dialogue", "bgm"]),
    ("audio_configs", "source", ["generated", "library", "uploaded"]),
    ("export_tasks", "status", ["pending", "processing", "completed", "failed"]),
    ("export_files", "file_type", ["video", "audio", "subtitle", "cover"]),
    ("assets", "asset_type", ["character", "style", "voice", "music"]),
    ("conversations", "message_type", ["system", "user"]),
]


@pytest.mark.parametrize(
    ("table", "column", "allowed"), ENUMERATIONS, ids=[f"{t}.{c}" for t, c, _ in ENUMERATIONS]
)
def test_enumerated_column_accepts_its_values_and_rejects_others(
    db: psycopg.Connection, table: str, column: str, allowed: list[str]
) -> None:
    row_id = make_world(db)[table]
    for value in allowed:
        set_column(db, table, row_id, column, value)
        assert one(db, f"SELECT {column} FROM {table} WHERE id = %s", (row_id,)) == value
    with pytest.raises(errors.CheckViolation):
        set_column(db, table, row_id, column, "bogus")


RANGES = [
    ("projects", "progress", 0, 100),
    ("generation_tasks", "progress", 0, 100),
    ("export_tasks", "progress", 0, 100),
    ("audio_configs", "volume", 0, 100),
]


@pytest.mark.parametrize(
    ("table", "column", "low", "high"), RANGES, ids=[f"{t}.{c}" for t, c, _, _ in RANGES]
)
def test_percentage_column_stays_within_range(
    db: psycopg.Connection, table: str, column: str, low: int, high: int
) -> None:
    row_id = make_world(db)[table]
    set_column(db, table, row_id, column, low)
    set_column(db, table, row_id, column, high)
    assert one(db, f"SELECT {column} FROM {table} WHERE id = %s", (row_id,)) == high
    for bad in (low - 1, high + 1):
        with pytest.raises(errors.CheckViolation):
            set_column(db, table, row_id, column, bad)


def test_new_rows_get_their_defaults(db: psycopg.Connection) -> None:
    ids = make_world(db)
    user = db.execute(
        "SELECT id, settings, quota_info, created_at, updated_at FROM users WHERE id = %s",
        (ids["users"],),
    ).fetchone()
    assert user is not None
    assert isinstance(user[0], uuid.UUID)
    assert user[1] == {}
    assert user[2] == {"daily_limit": 10, "used": 0, "reset_at": None}
    assert user[3] is not None and user[3] == user[4]

    project = db.execute(
        "SELECT status, stage, progress, tags, input_config, metadata FROM projects WHERE id = %s",
        (ids["projects"],),
    ).fetchone()
    assert project == ("draft", "input", 0, [], {}, {})

    package = db.execute(
        "SELECT version, status, is_active, materials FROM material_packages WHERE id = %s",
        (ids["material_packages"],),
    ).fetchone()
    assert package == (1, "generating", False, {})

    assert db.execute(
        "SELECT status, progress FROM generation_tasks WHERE id = %s", (ids["generation_tasks"],)
    ).fetchone() == ("pending", 0)
    assert db.execute(
        "SELECT is_selected, metadata FROM candidates WHERE id = %s", (ids["candidates"],)
    ).fetchone() == (False, {})
    assert db.execute(
        "SELECT duration, start_time, config FROM timeline_clips WHERE id = %s",
        (ids["timeline_clips"],),
    ).fetchone() == (Decimal("5.00"), Decimal("0.00"), {})
    assert db.execute(
        "SELECT volume, speech_speed, metadata FROM audio_configs WHERE id = %s",
        (ids["audio_configs"],),
    ).fetchone() == (80, Decimal("1.00"), {})
    assert db.execute(
        "SELECT status, progress, export_config FROM export_tasks WHERE id = %s",
        (ids["export_tasks"],),
    ).fetchone() == ("pending", 0, {})
    assert db.execute(
        "SELECT download_count, metadata FROM export_files WHERE id = %s", (ids["export_files"],)
    ).fetchone() == (0, {})
    assert db.execute(
        "SELECT attributes, is_preset, is_public, usage_count FROM assets WHERE id = %s",
        (ids["assets"],),
    ).fetchone() == ({}, False, False, 0)
    assert one(
        db,
        "SELECT last_activity IS NOT NULL AND created_at IS NOT NULL FROM sessions WHERE id = %s",
        (ids["sessions"],),
    )


def test_timestamps_are_absolute_instants_whatever_the_session_time_zone(
    db: psycopg.Connection,
) -> None:
    db.execute("SET TimeZone = 'Asia/Shanghai'")
    user = make_user(db)
    db.execute("SET TimeZone = 'UTC'")
    assert one(
        db, "SELECT now() - created_at < interval '1 minute' FROM users WHERE id = %s", (user,)
    )
    non_tz = one(
        db,
        """SELECT count(*) FROM information_schema.columns
           WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'""",
    )
    assert non_tz == 0


UPDATED_AT_TABLES = [
    "users",
    "projects",
    "timeline_clips",
    "audio_configs",
    "export_tasks",
    "assets",
]


@pytest.mark.parametrize("table", UPDATED_AT_TABLES)
def test_update_moves_updated_at(db: psycopg.Connection, table: str) -> None:
    row_id = make_world(db)[table]
    # The trigger overrides any updated_at an UPDATE sets, so age the row with it disabled.
    db.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_set_updated_at")
    db.execute(
        f"UPDATE {table} SET updated_at = now() - interval '1 hour' WHERE id = %s", (row_id,)
    )
    db.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_set_updated_at")
    old = one(db, f"SELECT updated_at FROM {table} WHERE id = %s", (row_id,))

    db.execute(f"UPDATE {table} SET created_at = created_at WHERE id = %s", (row_id,))

    row = db.execute(
        f"SELECT updated_at, created_at FROM {table} WHERE id = %s", (row_id,)
    ).fetchone()
    assert row is not None
    new, created = row
    assert new > old
    assert new >= created
    assert one(db, "SELECT now() - %s::timestamptz < interval '1 minute'", (new,))


@pytest.mark.parametrize("column", ["username", "email"])
def test_users_reject_duplicate_username_and_email(db: psycopg.Connection, column: str) -> None:
    make_user(db, "alice")
    bob = make_user(db, "bob")
    with pytest.raises(errors.UniqueViolation):
        set_column(
            db, "users", bob, column, "alice" if column == "username" else "alice@example.com"
        )


def test_session_token_is_unique(db: psycopg.Connection) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    make_session(db, alice, "same-token")
    with pytest.raises(errors.UniqueViolation):
        make_session(db, bob, "same-token")


def test_package_version_is_unique_per_project(db: psycopg.Connection) -> None:
    user = make_user(db)
    first, second = make_project(db, user), make_project(db, user)
    make_package(db, first, 1)
    make_package(db, second, 1)
    make_package(db, first, 2)
    with pytest.raises(errors.UniqueViolation):
        make_package(db, first, 2)
    assert count(db, "material_packages") == 3


def test_shot_number_is_unique_per_project(db: psycopg.Connection) -> None:
    user = make_user(db)
    first, second = make_project(db, user), make_project(db, user)
    make_clip(db, first, None, shot_number=1)
    make_clip(db, second, None, shot_number=1)
    with pytest.raises(errors.UniqueViolation):
        make_clip(db, first, None, shot_number=1)


ORPHANS = [
    ("projects", "user_id"),
    ("attachments", "project_id"),
    ("material_packages", "project_id"),
    ("generation_tasks", "material_package_id"),
    ("candidates", "project_id"),
    ("candidates", "material_package_id"),
    ("timeline_clips", "project_id"),
    ("timeline_clips", "material_package_id"),
    ("timeline_clips", "selected_image_id"),
    ("timeline_clips", "selected_video_id"),
    ("audio_configs", "project_id"),
    ("audio_configs", "clip_id"),
    ("export_tasks", "project_id"),
    ("export_files", "export_task_id"),
    ("assets", "user_id"),
    ("conversations", "project_id"),
    ("conversations", "material_package_id"),
    ("modifications", "project_id"),
    ("modifications", "created_by"),
    ("sessions", "user_id"),
    ("operations", "user_id"),
]


@pytest.mark.parametrize(("table", "column"), ORPHANS, ids=[f"{t}.{c}" for t, c in ORPHANS])
def test_foreign_key_rejects_orphans(db: psycopg.Connection, table: str, column: str) -> None:
    row_id = make_world(db)[table]
    with pytest.raises(errors.ForeignKeyViolation):
        set_column(db, table, row_id, column, uuid.uuid4())


def make_world_for_other_user(db: psycopg.Connection) -> dict[str, uuid.UUID]:
    """A second, unrelated world (distinct names and tokens) to show deletes stay contained."""
    user = make_user(db, "carol")
    ids = {"users": user}
    ids["projects"] = project = make_project(db, user)
    ids["attachments"] = one(
        db,
        """INSERT INTO attachments (project_id, file_name, file_type, file_category, file_url,
                                    file_size)
           VALUES (%s, 'a.mp3', 'audio/mpeg', 'audio', 'https://cdn/a.mp3', 10) RETURNING id""",
        (project,),
    )
    ids["material_packages"] = package = make_package(db, project)
    ids["generation_tasks"] = one(
        db,
        """INSERT INTO generation_tasks (material_package_id, task_type, task_name, display_order)
           VALUES (%s, 'scenes', 'Draw scenes', 1) RETURNING id""",
        (package,),
    )
    ids["candidates"] = make_candidate(db, project, package)
    ids["timeline_clips"] = clip = make_clip(db, project, package)
    ids["audio_configs"] = make_audio(db, project, clip, "dialogue")
    ids["export_tasks"] = task = make_export_task(db, project)
    ids["export_files"] = make_export_file(db, task)
    ids["assets"] = make_asset(db, user)
    ids["conversations"] = one(
        db,
        """INSERT INTO conversations (project_id, message_type, message_content, display_order)
           VALUES (%s, 'user', 'Make it darker.', 1) RETURNING id""",
        (project,),
    )
    ids["modifications"] = one(
        db,
        """INSERT INTO modifications (project_id, element_type, element_id, modification_type)
           VALUES (%s, 'scene', 's-1', 'edit') RETURNING id""",
        (project,),
    )
    ids["sessions"] = make_session(db, user, "tok-carol")
    return ids


def test_deleting_user_cascades_to_everything_they_own(db: psycopg.Connection) -> None:
    ids = make_world(db)
    other = make_world_for_other_user(db)

    db.execute("DELETE FROM users WHERE id = %s", (ids["users"],))

    for table in ids:
        if table == "operations":
            continue
        assert count(db, table, "id = %s", (ids[table],)) == 0, table
        assert count(db, table, "id = %s", (other[table],)) == 1, table


def test_deleting_user_keeps_their_operations_log_without_the_user(
    db: psycopg.Connection,
) -> None:
    ids = make_world(db)
    db.execute("DELETE FROM users WHERE id = %s", (ids["users"],))
    assert one(db, "SELECT user_id FROM operations WHERE id = %s", (ids["operations"],)) is None


def test_deleting_editor_keeps_their_modifications_on_other_projects_without_author(
    db: psycopg.Connection,
) -> None:
    owner, editor = make_user(db, "owner"), make_user(db, "editor")
    project = make_project(db, owner)
    modification = one(
        db,
        """INSERT INTO modifications (project_id, element_type, element_id, modification_type,
                                      created_by)
           VALUES (%s, 'scene', 's-1', 'edit', %s) RETURNING id""",
        (project, editor),
    )
    db.execute("DELETE FROM users WHERE id = %s", (editor,))
    assert one(db, "SELECT created_by FROM modifications WHERE id = %s", (modification,)) is None


def test_deleting_project_cascades_to_its_rows(db: psycopg.Connection) -> None:
    ids = make_world(db)
    db.execute("DELETE FROM projects WHERE id = %s", (ids["projects"],))
    for table in ids:
        expected = 1 if table in ("users", "assets", "sessions", "operations") else 0
        assert count(db, table, "id = %s", (ids[table],)) == expected, table


def test_deleting_material_package_detaches_clips_candidates_and_messages(
    db: psycopg.Connection,
) -> None:
    ids = make_world(db)
    db.execute("DELETE FROM material_packages WHERE id = %s", (ids["material_packages"],))

    assert count(db, "generation_tasks", "id = %s", (ids["generation_tasks"],)) == 0
    for table in ("candidates", "timeline_clips", "conversations"):
        assert (
            one(db, f"SELECT material_package_id FROM {table} WHERE id = %s", (ids[table],)) is None
        ), table
    # The clip keeps the candidate it had selected.
    assert (
        one(
            db,
            "SELECT selected_image_id FROM timeline_clips WHERE id = %s",
            (ids["timeline_clips"],),
        )
        == ids["candidates"]
    )


def test_clip_can_exist_without_material_package(db: psycopg.Connection) -> None:
    project = make_project(db, make_user(db))
    clip = make_clip(db, project, None)
    assert one(db, "SELECT material_package_id FROM timeline_clips WHERE id = %s", (clip,)) is None


def test_deleting_selected_candidates_clears_the_clip_selection(db: psycopg.Connection) -> None:
    project = make_project(db, make_user(db))
    image = make_candidate(db, project, None, "image")
    video = make_candidate(db, project, None, "video")
    clip = make_clip(db, project, None, image_id=image, video_id=video)

    db.execute("DELETE FROM candidates WHERE id = %s", (image,))
    assert db.execute(
        "SELECT selected_image_id, selected_video_id FROM timeline_clips WHERE id = %s", (clip,)
    ).fetchone() == (None, video)

    db.execute("DELETE FROM candidates WHERE id = %s", (video,))
    assert db.execute(
        "SELECT selected_image_id, selected_video_id FROM timeline_clips WHERE id = %s", (clip,)
    ).fetchone() == (None, None)
    assert count(db, "timeline_clips") == 1


def test_deleting_clip_removes_its_voice_lines_but_keeps_the_bgm(db: psycopg.Connection) -> None:
    project = make_project(db, make_user(db))
    clip = make_clip(db, project, None)
    narration = make_audio(db, project, clip, "narration")
    dialogue = make_audio(db, project, clip, "dialogue")
    bgm = make_audio(db, project, None, "bgm")

    db.execute("DELETE FROM timeline_clips WHERE id = %s", (clip,))

    assert count(db, "audio_configs", "id IN (%s, %s)", (narration, dialogue)) == 0
    assert count(db, "audio_configs", "id = %s", (bgm,)) == 1


@pytest.mark.parametrize("audio_type", ["narration", "dialogue"])
def test_voice_lines_need_a_clip(db: psycopg.Connection, audio_type: str) -> None:
    project = make_project(db, make_user(db))
    with pytest.raises(errors.CheckViolation):
        make_audio(db, project, None, audio_type)


def test_deleting_export_task_removes_its_files(db: psycopg.Connection) -> None:
    ids = make_world(db)
    db.execute("DELETE FROM export_tasks WHERE id = %s", (ids["export_tasks"],))
    assert count(db, "export_files", "id = %s", (ids["export_files"],)) == 0
    assert count(db, "projects", "id = %s", (ids["projects"],)) == 1


def test_bgm_candidates_can_be_music(db: psycopg.Connection) -> None:
    project = make_project(db, make_user(db))
    candidate = one(
        db,
        """INSERT INTO candidates (project_id, target_type, target_id, candidate_type,
                                   content_url, generation_order)
           VALUES (%s, 'bgm', 'bgm', 'music', 'https://cdn/theme.mp3', 1) RETURNING id""",
        (project,),
    )
    assert one(db, "SELECT candidate_type FROM candidates WHERE id = %s", (candidate,)) == "music"


def test_index_strategy_indexes_exist_with_their_access_method(db: psycopg.Connection) -> None:
    rows = db.execute(
        """SELECT c.relname, am.amname
           FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid
           JOIN pg_am am ON am.oid = c.relam
           WHERE c.relname = ANY(%s)""",
        (
            [
                "idx_projects_user_status",
                "idx_material_packages_project_active",
                "idx_candidates_project_target",
                "idx_projects_input_config_gin",
                "idx_material_packages_materials_gin",
                "idx_assets_attributes_gin",
            ],
        ),
    ).fetchall()
    assert dict(rows) == {
        "idx_projects_user_status": "btree",
        "idx_material_packages_project_active": "btree",
        "idx_candidates_project_target": "btree",
        "idx_projects_input_config_gin": "gin",
        "idx_material_packages_materials_gin": "gin",
        "idx_assets_attributes_gin": "gin",
    }


def test_jsonb_containment_queries_work_on_gin_indexed_columns(db: psycopg.Connection) -> None:
    user = make_user(db)
    db.execute(
        """INSERT INTO assets (user_id, asset_type, asset_name, attributes)
           VALUES (%s, 'voice', 'Narrator', '{"language": "zh", "gender": "female"}'),
                  (%s, 'voice', 'Hero', '{"language": "en", "gender": "male"}')""",
        (user, user),
    )
    names = db.execute(
        """SELECT asset_name FROM assets WHERE attributes @> '{"language": "zh"}'"""
    ).fetchall()
    assert names == [("Narrator",)]


# Every index of the design's DDL, except idx_users_email, idx_sessions_token and
# idx_timeline_clips_shot, which would duplicate a unique constraint.
DESIGN_INDEXES = {
    "idx_projects_user": "(user_id)",
    "idx_projects_status": "(status)",
    "idx_projects_created": "(created_at DESC)",
    "idx_attachments_project": "(project_id)",
    "idx_attachments_category": "(file_category)",
    "idx_material_packages_project": "(project_id)",
    "idx_material_packages_active": "(is_active)",
    "idx_generation_tasks_package": "(material_package_id)",
    "idx_generation_tasks_status": "(status)",
    "idx_candidates_project": "(project_id)",
    "idx_candidates_target": "(target_type, target_id)",
    "idx_candidates_selected": "(is_selected)",
    "idx_timeline_clips_project": "(project_id)",
    "idx_audio_configs_project": "(project_id)",
    "idx_audio_configs_clip": "(clip_id)",
    "idx_audio_configs_type": "(audio_type)",
    "idx_export_tasks_project": "(project_id)",
    "idx_export_tasks_status": "(status)",
    "idx_export_tasks_created": "(created_at DESC)",
    "idx_export_files_task": "(export_task_id)",
    "idx_assets_user": "(user_id)",
    "idx_assets_type": "(asset_type)",
    "idx_assets_preset": "(is_preset)",
    "idx_assets_usage": "(usage_count DESC)",
    "idx_conversations_project": "(project_id)",
    "idx_modifications_project": "(project_id)",
    "idx_modifications_element": "(element_type, element_id)",
    "idx_sessions_user": "(user_id)",
    "idx_operations_user": "(user_id)",
    "idx_operations_target": "(target_type, target_id)",
    "idx_operations_created": "(created_at DESC)",
}


def test_design_indexes_exist_on_their_columns(db: psycopg.Connection) -> None:
    definitions = dict(
        db.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ).fetchall()
    )
    for name, columns in DESIGN_INDEXES.items():
        assert name in definitions, name
        assert definitions[name].endswith(f"USING btree {columns}"), definitions[name]
    unique = db.execute(
        """SELECT pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conname = 'timeline_clips_project_id_shot_number_key'"""
    ).fetchone()
    assert unique == ("UNIQUE (project_id, shot_number)",)


def test_no_index_duplicates_a_unique_constraint(db: psycopg.Connection) -> None:
    duplicates = db.execute(
        """SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
           FROM pg_index a
           JOIN pg_index b ON a.indrelid = b.indrelid AND a.indexrelid < b.indexrelid
                          AND a.indkey::text = b.indkey::text
                          AND a.indclass::text = b.indclass::text
                          AND a.indpred IS NULL AND b.indpred IS NULL
           JOIN pg_class t ON t.oid = a.indrelid
           JOIN pg_namespace n ON n.oid = t.relnamespace
           WHERE n.nspname = 'public'"""
    ).fetchall()
    assert duplicates == []
    assert (
        count(
            db,
            "pg_indexes",
            "indexname IN ('idx_users_email', 'idx_sessions_token', 'idx_timeline_clips_shot')",
        )
        == 0
    )
