"""``dump``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from schemactl.cli import options as o


def dump(
    from_: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="What to dump: a database URL, a snapshot (.json) or a dump (.sql). "
            "Default: the schema the migration files produce.",
            show_default=False,
        ),
    ] = None,
    to: Annotated[
        int | None,
        typer.Option("--to", help="Dump the files' schema through this version only."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to this file instead of stdout."),
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            "--check", help="Exit 1 (printing a diff) if FILE is not what dump writes now."
        ),
    ] = None,
    scratch: o.ScratchMode = "auto",
    scratch_url: o.ScratchUrl = None,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    ledger_table: o.LedgerTableOpt = None,
    json: Annotated[
        bool, typer.Option("--json", help="Write a JSON snapshot (for diff --from/--to).")
    ] = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Write a schema as deterministic, readable SQL (or a JSON snapshot)."""
    from schemactl import config
    from schemactl.errors import ExitCode, UsageError
    from schemactl.render.terminal import Terminal
    from schemactl.schema import compare

    if output is not None and check is not None:
        raise UsageError("--output and --check contradict each other", hint="give one of them")
    if from_ is not None and to is not None:
        raise UsageError(
            "--to limits the migration files; it cannot go with --from",
            hint="leave out --from to dump the files through --to",
        )
    settings = config.resolve(o.scratch_flags(database_url, dir, ledger_table, scratch_url))
    files = compare.Source("files", "", to)
    source = compare.parse_source(from_, default=files)
    text = compare.dump(compare.Resolver(settings, scratch), source, as_json=json)
    terminal = Terminal(quiet=quiet)
    if check is not None:
        staleness = compare.check_dump(check, text)
        if staleness.current:
            terminal.progress(f"{check} is up to date")
            return
        if staleness.unified_diff:
            terminal.data(staleness.unified_diff.rstrip("\n"))
        again = ["schemactl dump", f"--dir {settings.dir}"]
        again += [f"--from {from_}"] if from_ is not None else []
        again += [f"--to {to}"] if to is not None else []
        again += ["--json"] if json else []
        terminal.error(
            f"{check} {'does not exist' if staleness.missing else 'is out of date'}",
            None,
            f"regenerate it: {' '.join(again)} --output {check}",
        )
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"cannot write {output}",
                detail=exc.strerror or str(exc),
                hint="create its directory first, or choose another --output",
            ) from None
        terminal.progress(f"wrote {output}")
        return
    typer.echo(text, nl=False)
