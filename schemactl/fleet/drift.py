"""``status`` across a fleet: each target's report, and the versions the targets disagree on."""

from __future__ import annotations

from dataclasses import dataclass

from schemactl.config import Settings
from schemactl.fleet.rollout import OnFailure, Policy, TargetProgress, for_target, roll_out
from schemactl.fleet.summary import FleetResult
from schemactl.fleet.targets import Fleet, Target
from schemactl.operations import StatusReport, status
from schemactl.run.plan import State, VersionStatus


def fleet_status(settings: Settings, fleet: Fleet, parallel: int) -> FleetResult[StatusReport]:
    """Every target's status, read ``parallel`` at a time; a target that cannot be read is a
    failed target, and the others are read all the same."""

    def read(target: Target, progress: TargetProgress) -> StatusReport:
        return status(for_target(settings, target))

    return roll_out(fleet, read, Policy(parallel=parallel, on_failure=OnFailure.CONTINUE))


@dataclass(frozen=True)
class Drift:
    """Every version known to any target (files or ledgers), and those whose state is not the
    same on every target that was read."""

    versions: tuple[int, ...]
    differing: tuple[int, ...]


def drift(result: FleetResult[StatusReport]) -> Drift:
    """Where the targets read disagree (pure)."""
    reports = [r.value for r in result.succeeded() if r.value is not None]
    states = [{s.version: s.state for s in report.statuses} for report in reports]
    versions = sorted({v for by_version in states for v in by_version})
    differing = [v for v in versions if len({by_version.get(v) for by_version in states}) > 1]
    return Drift(tuple(versions), tuple(differing))


def first_not_applied(report: StatusReport) -> VersionStatus | None:
    """The lowest version the target has not applied cleanly (pending, dirty, out of order)."""
    return next(
        (s for s in report.statuses if s.state in (State.PENDING, State.DIRTY, State.OUT_OF_ORDER)),
        None,
    )


def highest_applied(report: StatusReport) -> int | None:
    applied = [s.version for s in report.statuses if s.row is not None and not s.row.dirty]
    return max(applied, default=None)
