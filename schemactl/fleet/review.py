"""``plan`` across a fleet: each target's pending migrations observed and judged against it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from schemactl.config import Settings
from schemactl.fleet.rollout import OnFailure, Policy, TargetProgress, for_target, roll_out
from schemactl.fleet.summary import FleetResult
from schemactl.fleet.targets import Fleet, Target
from schemactl.review.plan import review
from schemactl.review.report import PlanReport

# Opens a scratch database for one target's settings (on its server, unless one is given).
ScratchFor = Callable[[Settings], AbstractContextManager[str]]


def fleet_plan(
    settings: Settings,
    fleet: Fleet,
    parallel: int,
    scratch_for: ScratchFor,
    to: int | None = None,
) -> FleetResult[PlanReport]:
    """Every target's plan, ``parallel`` at a time; a target that cannot be planned (its
    ledger refuses, a migration fails on its schema) is a failed target, and the others are
    planned all the same: a review changes nothing, so there is nothing to stop for."""

    def plan_one(target: Target, progress: TargetProgress) -> PlanReport:
        own = for_target(settings, target)
        return review(own, lambda: scratch_for(own), to=to)

    return roll_out(fleet, plan_one, Policy(parallel=parallel, on_failure=OnFailure.CONTINUE))
