"""``--max-replica-lag``'s news on stderr: which standby a migration waits for and how far it
lags, when the wait is over, and that there is no standby at all. With ``--json``, each is a
JSON object on one line of stderr, as the run's other events are."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from schemactl.render.terminal import Terminal

if TYPE_CHECKING:
    from schemactl.run.replicas import ReplicaEvent, Standby
    from schemactl.run.runner import Event


class ReplicaNews:
    """Shows the replica events of a run and hands every other event to ``rest``."""

    def __init__(self, terminal: Terminal, rest: Callable[[Event], None], *, as_json: bool):
        self.terminal = terminal
        self.rest = rest
        self.as_json = as_json

    def __call__(self, event: Event) -> None:
        # Events exist only once something runs; a no-op run never imports the runner.
        from schemactl.run.replicas import NoStandby, ReplicaCaughtUp, ReplicaWaiting

        if not isinstance(event, ReplicaWaiting | ReplicaCaughtUp | NoStandby):
            self.rest(event)
            return
        if self.terminal.quiet:
            return
        if self.as_json:
            from schemactl.dsn import mask
            from schemactl.render import json as render_json

            self.terminal.stderr.write(mask(render_json.dumps_line(as_json(event))) + "\n")
            self.terminal.stderr.flush()
            return
        self.terminal.progress(*human(event))


def human(event: ReplicaEvent) -> tuple[str, str | None]:
    """The event as text for stderr, and its style."""
    from schemactl.run.replicas import NoStandby, ReplicaWaiting, seconds

    label = event.step.migration.label
    if isinstance(event, NoStandby):
        return "--max-replica-lag: no standby streams from this server; nothing to wait for", None
    if isinstance(event, ReplicaWaiting):
        count = len(event.standbys)
        which = "a standby" if count == 1 else f"{count} standbys"
        head = f"--max-replica-lag {event.limit_seconds:g}s: {label} waits for {which} to catch up:"
        return "\n".join([head, *(f"  {standby}" for standby in event.standbys)]), "yellow"
    return (
        f"--max-replica-lag: the standbys caught up; {label} starts after waiting "
        f"{seconds(event.waited_seconds)}",
        None,
    )


def as_json(event: ReplicaEvent) -> dict[str, Any]:
    """The event as a ``--json`` run writes it on stderr."""
    from schemactl.run.replicas import NoStandby, ReplicaWaiting

    step = {"version": event.step.migration.version, "name": event.step.migration.name}
    if isinstance(event, NoStandby):
        return {"event": "no_standby", **step}
    if isinstance(event, ReplicaWaiting):
        return {
            "event": "replica_waiting",
            **step,
            "max_lag_seconds": event.limit_seconds,
            "standbys": [_standby(s) for s in event.standbys],
        }
    return {"event": "replica_caught_up", **step, "waited_seconds": round(event.waited_seconds, 3)}


def _standby(standby: Standby) -> dict[str, Any]:
    replay_lag = standby.replay_lag_seconds
    return {
        "application_name": standby.application_name,
        "client_addr": standby.client_addr,
        "pid": standby.pid,
        "state": standby.state,
        "lag_seconds": round(standby.lag_seconds, 3),
        "replay_lag_seconds": None if replay_lag is None else round(replay_lag, 3),
        "bytes_behind": standby.bytes_behind,
        "replay_lsn": standby.replay_lsn,
    }
