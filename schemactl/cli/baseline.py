"""``baseline``."""

from __future__ import annotations

from typing import Annotated

import typer

from schemactl.cli import options as o


def baseline(
    version: Annotated[
        int | None,
        typer.Argument(
            help="The version the database is at: every migration through it is recorded. "
            "With --from, optional (then it must be that ledger's newest).",
            show_default=False,
        ),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Adopt the versions another tool's ledger in this database records: "
            "golang-migrate, dbmate, flyway or goose.",
            show_default=False,
        ),
    ] = None,
    from_table: Annotated[
        str | None,
        typer.Option(
            "--from-table",
            help="That tool's ledger table, if not its default (schema_migrations, "
            "flyway_schema_history, goose_db_version), found through the search_path.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Record the versions even when the live schema differs from the files.",
        ),
    ] = False,
    scratch: o.ScratchMode = "auto",
    scratch_url: o.ScratchUrl = None,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    wait: o.Wait = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Adopt an existing database: record versions as applied once its schema is proven theirs."""
    from schemactl import config, operations
    from schemactl.adopt.baseline import baseline as adopt
    from schemactl.errors import ExitCode
    from schemactl.render import adopt as render_adopt
    from schemactl.render import human
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    flags = o.scratch_flags(database_url, dir, ledger_table, scratch_url) | {"wait": wait}
    settings = config.resolve(flags)
    terminal = Terminal(quiet=quiet)
    hooks = operations.Hooks(
        on_lock_wait=lambda holder: human.lock_wait(terminal, holder),
        on_migration_wait=lambda holder: human.migration_wait(terminal, holder),
    )
    result = adopt(
        settings,
        version=version,
        tool=from_,
        from_table=from_table,
        force=force,
        scratch_mode=scratch,
        hooks=hooks,
    )
    if json:
        terminal.data(render_json.dumps(render_adopt.baseline_json(result)))
    else:
        render_adopt.baseline_report(terminal, result)
    if not result.recorded and not result.identical:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
