"""Reading a fleet's targets file, and cutting a fleet into waves: no database."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from schemactl.errors import ConfigError, ExitCode, TargetsError, UsageError
from schemactl.fleet.rollout import Policy, plan_waves
from schemactl.fleet.summary import FleetResult, Outcome, Stop, TargetResult
from schemactl.fleet.targets import Fleet, Target, from_rows, read_file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def refusal(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> TargetsError:
    with pytest.raises(TargetsError) as caught:
        read_file(write(tmp_path, text), env=env or {})
    return caught.value


def test_targets_are_read_in_file_order_with_groups(tmp_path: Path) -> None:
    fleet = read_file(
        write(
            tmp_path,
            """
            [targets.zeta]
            url = "postgresql://app@db1/zeta"
            group = "canary"

            [targets.alpha]
            url_env = "ALPHA_URL"

            [targets."beta-2"]
            url = "host=db2 dbname=beta"
            group = "eu"
            """,
        ),
        env={"ALPHA_URL": "postgresql://app@db1/alpha"},
    )
    assert [(t.name, t.group, t.line) for t in fleet.targets] == [
        ("zeta", "canary", 1),
        ("alpha", None, 5),
        ("beta-2", "eu", 8),
    ]
    assert fleet.targets[1].url == "postgresql://app@db1/alpha"
    assert fleet.groups == ("canary", "eu")


def test_malformed_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    error = refusal(tmp_path, '[targets.a]\nurl = "postgresql://x/a"\nurl = \n')
    assert error.line == 3
    assert error.location() == (tmp_path / "targets.toml", 3)
    assert error.message.startswith(f"{tmp_path / 'targets.toml'}:3: not valid TOML")
    assert error.exit_code is ExitCode.USAGE
    assert isinstance(error, ConfigError)


def test_a_target_declared_twice_is_refused_by_the_toml_reader_with_its_line(
    tmp_path: Path,
) -> None:
    error = refusal(tmp_path, '[targets.a]\nurl = "postgresql://x/a"\n[targets.a]\nurl = "b"\n')
    assert error.line == 3


def test_unknown_key_in_a_target_is_refused_at_its_line(tmp_path: Path) -> None:
    error = refusal(
        tmp_path,
        """
        [targets.a]
        url = "postgresql://x/a"

        [targets.b]
        url = "postgresql://x/b"
        groop = "eu"
        """,
    )
    assert "unknown key 'groop' in target 'b'" in error.message
    assert error.line == 6
    assert error.hint is not None and "url, url_env, group" in error.hint


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, 'parallel = 4\n[targets.a]\nurl = "postgresql://x/a"\n')
    assert "unknown key 'parallel'" in error.message
    assert error.line == 1


@pytest.mark.parametrize("name", ["-lead", "has space", "x" * 64, "ünï"])
def test_invalid_names_are_refused(tmp_path: Path, name: str) -> None:
    error = refusal(tmp_path, f'[targets."{name}"]\nurl = "postgresql://x/a"\n')
    assert "invalid target name" in error.message
    assert error.line == 1


def test_names_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    error = refusal(
        tmp_path,
        '[targets.Tenant]\nurl = "postgresql://x/a"\n[targets.tenant]\nurl = "postgresql://x/b"\n',
    )
    assert "differ only in case" in error.message
    assert error.line == 3


def test_a_target_without_url_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, '[targets.a]\ngroup = "eu"\n')
    assert "target 'a' has no url" in error.message
    assert error.line == 1


def test_url_and_url_env_together_are_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, '[targets.a]\nurl = "postgresql://x/a"\nurl_env = "A"\n')
    assert "both url and url_env" in error.message


def test_an_unset_environment_variable_is_named_without_any_value(tmp_path: Path) -> None:
    error = refusal(tmp_path, '# tenants\n[targets.a]\nurl_env = "TENANT_A_URL"\n')
    assert "TENANT_A_URL is not set" in error.message
    assert error.line == 2


def test_a_non_string_value_is_refused(tmp_path: Path) -> None:
    error = refusal(tmp_path, "[targets.a]\nurl = 5\n")
    assert "url of target 'a' must be a string" in error.message
    assert error.line == 2


def test_two_targets_with_one_url_are_refused_without_printing_its_password(
    tmp_path: Path,
) -> None:
    url = "postgresql://app:hunter2secret@db1/x"
    error = refusal(tmp_path, f'[targets.a]\nurl = "{url}"\n[targets.b]\nurl = "{url}"\n')
    assert "same url" in error.message
    assert "hunter2secret" not in error.message


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert "no targets" in refusal(tmp_path, "# nothing yet\n").message


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TargetsError, match="cannot read"):
        read_file(tmp_path / "absent.toml")


def test_rows_from_a_query_are_checked_like_a_file() -> None:
    fleet = from_rows([("a", "postgresql://x/a", "eu"), ("b", "postgresql://x/b", None)], "q")
    assert [t.name for t in fleet.targets] == ["a", "b"]
    with pytest.raises(TargetsError, match="row 2 of q: target 'b' has no url"):
        from_rows([("a", "postgresql://x/a", None), ("b", None, None)], "q")
    with pytest.raises(TargetsError, match="returned no targets"):
        from_rows([], "q")


def fleet_of(*groups: str | None) -> Fleet:
    targets = tuple(Target(f"t{i}", f"postgresql://x/t{i}", g) for i, g in enumerate(groups))
    return Fleet(targets, "test")


def names(waves: tuple[object, ...]) -> list[tuple[str, list[str]]]:
    return [(w.label, [t.name for t in w.targets]) for w in waves]  # type: ignore[attr-defined]


def test_without_stages_one_wave_follows_the_canary() -> None:
    waves = plan_waves(fleet_of(None, None, None, None), Policy(canary=1))
    assert names(waves) == [("canary", ["t0"]), ("all", ["t1", "t2", "t3"])]
    assert waves[0].canary


def test_stages_run_in_the_order_given_and_the_canary_comes_from_the_first() -> None:
    fleet = fleet_of("us", "eu", "us", "eu", "canary")
    waves = plan_waves(fleet, Policy(canary=1, stages=("eu", "us", "canary")))
    assert names(waves) == [
        ("canary", ["t1"]),
        ("stage eu", ["t3"]),
        ("stage us", ["t0", "t2"]),
        ("stage canary", ["t4"]),
    ]


def test_targets_in_no_listed_stage_are_refused_unless_star_takes_them() -> None:
    fleet = fleet_of("eu", None, "us")
    with pytest.raises(UsageError, match="2 target\\(s\\) are in no stage of --stages: t1, t2"):
        plan_waves(fleet, Policy(stages=("eu",)))
    assert names(plan_waves(fleet, Policy(stages=("eu", "*")))) == [
        ("stage eu", ["t0"]),
        ("stage *", ["t1", "t2"]),
    ]


def test_a_stage_naming_no_group_and_a_canary_larger_than_the_fleet_are_refused() -> None:
    with pytest.raises(UsageError, match="group 'asia'"):
        plan_waves(fleet_of("eu"), Policy(stages=("eu", "asia")))
    with pytest.raises(UsageError, match="--canary 3"):
        plan_waves(fleet_of(None, None), Policy(canary=3))
    with pytest.raises(UsageError, match="twice"):
        plan_waves(fleet_of("eu"), Policy(stages=("eu", "eu")))


class _Failed(ConfigError):
    pass


def result(outcome: Outcome, error: Exception | None = None) -> TargetResult[None]:
    return TargetResult(Target("t", "postgresql://x/t"), "all", outcome, error=error)  # type: ignore[arg-type]


def test_exit_code_sums_up_the_fleet() -> None:
    from schemactl.errors import MigrationFailedError

    def failed() -> TargetResult[None]:
        return result(Outcome.FAILED, MigrationFailedError("x", path=Path("f"), line=1))

    ok = result(Outcome.SUCCEEDED)
    assert FleetResult((ok, ok)).exit_code == 0
    assert FleetResult((failed(), failed())).exit_code == ExitCode.MIGRATION_FAILED
    assert FleetResult((ok, failed())).exit_code == ExitCode.SOME_TARGETS_FAILED
    unstarted = result(Outcome.NOT_STARTED)
    assert FleetResult((failed(), unstarted), Stop.FAILURE).exit_code == 6
    assert FleetResult((ok, unstarted), Stop.INTERRUPT).exit_code == ExitCode.INTERRUPTED
    mixed = result(Outcome.FAILED, _Failed("bad"))
    assert FleetResult((failed(), mixed)).exit_code == ExitCode.SOME_TARGETS_FAILED
