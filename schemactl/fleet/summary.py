"""What a fleet run did, target by target, and the one exit code that sums it up.

The same objects feed the progress lines, the closing table and ``--json``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Generic, TypeVar

from schemactl.errors import ExitCode, SchemactlError
from schemactl.fleet.targets import Target

R = TypeVar("R")


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    NOT_STARTED = "not_started"


class Stop(enum.Enum):
    """Why targets were left unstarted."""

    CANARY = "canary_failed"
    FAILURE = "target_failed"
    INTERRUPT = "interrupted"


@dataclass(frozen=True)
class Done:
    """A migration a target finished (applied, or rolled back) before its run ended."""

    version: int
    name: str


@dataclass(frozen=True)
class TargetResult(Generic[R]):
    """One target's end: its operation's result when it succeeded, its error when not, and
    the migrations it finished either way (a failed or interrupted run keeps those)."""

    target: Target
    wave: str
    outcome: Outcome
    value: R | None = None
    error: SchemactlError | None = None
    done: tuple[Done, ...] = ()
    # Interrupted while this migration ran: committed whole or rolled back, the ledger says.
    in_flight: Done | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        """The exit code a single run against this target alone would have ended with."""
        if self.outcome is Outcome.SUCCEEDED:
            return int(ExitCode.OK)
        if self.outcome is Outcome.INTERRUPTED:
            return int(ExitCode.INTERRUPTED)
        if self.error is not None:
            return int(self.error.exit_code)
        return int(ExitCode.SOME_TARGETS_FAILED)


@dataclass(frozen=True)
class FleetResult(Generic[R]):
    """Every target of the fleet in its order, started or not, and why the run stopped early
    (None when every target was started)."""

    results: tuple[TargetResult[R], ...]
    stopped: Stop | None = None

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    def succeeded(self) -> list[TargetResult[R]]:
        return [r for r in self.results if r.outcome is Outcome.SUCCEEDED]

    @property
    def exit_code(self) -> int:
        """0 when every target succeeded; 130 when the run was interrupted; when every target
        failed, all with one exit code, that code (as one run would have said it); else 6."""
        if self.stopped is Stop.INTERRUPT or self.count(Outcome.INTERRUPTED):
            return int(ExitCode.INTERRUPTED)
        if all(r.outcome is Outcome.SUCCEEDED for r in self.results):
            return int(ExitCode.OK)
        codes = {r.exit_code for r in self.results}
        if len(codes) == 1 and all(r.outcome is Outcome.FAILED for r in self.results):
            return codes.pop()
        return int(ExitCode.SOME_TARGETS_FAILED)
