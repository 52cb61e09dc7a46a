"""``check``."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from schemactl.cli import options as o

if TYPE_CHECKING:
    from schemactl.files.migrations import Migration


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The lint keeps every statement, token and parse it makes until it ends, a few hundred
    thousand objects for a large directory: the cyclic collector's full passes over them cost
    about a fifth of reading and linting the files, and free nothing. Reference counting
    still frees the rest."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check(
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Fail on warnings and irreversible migrations too."),
    ] = False,
    idempotent: Annotated[
        bool,
        typer.Option(
            "--idempotent",
            help="Hold every migration to the re-run test, as if each declared "
            "'-- schemactl:idempotent'.",
        ),
    ] = False,
    lint_only: Annotated[
        bool,
        typer.Option("--lint-only", help="Only the static rules; no database at all."),
    ] = False,
    disable: Annotated[
        list[str] | None,
        typer.Option(
            "--disable", help="Rule ids to silence for the whole directory (repeat, or a,b)."
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Round trips to run at once, each on a scratch database of its own "
            "[default: the CPU count, at most 4; 1 with --scratch-url].",
        ),
    ] = None,
    scratch: o.ScratchMode = "auto",
    scratch_url: o.ScratchUrl = None,
    database_url: o.DatabaseUrl = None,
    dir: o.Dir = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Prove a migration directory safe: lint it, then round-trip each migration on scratch."""
    from schemactl import config
    from schemactl.check.report import CheckReport, Options
    from schemactl.errors import ExitCode
    from schemactl.render import check as render_check
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    settings = config.resolve(o.scratch_flags(database_url, dir, None, scratch_url))
    disabled = frozenset(
        rule.strip() for value in (disable or []) for rule in value.split(",") if rule.strip()
    )
    options = Options(
        strict=strict,
        idempotent=idempotent or settings.idempotent,
        disabled=disabled | settings.lint_disable,
        round_trip=not lint_only,
        jobs=jobs or (1 if settings.scratch_url else min(4, os.cpu_count() or 1)),
    )
    terminal = Terminal(quiet=quiet)

    report: CheckReport
    if lint_only:
        from schemactl.check.report import lint_only as lint_directory

        # The driver, the catalog and the scratch machinery are never imported for it.
        with _collector_paused():
            report = lint_directory(settings.dir, options)
    else:
        from schemactl.check import gate
        from schemactl.schema.scratch import open_scratch

        def make_scratch() -> AbstractContextManager[str]:
            return open_scratch(
                scratch_url=settings.scratch_url, server_url=settings.database_url, mode=scratch
            )

        def progress(migration: Migration) -> None:
            terminal.progress(f"round trip {migration.label}")

        report = gate.check_directory(settings.dir, make_scratch, options, progress)
    if json:
        terminal.data(render_json.dumps(render_check.to_json(report)))
    else:
        render_check.human(terminal, report)
    if os.environ.get("GITHUB_ACTIONS") == "true" and not json:
        # Workflow commands are read from stdout; --json keeps stdout pure JSON.
        for line in render_check.github_annotations(report):
            typer.echo(line)
    if not report.passed:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
