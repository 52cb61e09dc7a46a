"""``up`` and ``down``."""

# No "from __future__ import annotations" here: typer reads each command's parameter
# annotations on every run, and evaluating them from strings costs about a millisecond.

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from schemactl.cli import options as o

if TYPE_CHECKING:
    from schemactl.operations import Hooks, RunResult
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
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
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
    )
    overrides = Overrides(allow_modified, allow_missing, allow_out_of_order)
    terminal, hooks = _output(quiet)
    result = operations.up(
        settings,
        to=to,
        dry_run=dry_run,
        resume=resume,
        last=last,
        overrides=overrides,
        new_ledger=new_ledger,
        hooks=hooks,
    )
    _report(terminal, result, json)


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
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
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
    )
    if all_ and not dry_run and not yes:
        _confirm_all(settings.dir)
    terminal, hooks = _output(quiet)
    overrides = Overrides(allow_modified=allow_modified, allow_missing=allow_missing)
    result = operations.down(
        settings,
        count=count,
        to=to,
        everything=all_,
        dry_run=dry_run,
        overrides=overrides,
        hooks=hooks,
    )
    _report(terminal, result, json)


def _confirm_all(directory: object) -> None:
    from schemactl.errors import UsageError

    if not sys.stdin.isatty():
        raise UsageError(
            "down --all needs confirmation",
            hint="pass --yes to roll back every migration without a terminal",
        )
    if not typer.confirm(f"Roll back every applied migration of {directory}?", err=True):
        raise typer.Exit(0)


def _output(quiet: bool) -> tuple["Terminal", "Hooks"]:
    from schemactl.operations import Hooks
    from schemactl.render import human
    from schemactl.render.terminal import Terminal

    terminal = Terminal(quiet=quiet)
    hooks = Hooks(
        on_event=human.RunProgress(terminal),
        on_lock_wait=lambda holder: human.lock_wait(terminal, holder),
        on_migration_wait=lambda holder: human.migration_wait(terminal, holder),
    )
    return terminal, hooks


def _report(terminal: "Terminal", result: "RunResult", as_json: bool) -> None:
    from schemactl.render import human
    from schemactl.render import json as render_json

    if as_json:
        terminal.data(render_json.dumps(render_json.run(result)))
    elif result.dry_run:
        human.plan_sql(terminal, result.plan)
    human.run_summary(terminal, result)
