"""Running one single-target operation across a fleet: waves, stages, bounded parallelism.

The fleet is cut into waves that run one after another: the canary (the first N targets,
alone), then each stage (the targets of one group), or everything else. Within a wave at
most ``parallel`` targets run at once, each in its own thread and with its own connections
and run lock: the work is on the servers, so threads are enough.

A failure in the canary starts nothing more. Elsewhere ``on_failure`` decides: ``stop``
starts no new target (those running finish), ``continue`` goes on to the end.

Ctrl-C and SIGTERM reach only the main thread. A single run turns them into a
KeyboardInterrupt where it waits on the server, which cancels the migration in flight and
reads whether it committed; a fleet raises that same KeyboardInterrupt in every thread still
running a target, so each target ends as one run would (its migration in flight committed
whole or rolled back), and starts no new target. A second Ctrl-C is passed on too, as a
second Ctrl-C is to a single run.
"""

from __future__ import annotations

import ctypes
import enum
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, TypeVar

from schemactl.config import Settings
from schemactl.dsn import mask
from schemactl.errors import ExitCode, InterruptedRunError, SchemactlError, UsageError
from schemactl.fleet.summary import Done, FleetResult, Outcome, Stop, TargetResult
from schemactl.fleet.targets import Fleet, Target

if TYPE_CHECKING:
    from schemactl.run.runner import Event

R = TypeVar("R")

# --stages entry that stands for every target no other listed group holds.
REST = "*"


class OnFailure(enum.Enum):
    STOP = "stop"
    CONTINUE = "continue"


@dataclass(frozen=True)
class Policy:
    """How a fleet is rolled out."""

    parallel: int = 1
    canary: int = 0
    on_failure: OnFailure = OnFailure.STOP
    stages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Wave:
    """Targets that run together; the next wave starts once every one of them has ended."""

    label: str
    targets: tuple[Target, ...]
    canary: bool = False


def for_target(settings: Settings, target: Target) -> Settings:
    """``settings`` with the target's URL in place of the single database's."""
    sources = {**settings.sources, "database_url": f"target {target.name}"}
    return replace(settings, database_url=target.url, sources=sources)


def plan_waves(fleet: Fleet, policy: Policy) -> tuple[Wave, ...]:
    """The waves of a rollout, in order (pure).

    Raises UsageError for a stage naming no group of the fleet, a stage listed twice, targets
    in no listed stage (unless ``*`` is listed), or a canary larger than the fleet.
    """
    ordered = _staged(fleet, policy.stages)
    if policy.canary > sum(len(targets) for _, targets in ordered):
        raise UsageError(
            f"--canary {policy.canary} is more than the {len(fleet.targets)} targets of the fleet"
        )
    waves: list[Wave] = []
    left = policy.canary
    if left:
        first = tuple(t for _, targets in ordered for t in targets)[:left]
        waves.append(Wave("canary", first, canary=True))
    taken = {t.name for wave in waves for t in wave.targets}
    for label, targets in ordered:
        rest = tuple(t for t in targets if t.name not in taken)
        if rest:
            waves.append(Wave(label, rest))
    return tuple(waves)


def _staged(fleet: Fleet, stages: Sequence[str]) -> list[tuple[str, tuple[Target, ...]]]:
    if not stages:
        return [("all", fleet.targets)]
    seen: set[str] = set()
    for stage in stages:
        if stage in seen:
            raise UsageError(f"--stages lists {stage!r} twice")
        seen.add(stage)
        if stage != REST and stage not in fleet.groups:
            raise UsageError(
                f"--stages names group {stage!r}, which no target of {fleet.source} is in",
                hint="groups of the fleet: " + (", ".join(fleet.groups) or "none"),
            )
    listed = set(stages) - {REST}
    unplaced = [t.name for t in fleet.targets if t.group not in listed]
    if unplaced and REST not in stages:
        shown = ", ".join(unplaced[:5]) + (
            f" and {len(unplaced) - 5} more" if len(unplaced) > 5 else ""
        )
        raise UsageError(
            f"{len(unplaced)} target(s) are in no stage of --stages: {shown}",
            hint="list their groups, or end --stages with '*' to run every other target last",
        )
    return [
        (
            f"stage {stage}",
            tuple(
                t
                for t in fleet.targets
                if (t.group == stage if stage != REST else t.group not in listed)
            ),
        )
        for stage in stages
    ]


class TargetProgress:
    """What a target's operation reports while it runs: the migrations it finished."""

    def __init__(self) -> None:
        self.done: list[Done] = []
        # The migration sent and not yet reported ended: after an interrupt it may have
        # committed (the ledger says), as a single run's may.
        self.in_flight: Done | None = None
        self.started = time.perf_counter()

    def on_event(self, event: Event) -> None:
        """A runner event (``Hooks.on_event``): keeps each migration that finished."""
        from schemactl.run.runner import MigrationFailed, MigrationFinished, MigrationStarted

        if isinstance(event, MigrationStarted):
            self.in_flight = Done(event.step.migration.version, event.step.migration.name)
        elif isinstance(event, MigrationFinished):
            self.done.append(Done(event.step.migration.version, event.step.migration.name))
            self.in_flight = None
        elif isinstance(event, MigrationFailed):
            self.in_flight = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


Action = Callable[[Target, TargetProgress], R]
OnTargetEnd = Callable[[TargetResult[R]], None]


def roll_out(
    fleet: Fleet,
    action: Action[R],
    policy: Policy,
    *,
    on_end: OnTargetEnd[R] = lambda result: None,
) -> FleetResult[R]:
    """Run ``action`` once per target, wave by wave (see the module's docstring).

    ``action`` raises a SchemactlError to fail its target; ``on_end`` is called (from the
    worker thread) as each target ends. Returns every target's result in the fleet's order,
    those never started included. A Ctrl-C ends the rollout as described above: it returns,
    with ``stopped`` saying so, instead of raising.
    """
    waves = plan_waves(fleet, policy)
    run = _Rollout(action, policy, on_end)
    wave_of = {t.name: w.label for w in waves for t in w.targets}
    try:
        for wave in waves:
            if run.stop is not None:
                break
            run.wave(wave)
            if wave.canary and run.failed and run.stop is None:
                run.stop = Stop.CANARY
    except KeyboardInterrupt:
        run.stop = Stop.INTERRUPT  # between two waves: no thread is running
    results = tuple(
        run.results.get(t.name) or run.unfinished(t, wave_of[t.name]) for t in fleet.targets
    )
    return FleetResult(results, run.stop)


@dataclass
class _Rollout(Generic[R]):
    action: Action[R]
    policy: Policy
    on_end: OnTargetEnd[R]
    results: dict[str, TargetResult[R]] = field(default_factory=dict)
    progress: dict[str, TargetProgress] = field(default_factory=dict)
    stop: Stop | None = None
    failed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wave(self, wave: Wave) -> None:
        queue = list(wave.targets)
        workers = [
            _Worker(self, queue, wave.label) for _ in range(min(self.policy.parallel, len(queue)))
        ]
        try:
            for worker in workers:
                worker.start()
            self._join(workers)
        except KeyboardInterrupt:
            self._interrupted(workers)

    def _join(self, workers: list[_Worker[R]]) -> None:
        for worker in workers:
            # A join with a timeout lets the main thread take Ctrl-C while it waits.
            while worker.is_alive():
                worker.join(0.25)

    def _interrupted(self, workers: list[_Worker[R]]) -> None:
        with self.lock:
            self.stop = Stop.INTERRUPT
        while True:
            for worker in workers:
                worker.interrupt()
            try:
                self._join(workers)
                return
            except KeyboardInterrupt:
                continue  # a second Ctrl-C: passed on, as a single run takes it

    def next_target(self, queue: list[Target]) -> Target | None:
        with self.lock:
            if self.stop is not None or not queue:
                return None
            target = queue.pop(0)
            self.progress[target.name] = TargetProgress()
            return target

    def record(self, result: TargetResult[R]) -> None:
        with self.lock:
            self.results[result.target.name] = result
            if result.outcome is Outcome.FAILED:
                self.failed = True
                if self.policy.on_failure is OnFailure.STOP and self.stop is None:
                    self.stop = Stop.FAILURE
        self.on_end(result)

    def unfinished(self, target: Target, wave: str) -> TargetResult[R]:
        """A target without a result: never started, or interrupted before its result was
        kept (what it finished is known all the same)."""
        progress = self.progress.get(target.name)
        if progress is None:
            return TargetResult(target, wave, Outcome.NOT_STARTED)
        return TargetResult(
            target,
            wave,
            Outcome.INTERRUPTED,
            done=tuple(progress.done),
            in_flight=progress.in_flight,
            seconds=progress.elapsed(),
        )


class InternalError(SchemactlError):
    """A bug met while running one target's operation (exit 70, as for one run)."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, exc: Exception):
        trace = "".join(traceback.format_exception(exc))
        super().__init__(
            f"internal error (a bug in schemactl): {type(exc).__name__}: {exc}",
            detail=mask(trace),
            hint="please report it with the traceback above",
        )


class _Worker(threading.Thread, Generic[R]):
    """Takes targets from its wave's queue, one at a time, until it is empty or the rollout
    stops."""

    def __init__(self, rollout: _Rollout[R], queue: list[Target], wave: str):
        super().__init__(daemon=True, name=f"schemactl fleet {wave}")
        self.rollout = rollout
        self.queue = queue
        self.wave = wave
        self._guard = threading.Lock()
        self._interruptible = False

    def run(self) -> None:
        try:
            while (target := self.rollout.next_target(self.queue)) is not None:
                self._one(target)
        except KeyboardInterrupt:
            # Raised just after a target ended (see interrupt): nothing more to start, and
            # the target's result is kept or rebuilt from its progress.
            return

    def _one(self, target: Target) -> None:
        progress = self.rollout.progress[target.name]
        try:
            with self._while_running():
                value = self.rollout.action(target, progress)
            result = self._result(target, progress, Outcome.SUCCEEDED, value=value)
        except KeyboardInterrupt:
            result = self._result(target, progress, Outcome.INTERRUPTED)
        except InterruptedRunError as error:
            result = self._result(target, progress, Outcome.INTERRUPTED, error=error)
        except SchemactlError as error:
            result = self._result(target, progress, Outcome.FAILED, error=error)
        except Exception as exc:
            # A bug, met on one target: it fails that target alone, with its traceback.
            result = self._result(target, progress, Outcome.FAILED, error=InternalError(exc))
        self.rollout.record(result)

    def _result(
        self,
        target: Target,
        progress: TargetProgress,
        outcome: Outcome,
        *,
        value: R | None = None,
        error: SchemactlError | None = None,
    ) -> TargetResult[R]:
        return TargetResult(
            target,
            self.wave,
            outcome,
            value=value,
            error=error,
            done=tuple(progress.done),
            in_flight=progress.in_flight if outcome is Outcome.INTERRUPTED else None,
            seconds=progress.elapsed(),
        )

    @contextmanager
    def _while_running(self) -> Iterator[None]:
        with self._guard:
            self._interruptible = True
        try:
            yield
        finally:
            with self._guard:
                self._interruptible = False

    def interrupt(self) -> None:
        """Raise KeyboardInterrupt in this thread if it is running a target's operation."""
        with self._guard:
            if not self._interruptible or self.ident is None:
                return
            # CPython's way to raise in another thread; it takes effect when that thread next
            # runs Python code (a wait on the server polls, so within a second).
            ctypes.pythonapi.PyThreadState_SetAsyncExc(
                ctypes.c_ulong(self.ident), ctypes.py_object(KeyboardInterrupt)
            )
