"""Behaviour of the Genesis AI app schema (sql/genesis) as the app relies on it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors


@pytest.fixture
def db(apply_set: Callable[[str], psycopg.Connection]) -> psycopg.Connection:
    return apply_set("genesis")


def one(conn: psycopg.Connection, sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
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


def make_user_session(conn: psycopg.Connection, user_id: uuid.UUID, sid: str = "us-1") -> str:
    conn.execute(
        "INSERT INTO user_sessions (session_id, user_id) VALUES (%s, %s)",
        (sid, user_id),
    )
    return sid


def make_chat_session(
    conn: psycopg.Connection, user_id: uuid.UUID | None, sid: str = "cs-1"
) -> str:
    conn.execute(
        "INSERT INTO chat_sessions (session_id, user_id) VALUES (%s, %s)",
        (sid, user_id),
    )
    return sid


def make_analysis(conn: psycopg.Connection, sid: str, user_id: uuid.UUID) -> int:
    return one(
        conn,
        """INSERT INTO intent_analyses
               (session_id, user_id, primary_intent, target_audience_segment, urgency_level)
           VALUES (%s, %s, 'buy_shoes', 'runners', 0.7) RETURNING id""",
        (sid, user_id),
    )


def make_recommendation(
    conn: psycopg.Connection, sid: str, user_id: uuid.UUID, analysis_id: int | None = None
) -> int:
    return one(
        conn,
        """INSERT INTO ad_recommendations
               (session_id, user_id, analysis_id, ad_id, product_id, relevance_score, ad_copy)
           VALUES (%s, %s, %s, 'ad-1', 'p-1', 0.9, 'Run faster') RETURNING id""",
        (sid, user_id, analysis_id),
    )


def make_llm_call(conn: psycopg.Connection, sid: str | None, user_id: uuid.UUID | None) -> int:
    return one(
        conn,
        """INSERT INTO llm_calls (session_id, user_id, provider, model, endpoint, request_data)
           VALUES (%s, %s, 'openai', 'gpt-4o', '/chat/completions', '{}') RETURNING id""",
        (sid, user_id),
    )


# --- defaults ---------------------------------------------------------------------------------


def test_user_gets_generated_uuid_active_flag_and_timestamps(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    row = db.execute(
        "SELECT is_active, created_at IS NOT NULL, updated_at IS NOT NULL FROM users WHERE id = %s",
        (user_id,),
    ).fetchone()
    assert isinstance(user_id, uuid.UUID)
    assert row == (True, True, True)


@pytest.mark.parametrize(
    "table, columns, values",
    [
        ("system_config", "key, value", "'k', 'v'"),
        ("performance_metrics", "metric_name, metric_value", "'latency', 1.5"),
        ("error_logs", "error_type, error_message", "'ValueError', 'bad'"),
        ("audit_logs", "action, resource_type", "'login', 'user'"),
        ("tool_calls", "tool_name, status", "'search', 'success'"),
    ],
)
def test_identity_ids_are_generated_in_order(
    db: psycopg.Connection, table: str, columns: str, values: str
) -> None:
    first = one(db, f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id")
    db.execute(f"DELETE FROM {table}")
    second = one(db, f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id")
    assert (first, second) == (1, 2)


def test_performance_metric_timestamp_defaults_to_now(db: psycopg.Connection) -> None:
    db.execute("INSERT INTO performance_metrics (metric_name, metric_value) VALUES ('qps', 42)")
    age = one(db, 'SELECT now() - "timestamp" FROM performance_metrics')
    assert age.total_seconds() < 60


def test_system_config_is_active_defaults_to_true(db: psycopg.Connection) -> None:
    db.execute("INSERT INTO system_config (key, value) VALUES ('ads.enabled', 'true')")
    assert one(db, "SELECT is_active FROM system_config WHERE key = 'ads.enabled'") is True


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO users (username, email, password_hash, is_active) "
        "VALUES ('u', 'u@x', 'x', NULL)",
        "INSERT INTO users (username, email, password_hash, created_at) "
        "VALUES ('u', 'u@x', 'x', NULL)",
        "INSERT INTO system_config (key, value, is_active) VALUES ('k', 'v', NULL)",
    ],
)
def test_flags_and_timestamps_reject_explicit_null(db: psycopg.Connection, sql: str) -> None:
    with pytest.raises(errors.NotNullViolation):
        db.execute(sql)


# --- updated_at triggers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, insert, update",
    [
        (
            "users",
            "INSERT INTO users (username, email, password_hash, updated_at) "
            "VALUES ('bob', 'bob@x', 'x', now() - interval '1 hour')",
            "UPDATE users SET full_name = 'Bob'",
        ),
        (
            "user_sessions",
            "INSERT INTO user_sessions (session_id, user_id, updated_at) "
            "VALUES ('us-9', (SELECT id FROM users), now() - interval '1 hour')",
            "UPDATE user_sessions SET user_segment = 'runners'",
        ),
        (
            "chat_sessions",
            "INSERT INTO chat_sessions (session_id, updated_at) "
            "VALUES ('cs-9', now() - interval '1 hour')",
            "UPDATE chat_sessions SET system_prompt = 'Be brief.'",
        ),
        (
            "system_config",
            "INSERT INTO system_config (key, value, updated_at) "
            "VALUES ('k', 'v', now() - interval '1 hour')",
            "UPDATE system_config SET value = 'w'",
        ),
    ],
)
def test_update_moves_updated_at(
    db: psycopg.Connection, table: str, insert: str, update: str
) -> None:
    if table == "user_sessions":
        make_user(db)
    db.execute(insert)
    before = one(db, f"SELECT updated_at FROM {table}")
    db.execute(update)
    after = one(db, f"SELECT updated_at FROM {table}")
    assert after > before
    assert one(db, f"SELECT now() - updated_at FROM {table}").total_seconds() < 60


# --- unique keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO users (username, email, password_hash) VALUES ('alice', 'other@x', 'x')",
        "INSERT INTO users (username, email, password_hash) "
        "VALUES ('other', 'alice@example.com', 'x')",
    ],
    ids=["username", "email"],
)
def test_users_reject_duplicate_username_and_email(db: psycopg.Connection, sql: str) -> None:
    make_user(db, "alice")
    with pytest.raises(errors.UniqueViolation):
        db.execute(sql)


def test_session_ids_are_unique(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    make_user_session(db, user_id, "s-1")
    make_chat_session(db, user_id, "s-1")  # separate namespaces: same key in the other table
    with pytest.raises(errors.UniqueViolation):
        make_user_session(db, user_id, "s-1")
    with pytest.raises(errors.UniqueViolation):
        make_chat_session(db, None, "s-1")


def test_system_config_key_is_unique(db: psycopg.Connection) -> None:
    db.execute("INSERT INTO system_config (key, value) VALUES ('max_tokens', '1024')")
    with pytest.raises(errors.UniqueViolation):
        db.execute("INSERT INTO system_config (key, value) VALUES ('max_tokens', '2048')")


def test_api_log_request_id_is_unique(db: psycopg.Connection) -> None:
    sql = (
        "INSERT INTO api_logs (request_id, method, path, status_code) "
        "VALUES ('r-1', 'GET', '/', 200)"
    )
    db.execute(sql)
    with pytest.raises(errors.UniqueViolation):
        db.execute(sql)


# --- CHECK constraints ------------------------------------------------------------------------

LLM = (
    "INSERT INTO llm_calls (provider, model, endpoint, request_data, {col}) "
    "VALUES ('p', 'm', 'e', '{{}}', {val})"
)
API = (
    "INSERT INTO api_logs (request_id, method, path, status_code{col}) "
    "VALUES ('r', 'GET', '/', {val})"
)


@pytest.mark.parametrize(
    "constraint, sql",
    [
        ("llm_calls_tokens_used_check", LLM.format(col="tokens_used", val="-1")),
        ("llm_calls_cost_usd_check", LLM.format(col="cost_usd", val="-0.01")),
        ("llm_calls_latency_ms_check", LLM.format(col="latency_ms", val="-5")),
        ("llm_calls_status_code_check", LLM.format(col="status_code", val="99")),
        ("llm_calls_status_code_check", LLM.format(col="status_code", val="600")),
        ("api_logs_status_code_check", API.format(col="", val="42")),
        ("api_logs_latency_ms_check", API.format(col=", latency_ms", val="200, -1")),
        (
            "tool_calls_duration_ms_check",
            "INSERT INTO tool_calls (tool_name, status, duration_ms) VALUES ('t', 'ok', -1)",
        ),
    ],
)
def test_log_checks_reject_impossible_values(
    db: psycopg.Connection, constraint: str, sql: str
) -> None:
    with pytest.raises(errors.CheckViolation) as exc:
        db.execute(sql)
    assert exc.value.diag.constraint_name == constraint


@pytest.mark.parametrize("confidence", [-0.1, 1.5])
def test_confidences_must_lie_between_zero_and_one(
    db: psycopg.Connection, confidence: float
) -> None:
    user_id = make_user(db)
    sid = make_user_session(db, user_id)
    with pytest.raises(errors.CheckViolation) as exc:
        db.execute(
            """INSERT INTO user_behaviors
                   (session_id, user_id, behavior_type, behavior_data, intent_confidence)
               VALUES (%s, %s, 'click', '{}', %s)""",
            (sid, user_id, confidence),
        )
    assert exc.value.diag.constraint_name == "user_behaviors_intent_confidence_check"
    analysis_id = make_analysis(db, sid, user_id)
    with pytest.raises(errors.CheckViolation) as exc:
        db.execute(
            "UPDATE intent_analyses SET analysis_confidence = %s WHERE id = %s",
            (confidence, analysis_id),
        )
    assert exc.value.diag.constraint_name == "intent_analyses_analysis_confidence_check"


def test_recommendation_position_cannot_be_negative(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    rec_id = make_recommendation(db, make_user_session(db, user_id), user_id)
    db.execute("UPDATE ad_recommendations SET position = 0 WHERE id = %s", (rec_id,))
    with pytest.raises(errors.CheckViolation) as exc:
        db.execute("UPDATE ad_recommendations SET position = -1 WHERE id = %s", (rec_id,))
    assert exc.value.diag.constraint_name == "ad_recommendations_position_check"


# --- foreign keys reject orphans --------------------------------------------------------------


@pytest.mark.parametrize(
    "constraint, sql",
    [
        (
            "user_sessions_user_id_fkey",
            "INSERT INTO user_sessions (session_id, user_id) VALUES ('s', gen_random_uuid())",
        ),
        (
            "chat_sessions_user_id_fkey",
            "INSERT INTO chat_sessions (session_id, user_id) VALUES ('s', gen_random_uuid())",
        ),
        (
            "chat_messages_session_id_fkey",
            "INSERT INTO chat_messages (session_id, role, content) VALUES ('nope', 'user', 'hi')",
        ),
        (
            "llm_calls_session_id_fkey",
            "INSERT INTO llm_calls (session_id, provider, model, endpoint, request_data) "
            "VALUES ('nope', 'p', 'm', 'e', '{}')",
        ),
        (
            "tool_calls_session_id_fkey",
            "INSERT INTO tool_calls (session_id, tool_name, status) VALUES ('nope', 't', 'ok')",
        ),
        (
            "user_behaviors_session_id_fkey",
            "INSERT INTO user_behaviors (session_id, user_id, behavior_type, behavior_data) "
            "VALUES ('nope', (SELECT id FROM users), 'click', '{}')",
        ),
        (
            "intent_analyses_session_id_fkey",
            "INSERT INTO intent_analyses (session_id, user_id, primary_intent, "
            "target_audience_segment, urgency_level) "
            "VALUES ('nope', (SELECT id FROM users), 'i', 'seg', 0.5)",
        ),
        (
            "ad_recommendations_analysis_id_fkey",
            "INSERT INTO ad_recommendations (session_id, user_id, analysis_id, ad_id, "
            "product_id, relevance_score, ad_copy) "
            "VALUES ('us-1', (SELECT id FROM users), 999, 'a', 'p', 1, 'c')",
        ),
    ],
)
def test_foreign_keys_reject_orphans(db: psycopg.Connection, constraint: str, sql: str) -> None:
    make_user_session(db, make_user(db), "us-1")
    with pytest.raises(errors.ForeignKeyViolation) as exc:
        db.execute(sql)
    assert exc.value.diag.constraint_name == constraint


def test_session_tables_store_uuid_user_ids(db: psycopg.Connection) -> None:
    with pytest.raises(errors.InvalidTextRepresentation):
        db.execute("INSERT INTO user_sessions (session_id, user_id) VALUES ('s', 'user-42')")


# --- deleting a user --------------------------------------------------------------------------


def test_deleting_user_cascades_to_sessions_and_their_data(db: psycopg.Connection) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    for user_id, suffix in ((alice, "a"), (bob, "b")):
        us = make_user_session(db, user_id, f"us-{suffix}")
        cs = make_chat_session(db, user_id, f"cs-{suffix}")
        db.execute(
            "INSERT INTO chat_messages (session_id, role, content) VALUES (%s, 'user', 'hi')", (cs,)
        )
        db.execute(
            """INSERT INTO user_behaviors (session_id, user_id, behavior_type, behavior_data)
               VALUES (%s, %s, 'click', '{"x": 1}')""",
            (us, user_id),
        )
        make_recommendation(db, us, user_id, make_analysis(db, us, user_id))

    db.execute("DELETE FROM users WHERE id = %s", (alice,))

    tables = (
        "user_sessions",
        "chat_sessions",
        "chat_messages",
        "user_behaviors",
        "intent_analyses",
        "ad_recommendations",
    )
    assert {t: count(db, t) for t in tables} == dict.fromkeys(tables, 1)
    assert count(db, "user_sessions", "user_id = %s", (bob,)) == 1
    assert count(db, "chat_messages", "session_id = 'cs-b'") == 1


def test_deleting_user_detaches_but_keeps_llm_calls(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    call_id = make_llm_call(db, make_chat_session(db, user_id), user_id)
    db.execute("DELETE FROM users WHERE id = %s", (user_id,))
    row = db.execute(
        "SELECT session_id, user_id FROM llm_calls WHERE id = %s", (call_id,)
    ).fetchone()
    assert row == (None, None)


def test_audit_and_api_logs_keep_the_id_of_a_deleted_user(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    db.execute(
        "INSERT INTO audit_logs (action, resource_type, resource_id, user_id) "
        "VALUES ('delete', 'user', %s, %s)",
        (str(user_id), user_id),
    )
    db.execute(
        "INSERT INTO api_logs (request_id, session_id, user_id, method, path, status_code) "
        "VALUES ('r-1', 'cs-1', %s, 'DELETE', '/me', 204)",
        (user_id,),
    )
    db.execute("DELETE FROM users WHERE id = %s", (user_id,))
    assert count(db, "audit_logs", "user_id = %s", (user_id,)) == 1
    assert count(db, "api_logs", "user_id = %s", (user_id,)) == 1


# --- deleting sessions and analyses -----------------------------------------------------------


def test_deleting_chat_session_cascades_messages_and_detaches_calls(
    db: psycopg.Connection,
) -> None:
    cs = make_chat_session(db, None, "cs-anon")
    db.execute(
        "INSERT INTO chat_messages (session_id, role, content) VALUES (%s, 'user', 'hi')", (cs,)
    )
    call_id = make_llm_call(db, cs, None)
    tool_id = one(
        db,
        "INSERT INTO tool_calls (session_id, tool_name, status) VALUES (%s, 'search', 'ok') "
        "RETURNING id",
        (cs,),
    )
    db.execute("DELETE FROM chat_sessions WHERE session_id = %s", (cs,))
    assert count(db, "chat_messages") == 0
    assert one(db, "SELECT session_id FROM llm_calls WHERE id = %s", (call_id,)) is None
    assert one(db, "SELECT session_id FROM tool_calls WHERE id = %s", (tool_id,)) is None


def test_deleting_user_session_cascades_behaviour_intent_and_ads(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    us = make_user_session(db, user_id)
    db.execute(
        """INSERT INTO user_behaviors (session_id, user_id, behavior_type, behavior_data)
           VALUES (%s, %s, 'view', '{}')""",
        (us, user_id),
    )
    make_recommendation(db, us, user_id, make_analysis(db, us, user_id))
    db.execute("DELETE FROM user_sessions WHERE session_id = %s", (us,))
    children = ("user_behaviors", "intent_analyses", "ad_recommendations")
    assert {t: count(db, t) for t in children} == dict.fromkeys(children, 0)
    assert count(db, "users") == 1


def test_deleting_intent_analysis_keeps_recommendation(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    us = make_user_session(db, user_id)
    analysis_id = make_analysis(db, us, user_id)
    rec_id = make_recommendation(db, us, user_id, analysis_id)
    db.execute("DELETE FROM intent_analyses WHERE id = %s", (analysis_id,))
    assert one(db, "SELECT analysis_id FROM ad_recommendations WHERE id = %s", (rec_id,)) is None


# --- logs accept what they record -------------------------------------------------------------


def test_api_log_accepts_unknown_session_and_long_path(db: psycopg.Connection) -> None:
    path = "/chat/" + "x" * 2000
    db.execute(
        "INSERT INTO api_logs (request_id, session_id, method, path, status_code, user_agent, "
        "ip_address) VALUES ('r-404', 'no-such-session', 'GET', %s, 404, %s, '2001:db8::1')",
        (path, "Agent/" + "y" * 800),
    )
    assert one(db, "SELECT length(path) FROM api_logs WHERE request_id = 'r-404'") == len(path)


@pytest.mark.parametrize("address", ["10.0.0.1", "2001:db8::1", "unknown", "::ffff:192.0.2.128"])
def test_logs_record_the_client_address_as_received(db: psycopg.Connection, address: str) -> None:
    db.execute(
        "INSERT INTO audit_logs (action, resource_type, ip_address) VALUES ('a', 'r', %s)",
        (address,),
    )
    db.execute(
        "INSERT INTO api_logs (request_id, method, path, status_code, ip_address)"
        " VALUES ('r-1', 'GET', '/', 200, %s)",
        (address,),
    )
    assert count(db, "audit_logs", "ip_address = %s", (address,)) == 1
    assert count(db, "api_logs", "ip_address = %s", (address,)) == 1


def test_ip_address_keeps_the_designs_width(db: psycopg.Connection) -> None:
    longest_ipv6 = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
    assert len(longest_ipv6) == 45
    db.execute(
        "INSERT INTO audit_logs (action, resource_type, ip_address) VALUES ('a', 'r', %s)",
        (longest_ipv6,),
    )
    with pytest.raises(errors.StringDataRightTruncation):
        db.execute(
            "INSERT INTO audit_logs (action, resource_type, ip_address) VALUES ('a', 'r', %s)",
            (longest_ipv6 + "0",),
        )


def test_error_log_request_id_takes_any_api_request_id(db: psycopg.Connection) -> None:
    request_id = "r" * 255  # api_logs.request_id's full width
    db.execute(
        "INSERT INTO error_logs (error_type, error_message, request_id) VALUES ('E', 'boom', %s)",
        (request_id,),
    )
    assert count(db, "error_logs", "request_id = %s", (request_id,)) == 1


# --- value types ------------------------------------------------------------------------------


def test_llm_cost_sums_exactly(db: psycopg.Connection) -> None:
    for cost in ("0.1", "0.2", "0.0000015"):
        db.execute(
            "INSERT INTO llm_calls (provider, model, endpoint, request_data, cost_usd) "
            "VALUES ('p', 'm', 'e', '{}', %s)",
            (Decimal(cost),),
        )
    assert one(db, "SELECT sum(cost_usd) FROM llm_calls") == Decimal("0.3000015")


def test_json_columns_are_jsonb(db: psycopg.Connection) -> None:
    user_id = make_user(db)
    db.execute(
        "INSERT INTO user_sessions (session_id, user_id, preferences) "
        """VALUES ('us-1', %s, '{"lang": "en", "topics": ["running"]}')""",
        (user_id,),
    )
    assert count(db, "user_sessions", """preferences @> '{"topics": ["running"]}'""") == 1
    json_types = db.execute(
        "SELECT DISTINCT data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' AND data_type IN ('json', 'jsonb')"
    ).fetchall()
    assert json_types == [("jsonb",)]
