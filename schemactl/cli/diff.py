"""``diff``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from schemactl.cli import options as o

if TYPE_CHECKING:
    from schemactl.config import Settings
    from schemactl.fleet.flags import FleetFlags


def diff(
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The schema to compare (the 'actual' side): a database URL, a snapshot "
            "(.json), a dump (.sql) or a migration version. Default: the live database.",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="The schema it should be (the 'expected' side), in the same forms. Default: "
            "the migration files the live ledger records as applied; a number N means the "
            "files through version N.",
            show_default=False,
        ),
    ] = None,
    sql: Annotated[
        bool,
        typer.Option(
            "--sql", help="Also print statements that would bring --from to --to (never run)."
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
    """Compare the live schema with the one the migration files produce (exit 1 if they differ)."""
    from schemactl import config
    from schemactl.errors import ExitCode
    from schemactl.render import diff as render_diff
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal
    from schemactl.schema import compare

    settings = config.resolve(o.scratch_flags(database_url, dir, ledger_table, scratch_url))
    fleet = o.fleet_flags(targets, targets_from, targets_query, parallel)
    if fleet is not None:
        _fleet_diff(settings, fleet, from_, to, scratch, sql, json, quiet)
        return
    live = compare.Source("database", settings.database_url or "")
    source_from = compare.parse_source(from_, default=live)
    source_to = compare.parse_source(to, default=compare.Source("files", ""))
    terminal = Terminal(quiet=quiet)
    terminal.progress(f"comparing {source_from.label} with {source_to.label}")
    resolver = compare.Resolver(settings, scratch)
    result = compare.compare(resolver, source_from, source_to)
    for note in resolver.notes:
        terminal.warning(note)
    if json:
        document = {
            "from": result.from_label,
            "to": result.to_label,
            "identical": result.identical,
            "changes": render_diff.changes_to_json(result.changes),
        }
        if sql:
            document["suggested_sql"] = result.suggestions
        terminal.data(render_json.dumps(document))
    else:
        render_diff.render_changes(
            terminal.out,
            result.changes,
            expected_label=result.to_label,
            actual_label=result.from_label,
        )
        if sql and result.suggestions:
            terminal.data()
            terminal.data(render_diff.suggestions_text(result.suggestions))
    if not result.identical:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


def _fleet_diff(
    settings: Settings,
    flags: FleetFlags,
    from_: str | None,
    to: str | None,
    scratch: str,
    sql: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Every target against the files; exit 1 if any differs."""
    from schemactl.errors import ExitCode, UsageError
    from schemactl.fleet import flags as fleet_flags
    from schemactl.fleet.compare import fleet_diff
    from schemactl.render import fleet as render_fleet
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    if from_ is not None:
        raise UsageError("--from and --targets cannot be combined: each target is the live side")
    if to is not None and not to.isdigit():
        raise UsageError(
            "with --targets, --to takes a migration version only",
            hint="leave it out to compare each target with the files its ledger records",
        )
    fleet_flags.check(flags, settings, rollout=False)
    fleet = fleet_flags.load(flags)
    terminal = Terminal(quiet=quiet)
    terminal.progress(f"comparing {len(fleet.targets)} targets with the migration files")
    result = fleet_diff(
        settings,
        fleet,
        to=int(to) if to is not None else None,
        scratch_mode=scratch,
        parallel=fleet_flags.policy(flags).parallel,
    )
    if as_json:
        terminal.data(render_json.dumps(render_fleet.diff_json(result, sql)))
    else:
        render_fleet.diff_table(terminal, result)
    if result.exit_code:
        raise typer.Exit(result.exit_code)
    if any(r.value is not None and not r.value.identical for r in result.results):
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
