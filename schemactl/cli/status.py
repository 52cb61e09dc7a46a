"""``status``."""

# No "from __future__ import annotations" here: typer reads each command's parameter
# annotations on every run, and evaluating them from strings costs part of a millisecond.

from typing import Annotated

import typer

from schemactl.cli import options as o


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
) -> None:
    """Show every known version and its state."""
    from schemactl import config, operations
    from schemactl.errors import ExitCode
    from schemactl.render import human
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    settings = config.resolve(o.connection_flags(database_url, dir, ledger_table, wait))
    report = operations.status(settings)
    terminal = Terminal(quiet=quiet)
    if json:
        terminal.data(render_json.dumps(render_json.status(report)))
    else:
        human.status_table(terminal, report)
    if exit_code and report.needs_attention:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
