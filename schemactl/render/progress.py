"""A run as it goes: the watcher's and the guard's news, and a progress bar for long plans.

On a terminal a live region under the per-migration lines shows a progress bar (for a plan of
``BAR_FROM`` migrations or more) and a status line naming what a slow migration waits for and
who blocks it, redrawn as the watcher looks again; it disappears when the run ends. Without a
terminal (a pipe, a CI log) the same news is a plain line, written when it changes (another
lock, other blockers) and as a long wait passes a milestone; with ``--json``, that line is a
JSON object on stderr. ``--quiet`` silences all of it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from schemactl.render.terminal import Terminal

if TYPE_CHECKING:
    from rich.live import Live
    from rich.progress import Progress, TaskID
    from rich.text import Text

    from schemactl.run.guard import GuardCleared, GuardWaiting
    from schemactl.run.plan import Plan
    from schemactl.run.runner import Event
    from schemactl.run.watch import Blocker, Observation

# A bar for fewer migrations than this says nothing the lines do not.
BAR_FROM = 5
# Seconds into a wait at which a plain line repeats what it waits for, then every ten minutes.
_MILESTONES = (10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
_LIVE_QUERY_WIDTH = 80


class RunDisplay:
    """Receives every event of a run: the watcher's and the guard's are shown here, the rest
    goes on to ``lines`` (one line per migration). Use it as a context manager around the
    run: leaving it takes the live region down before any error is printed."""

    def __init__(self, terminal: Terminal, lines: Callable[[Event], None], *, as_json: bool):
        self.terminal = terminal
        self.lines = lines
        self.as_json = as_json
        self.live_allowed = not (terminal.quiet or terminal.plain_err or as_json)
        self._live: Live | None = None
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._status: Text | None = None
        self._said: tuple[Any, ...] | None = None
        self._next_milestone = 0

    def __enter__(self) -> RunDisplay:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Take the live region down (the per-migration lines stay)."""
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __call__(self, event: Event) -> None:
        # Events exist only once something runs; a no-op run never imports the runner.
        from schemactl.run.guard import GuardCleared, GuardWaiting
        from schemactl.run.runner import MigrationFailed, MigrationFinished
        from schemactl.run.watch import Observation

        if isinstance(event, Observation):
            self._observed(event)
            return
        if isinstance(event, GuardWaiting | GuardCleared):
            self._guarded(event)
            return
        if isinstance(event, MigrationFinished | MigrationFailed):
            self._said = None
            self._set_status(None)
            if isinstance(event, MigrationFinished):
                self._advance()
        self.lines(event)

    # --- the watcher ---------------------------------------------------------------------

    def _observed(self, seen: Observation) -> None:
        if self.terminal.quiet:
            return
        if self.live_allowed:
            self._set_status(_status_text(seen))
            return
        key = (seen.step, seen.waiting_for, tuple(b.pid for b in seen.blockers))
        due = self._next_milestone < len(_MILESTONES) and (
            seen.elapsed_seconds >= _MILESTONES[self._next_milestone]
        )
        if key == self._said and not due:
            return
        if key != self._said:
            self._next_milestone = sum(1 for m in _MILESTONES if seen.elapsed_seconds >= m)
        else:
            self._next_milestone += 1
        self._said = key
        if self.as_json:
            from schemactl.render import json as render_json

            self._write(render_json.dumps_line(render_json.observation(seen)))
        else:
            self._write(_status_line(seen))

    # --- the guard -------------------------------------------------------------------------

    def _guarded(self, event: GuardWaiting | GuardCleared) -> None:
        from schemactl.run.guard import GuardWaiting

        if self.terminal.quiet:
            return
        if self.as_json:
            from schemactl.render import json as render_json

            self._write(render_json.dumps_line(render_json.guard_event(event)))
            return
        label = event.step.migration.label
        if isinstance(event, GuardWaiting):
            count = len(event.holders)
            sessions = "a session" if count == 1 else f"{count} sessions"
            lines = [f"--guard: {label} waits for {sessions} holding locks it would queue behind:"]
            lines += [f"  {holder}" for holder in event.holders]
            self._say("\n".join(lines), "yellow")
        else:
            self._say(f"--guard: the way is clear for {label} after {event.waited_seconds:.1f} s")

    # --- the live region -------------------------------------------------------------------

    def planned(self, plan: Plan) -> None:
        """The plan about to run: a bar for a long one, on a terminal."""
        total = len(plan.steps)
        if not self.live_allowed or total < BAR_FROM:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("migrations"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.terminal.err,
        )
        self._task = self._bar.add_task("run", total=total)
        self._ensure_live()

    def _advance(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)

    def _set_status(self, text: Text | None) -> None:
        if text is None and self._status is None:
            return
        self._status = text
        if text is not None:
            self._ensure_live()
        if self._live is not None:
            self._live.update(self._renderable(), refresh=True)

    def _ensure_live(self) -> None:
        if self._live is not None:
            return
        from rich.live import Live

        self._live = Live(
            self._renderable(),
            console=self.terminal.err,
            transient=True,
            refresh_per_second=4,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._live.start()

    def _renderable(self) -> Any:
        from rich.console import Group

        parts: list[Any] = [self._status] if self._status is not None else []
        if self._bar is not None:
            parts.append(self._bar)
        return Group(*parts)

    def _say(self, text: str, style: str | None = None) -> None:
        self.terminal.progress(text, style=style)

    def _write(self, line: str) -> None:
        from schemactl.dsn import mask

        self.terminal.stderr.write(mask(line) + "\n")
        self.terminal.stderr.flush()


def _status_line(seen: Observation) -> str:
    """What a slow migration is doing, and who blocks it, as one plain line per session."""
    head = f"{seen.step.migration.label} (pid {seen.pid}) is {seen.describe()}"
    if not seen.blockers:
        return head
    return "\n".join([f"{head}, blocked by:", *(f"  {b}" for b in seen.blockers)])


def _status_text(seen: Observation) -> Text:
    from rich.text import Text

    from schemactl.dsn import mask

    text = Text()
    style = "yellow" if seen.waiting else "cyan"
    text.append(f"{seen.step.migration.label} ", style="bold")
    text.append(mask(seen.describe()), style=style)
    for blocker in seen.blockers:
        line = str(blocker) if blocker.prepared else _blocker_brief(blocker)
        text.append("\n  blocked by " + mask(line), style=style)
    if seen.blockers and not seen.blockers[0].prepared:
        first = seen.blockers[0].pid
        text.append(f"\n  (SELECT pg_terminate_backend({first}) would end it)", style="dim")
    return text


def _blocker_brief(blocker: Blocker) -> str:
    from schemactl.run.watch import seconds, shortened

    lasting = f" for {seconds(blocker.state_seconds)}" if blocker.state_seconds else ""
    app = blocker.application_name or "unknown application"
    query = shortened(blocker.query, _LIVE_QUERY_WIDTH)
    return f"pid {blocker.pid} ({app}), {blocker.state or 'unknown'}{lasting}: {query}"
