"""``plan``."""

# No "from __future__ import annotations" here: typer reads each command's parameter
# annotations on every run, and evaluating them from strings costs about a millisecond.

from typing import TYPE_CHECKING, Annotated

import typer

from schemactl.cli import options as o

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from schemactl.config import Settings
    from schemactl.files.migrations import Migration
    from schemactl.fleet.flags import FleetFlags
    from schemactl.render.terminal import Terminal


def plan(
    to: Annotated[
        int | None, typer.Option("--to", help="Review up to and including this version.")
    ] = None,
    markdown: Annotated[
        bool,
        typer.Option(
            "--markdown",
            help="Print Markdown for a pull-request comment.",
            rich_help_panel=o.OUTPUT,
        ),
    ] = False,
    scratch: o.ScratchMode = "auto",
    scratch_url: o.ScratchUrl = None,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
    targets: o.Targets = None,
    targets_from: o.TargetsFrom = None,
    targets_query: o.TargetsQuery = None,
    parallel: o.Parallel = None,
) -> None:
    """Show what each pending statement locks, rewrites and blocks on the target, worst first."""
    from schemactl import config
    from schemactl.errors import UsageError
    from schemactl.render import json as render_json
    from schemactl.render import plan as render_plan
    from schemactl.render.terminal import Terminal
    from schemactl.review.plan import review
    from schemactl.schema.scratch import open_scratch

    if json and markdown:
        raise UsageError("--json and --markdown cannot be combined")
    settings = config.resolve(o.scratch_flags(database_url, dir, ledger_table, scratch_url))
    terminal = Terminal(quiet=quiet)
    fleet = o.fleet_flags(targets, targets_from, targets_query, parallel)
    if fleet is not None:
        _fleet_plan(settings, fleet, terminal, scratch, to, json, markdown)
        return

    def make_scratch() -> "AbstractContextManager[str]":
        return open_scratch(
            scratch_url=settings.scratch_url, server_url=settings.database_url, mode=scratch
        )

    def progress(migration: "Migration") -> None:
        terminal.progress(f"observing {migration.label}")

    report = review(settings, make_scratch, to=to, on_migration=progress)
    if json:
        terminal.data(render_json.dumps(render_plan.to_json(report)))
    elif markdown:
        terminal.data(render_plan.markdown(report))
    else:
        render_plan.human(terminal, report)


def _fleet_plan(
    settings: "Settings",
    flags: "FleetFlags",
    terminal: "Terminal",
    scratch: str,
    to: int | None,
    as_json: bool,
    markdown: bool,
) -> None:
    """Every target's plan, each against its own ledger and live tables; exit 6 (or the
    targets' own code) when a target could not be planned."""
    from schemactl.fleet import flags as fleet_flags
    from schemactl.fleet.review import fleet_plan
    from schemactl.render import fleet as render_fleet
    from schemactl.render import json as render_json
    from schemactl.schema.scratch import open_scratch

    fleet_flags.check(flags, settings, rollout=False)
    fleet = fleet_flags.load(flags)
    terminal.progress(f"planning {len(fleet.targets)} targets")

    def scratch_for(own: "Settings") -> "AbstractContextManager[str]":
        return open_scratch(scratch_url=own.scratch_url, server_url=own.database_url, mode=scratch)

    result = fleet_plan(settings, fleet, fleet_flags.policy(flags).parallel, scratch_for, to=to)
    if as_json:
        terminal.data(render_json.dumps(render_fleet.plan_json(result)))
    elif markdown:
        terminal.data(render_fleet.plan_markdown(result))
    else:
        render_fleet.plan_text(terminal, result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
