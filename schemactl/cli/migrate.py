"""``up`` and ``down``."""

# No "from __future__ import annotations" here: typer reads each command's parameter
# annotations on every run, and evaluating them from strings costs about a millisecond.

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from schemactl.cli import options as o

if TYPE_CHECKING:
    from collections.abc import Callable

    from schemactl.config import Settings
    from schemactl.fleet.flags import FleetFlags
    from schemactl.operations import Hooks, RunResult
    from schemactl.render.progress import RunDisplay
    from schemactl.render.terminal import Terminal


def up(
    to: Annotated[
        int | None, typer.Option("--to", help="Apply up to and including this version.")
    ] = None,
    dry_run: o.DryRun = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue a dirty no-transaction migration from its failed statement."
        ),
    ] = False,
    rerun_last: Annotated[
        bool,
        typer.Option(
            "--rerun-last",
            help="With --resume: send again the statement whose outcome is unknown (it was sent "
            "before the run stopped).",
        ),
    ] = False,
    skip_last: Annotated[
        bool,
        typer.Option(
            "--skip-last",
            help="With --resume: count the statement whose outcome is unknown as done (it took "
            "effect).",
        ),
    ] = False,
    new_ledger: Annotated[
        bool,
        typer.Option(
            "--new-ledger",
            help="Create the ledger table even though another schemactl ledger exists in the "
            "database.",
            rich_help_panel=o.RUN,
        ),
    ] = False,
    guard: Annotated[
        bool,
        typer.Option(
            "--guard",
            help="Before a migration that takes a blocking lock on an existing table, wait (up "
            "to --wait) for sessions holding locks it would queue behind, naming them.",
            rich_help_panel=o.RUN,
        ),
    ] = False,
    allow_out_of_order: Annotated[
        bool,
        typer.Option(
            "--allow-out-of-order",
            help="Apply pending versions lower than the highest applied one.",
            rich_help_panel=o.RUN,
        ),
    ] = False,
    allow_modified: o.AllowModified = False,
    allow_missing: o.AllowMissing = False,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    wait: o.Wait = None,
    lock_timeout: o.LockTimeout = None,
    statement_timeout: o.StatementTimeout = None,
    retries: o.Retries = None,
    max_replica_lag: o.MaxReplicaLag = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
    targets: o.Targets = None,
    targets_from: o.TargetsFrom = None,
    targets_query: o.TargetsQuery = None,
    parallel: o.Parallel = None,
    canary: o.Canary = None,
    on_failure: o.OnFailure = None,
    stages: o.Stages = None,
) -> None:
    """Apply pending migrations in order, each in one transaction with its ledger row."""
    from schemactl import config, operations
    from schemactl.errors import UsageError
    from schemactl.run.plan import LastSent, Overrides

    if rerun_last and skip_last:
        raise UsageError("--rerun-last and --skip-last cannot be combined")
    last = LastSent.RERUN if rerun_last else LastSent.SKIP if skip_last else None
    settings = config.resolve(
        o.connection_flags(
            database_url, dir, ledger_table, wait, lock_timeout, statement_timeout, retries
        )
        | {"max_replica_lag": max_replica_lag}
    )
    overrides = Overrides(allow_modified, allow_missing, allow_out_of_order)
    fleet = o.fleet_flags(
        targets, targets_from, targets_query, parallel, canary, on_failure, stages
    )

    def up_one(target: "Settings", hooks: "Hooks") -> "RunResult":
        return operations.up(
            target,
            to=to,
            dry_run=dry_run,
            resume=resume,
            last=last,
            overrides=overrides,
            new_ledger=new_ledger,
            guard=guard,
            hooks=hooks,
        )

    _run(settings, fleet, up_one, "up", dry_run, json, quiet)


def down(
    count: Annotated[
        int, typer.Argument(help="How many migrations to roll back.", show_default=True)
    ] = 1,
    to: Annotated[
        int | None,
        typer.Option("--to", help="Roll back everything above this version (it stays applied)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Roll back every applied migration.")] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Do not ask for confirmation (needed for --all without a terminal)."
        ),
    ] = False,
    dry_run: o.DryRun = False,
    allow_modified: o.AllowModified = False,
    allow_missing: o.AllowMissing = False,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    wait: o.Wait = None,
    lock_timeout: o.LockTimeout = None,
    statement_timeout: o.StatementTimeout = None,
    retries: o.Retries = None,
    max_replica_lag: o.MaxReplicaLag = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
    targets: o.Targets = None,
    targets_from: o.TargetsFrom = None,
    targets_query: o.TargetsQuery = None,
    parallel: o.Parallel = None,
    canary: o.Canary = None,
    on_failure: o.OnFailure = None,
    stages: o.Stages = None,
) -> None:
    """Roll back the newest migration, the newest N, down to a version, or all."""
    from schemactl import config, operations
    from schemactl.errors import UsageError
    from schemactl.run.plan import Overrides

    if all_ and to is not None:
        raise UsageError("--all and --to cannot be combined")
    settings = config.resolve(
        o.connection_flags(
            database_url, dir, ledger_table, wait, lock_timeout, statement_timeout, retries
        )
        | {"max_replica_lag": max_replica_lag}
    )
    fleet = o.fleet_flags(
        targets, targets_from, targets_query, parallel, canary, on_failure, stages
    )
    if all_ and not dry_run and not yes:
        if fleet is not None:
            raise UsageError(
                "down --all on a fleet needs --yes",
                hint="every target loses every migration: say so with --yes",
            )
        _confirm_all(settings.dir)
    overrides = Overrides(allow_modified=allow_modified, allow_missing=allow_missing)

    def down_one(target: "Settings", hooks: "Hooks") -> "RunResult":
        return operations.down(
            target,
            count=count,
            to=to,
            everything=all_,
            dry_run=dry_run,
            overrides=overrides,
            hooks=hooks,
        )

    _run(settings, fleet, down_one, "down", dry_run, json, quiet)


def _run(
    settings: "Settings",
    fleet: "FleetFlags | None",
    run_one: "Callable[[Settings, Hooks], RunResult]",
    direction: str,
    dry_run: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """``up``/``down`` on one database, or on every target of a fleet."""
    if fleet is not None:
        _fleet(settings, fleet, run_one, direction, dry_run, as_json, quiet)
        return
    terminal, hooks, display = _output(quiet, as_json)
    with display:
        result = run_one(settings, hooks)
    _report(terminal, result, as_json)


def _confirm_all(directory: object) -> None:
    from schemactl.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(
            "down --all needs confirmation",
            hint="pass --yes to roll back every migration without a terminal",
        )
    if not typer.confirm(f"Roll back every applied migration of {directory}?", err=True):
        raise typer.Exit(0)


def _output(quiet: bool, as_json: bool) -> tuple["Terminal", "Hooks", "RunDisplay"]:
    from schemactl.operations import Hooks
    from schemactl.render import human
    from schemactl.render.progress import RunDisplay
    from schemactl.render.replicas import ReplicaNews
    from schemactl.render.terminal import Terminal

    terminal = Terminal(quiet=quiet)
    display = RunDisplay(terminal, human.RunProgress(terminal), as_json=as_json)
    hooks = Hooks(
        on_event=ReplicaNews(terminal, display, as_json=as_json),
        on_plan=display.planned,
        on_lock_wait=lambda holder: human.lock_wait(terminal, holder),
        on_migration_wait=lambda holder: human.migration_wait(terminal, holder),
    )
    return terminal, hooks, display


def _report(terminal: "Terminal", result: "RunResult", as_json: bool) -> None:
    from schemactl.render import human
    from schemactl.render import json as render_json

    if as_json:
        terminal.data(render_json.dumps(render_json.run(result)))
    elif result.dry_run:
        human.plan_sql(terminal, result.plan)
    human.run_summary(terminal, result)


def _fleet(
    settings: "Settings",
    flags: "FleetFlags",
    run_one: "Callable[[Settings, Hooks], RunResult]",
    direction: str,
    dry_run: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """``up``/``down`` on every target of a fleet, then one summary and one exit code."""
    from schemactl.fleet import flags as fleet_flags
    from schemactl.fleet.rollout import TargetProgress, for_target, roll_out
    from schemactl.fleet.targets import Target
    from schemactl.operations import Hooks
    from schemactl.render import fleet as render_fleet
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    fleet_flags.check(flags, settings)
    fleet = fleet_flags.load(flags)
    policy = fleet_flags.policy(flags)
    verb = "applied" if direction == "up" else "rolled back"
    terminal = Terminal(quiet=quiet)
    progress = render_fleet.FleetProgress(terminal, render_fleet.run_line(verb))

    def run_target(target: Target, reported: TargetProgress) -> "RunResult":
        hooks = Hooks(
            on_event=reported.on_event,
            on_lock_wait=lambda holder: progress.lock_wait(target, holder),
        )
        return run_one(for_target(settings, target), hooks)

    result = roll_out(fleet, run_target, policy, on_end=progress)
    if as_json:
        terminal.data(render_json.dumps(render_fleet.run_json(result, direction, dry_run)))
    else:
        render_fleet.run_table(terminal, result, verb)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
