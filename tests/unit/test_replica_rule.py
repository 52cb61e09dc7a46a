"""How long a standby lags, by ``--max-replica-lag``'s rule (schemactl/run/replicas.py)."""

from __future__ import annotations

import pytest

from schemactl.config import resolve
from schemactl.errors import ConfigError
from schemactl.run.replicas import lag_seconds, seconds, size


def test_a_standby_with_nothing_left_to_replay_lags_nothing_whatever_replay_lag_still_shows():
    # pg_stat_replication keeps the last measured replay_lag after the standby caught up.
    assert lag_seconds(0, 4.2, stalled_seconds=30.0, replay_lag_then=4.2) == 0.0
    assert lag_seconds(-16, None) == 0.0


def test_a_standby_behind_lags_what_postgresql_measured():
    assert lag_seconds(8192, 0.3) == 0.3
    assert lag_seconds(8192, None) == 0.0


def test_a_replay_position_that_stands_still_while_behind_lags_more_as_time_passes():
    # Paused: replay_lag was 1.5 s when the position was first seen, 4 s ago, and the
    # standby has not replied since.
    assert lag_seconds(8192, 1.5, stalled_seconds=4.0, replay_lag_then=1.5) == 5.5
    # A newer reply measured more than that: PostgreSQL's figure stands.
    assert lag_seconds(8192, 9.0, stalled_seconds=4.0, replay_lag_then=1.5) == 9.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [("500ms", 0.5), ("5s", 5.0), ("1.5 s", 1.5), ("2min", 120.0), ("1h", 3600.0)],
)
def test_the_limit_is_a_duration_with_its_unit(tmp_path, text, expected):
    settings = resolve({"max_replica_lag": text}, env={}, cwd=tmp_path)
    assert settings.max_replica_lag == expected
    assert settings.sources["max_replica_lag"] == "flag"


@pytest.mark.parametrize("text", ["5", "0.5", "fast", "-1s", "5 seconds"])
def test_a_limit_without_a_unit_is_refused(tmp_path, text):
    with pytest.raises(ConfigError) as raised:
        resolve({}, env={"SCHEMACTL_MAX_REPLICA_LAG": text}, cwd=tmp_path)
    assert raised.value.message.startswith(f"invalid max_replica_lag {text!r}")
    assert "(from env:SCHEMACTL_MAX_REPLICA_LAG)" in raised.value.message
    assert raised.value.hint == "give a duration with its unit, such as 500ms, 5s or 1min"


def test_the_limit_comes_from_the_config_file(tmp_path):
    (tmp_path / "schemactl.toml").write_text('max_replica_lag = "10s"\n')
    settings = resolve({}, env={}, cwd=tmp_path)
    assert settings.max_replica_lag == 10.0
    assert settings.sources["max_replica_lag"] == str(tmp_path / "schemactl.toml")


def test_lag_reads_as_people_write_it():
    assert seconds(0.25) == "250 ms"
    assert seconds(4.21) == "4.2 s"
    assert seconds(185) == "3 min 5 s"
    assert size(936) == "936 bytes"
    assert size(34 * 1024) == "34 kB"
    assert size(5 * 1024**3) == "5120 MB"
