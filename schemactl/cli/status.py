"""``status``."""

# No "from __future__ import annotations" here: typer reads each command's parameter
# annotations on every run, and evaluating them from strings costs part of a millisecond.

from typing import TYPE_CHECKING, Annotated

import typer

from schemactl.cli import options as o

if TYPE_CHECKING:
    from schemactl.config import Settings
    from schemactl.fleet.flags import FleetFlags


def status(
    exit_code: Annotated[
        bool,
        typer.Option(
            "--exit-code",
            help="Exit 1 when anything is pending, modified (up or down file), missing, dirty "
            "or out of order.",
        ),
    ] = False,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    wait: o.Wait = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
    targets: o.Targets = None,
    targets_from: o.TargetsFrom = None,
    targets_query: o.TargetsQuery = None,
    parallel: o.Parallel = None,
) -> None:
    """Show every known version and its state."""
    from schemactl import config, operations
    from schemactl.errors import ExitCode
    from schemactl.render import human
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    settings = config.resolve(o.connection_flags(database_url, dir, ledger_table, wait))
    fleet = o.fleet_flags(targets, targets_from, targets_query, parallel)
    if fleet is not None:
        _fleet_status(settings, fleet, exit_code, json, quiet)
        return
    report = operations.status(settings)
    terminal = Terminal(quiet=quiet)
    if json:
        terminal.data(render_json.dumps(render_json.status(report)))
    else:
        human.status_table(terminal, report)
    if exit_code and report.needs_attention:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


def _fleet_status(
    settings: "Settings", flags: "FleetFlags", exit_code: bool, as_json: bool, quiet: bool
) -> None:
    """Every target's status as one table (or JSON document), drift between them shown."""
    from schemactl.errors import ExitCode
    from schemactl.fleet import flags as fleet_flags
    from schemactl.fleet.drift import drift, fleet_status
    from schemactl.render import fleet as render_fleet
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    fleet_flags.check(flags, settings, rollout=False)
    fleet = fleet_flags.load(flags)
    result = fleet_status(settings, fleet, fleet_flags.policy(flags).parallel)
    found = drift(result)
    terminal = Terminal(quiet=quiet)
    if as_json:
        terminal.data(render_json.dumps(render_fleet.status_json(result, found)))
    else:
        render_fleet.status_table(terminal, result, found)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
    if exit_code and any(r.value is not None and r.value.needs_attention for r in result.results):
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
