"""What the command line asks of a fleet: where its targets come from and how to roll out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schemactl.config import Settings
from schemactl.errors import UsageError
from schemactl.fleet.rollout import OnFailure, Policy
from schemactl.fleet.targets import Fleet, from_query, read_file


@dataclass(frozen=True)
class FleetFlags:
    """The fleet options as given (None: not given)."""

    targets: Path | None = None
    targets_from: str | None = None
    targets_query: str | None = None
    parallel: int | None = None
    canary: int | None = None
    on_failure: str | None = None
    stages: str | None = None

    @property
    def given(self) -> bool:
        """Whether the command is to run on a fleet rather than one database."""
        return self.targets is not None or self.targets_from is not None


def check(flags: FleetFlags, settings: Settings, *, rollout: bool = True) -> None:
    """Refuse combinations that cannot mean anything (before anything is read or touched).

    ``rollout``: whether the command rolls out (``up``/``down``); others only read, so
    canary, stages and --on-failure mean nothing to them.
    """
    if flags.targets is not None and flags.targets_from is not None:
        raise UsageError("--targets and --targets-from cannot be combined")
    if (flags.targets_from is None) != (flags.targets_query is None):
        raise UsageError(
            "--targets-from and --targets-query go together",
            hint="give the database holding the targets and the query that lists them",
        )
    if not flags.given:
        for name, value in _fleet_only(flags).items():
            if value is not None:
                raise UsageError(f"{name} needs --targets or --targets-from")
        return
    if settings.sources.get("database_url") == "flag":
        raise UsageError(
            "--database-url and --targets cannot be combined",
            hint="each target's url is in the targets file (or the query's rows)",
        )
    if flags.parallel is not None and flags.parallel < 1:
        raise UsageError("--parallel must be at least 1")
    if flags.canary is not None and flags.canary < 0:
        raise UsageError("--canary must not be negative")
    if flags.on_failure is not None and flags.on_failure not in {o.value for o in OnFailure}:
        raise UsageError(
            f"--on-failure {flags.on_failure!r} is not stop or continue",
            hint="stop: start no new target after a failure; continue: run every target",
        )
    if not rollout:
        for name in ("--canary", "--on-failure", "--stages"):
            if _fleet_only(flags)[name] is not None:
                raise UsageError(f"{name} applies to up and down only")


def _fleet_only(flags: FleetFlags) -> dict[str, object]:
    return {
        "--parallel": flags.parallel,
        "--canary": flags.canary,
        "--on-failure": flags.on_failure,
        "--stages": flags.stages,
    }


def load(flags: FleetFlags) -> Fleet:
    """The fleet the flags name (``check`` them first)."""
    if flags.targets is not None:
        return read_file(flags.targets)
    assert flags.targets_from is not None and flags.targets_query is not None
    return from_query(flags.targets_from, flags.targets_query)


def policy(flags: FleetFlags) -> Policy:
    """How to roll out: one target at a time, no canary, stop at the first failure, unless
    the flags say otherwise."""
    stages = tuple(s.strip() for s in (flags.stages or "").split(",") if s.strip())
    if flags.stages is not None and not stages:
        raise UsageError("--stages names no group", hint="give groups separated by commas")
    return Policy(
        parallel=flags.parallel or 1,
        canary=flags.canary or 0,
        on_failure=OnFailure(flags.on_failure or OnFailure.STOP.value),
        stages=stages,
    )
