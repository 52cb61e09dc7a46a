"""``repair``."""

from __future__ import annotations

from typing import Annotated

import typer

from schemactl.cli import options as o


def repair(
    version: Annotated[int, typer.Argument(help="The version to repair.")],
    applied: Annotated[
        bool,
        typer.Option("--applied", help="A dirty migration was finished by hand: mark it applied."),
    ] = False,
    forget: Annotated[
        bool,
        typer.Option(
            "--forget",
            help="Remove the version from the ledger (undone by hand, or its files are gone).",
        ),
    ] = False,
    accept: Annotated[
        bool,
        typer.Option(
            "--accept",
            help="A modified migration, or one whose down file changed: record its current "
            "files as applied.",
        ),
    ] = False,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    wait: o.Wait = None,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Resolve a dirty, modified, down-modified or missing version, one at a time."""
    from schemactl import config, operations
    from schemactl.errors import UsageError
    from schemactl.render import human
    from schemactl.render.terminal import Terminal

    chosen = [
        name
        for name, flag in (("applied", applied), ("forget", forget), ("accept", accept))
        if flag
    ]
    if len(chosen) != 1:
        raise UsageError("choose exactly one of --applied, --forget or --accept")
    settings = config.resolve(o.connection_flags(database_url, dir, ledger_table, wait))
    terminal = Terminal(quiet=quiet)
    result = operations.repair(settings, version, chosen[0])
    human.repair_done(terminal, result)
