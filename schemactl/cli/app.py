"""The Typer application and the one place where errors become exit codes.

Commands raise; ``SchemactlGroup.invoke`` turns a SchemactlError into one masked message and
its exit code, Ctrl-C into 130, and anything else (a bug) into a traceback without locals and
exit 70. Nothing heavy is imported here, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import typer
from typer.core import TyperGroup

from schemactl import __version__
from schemactl.errors import ExitCode, SchemactlError


@contextmanager
def exit_codes(ctx: Any) -> Iterator[None]:
    """Map exceptions to exit codes with one message each; tracebacks only for bugs/--debug."""
    from schemactl.dsn import mask
    from schemactl.render.terminal import Terminal

    try:
        yield
    except SchemactlError as error:
        if ctx.meta.get("schemactl.debug"):
            sys.stderr.write(mask(traceback.format_exc()))
        Terminal().error(error.message, error.detail, error.hint)
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        Terminal().error(
            "interrupted",
            None,
            "nothing was half-applied: the running migration rolled back "
            "(or, for a no-transaction file, is marked dirty)",
        )
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as exc:
        if _is_cli_signal(exc):
            raise
        sys.stderr.write(mask(traceback.format_exc()))
        Terminal().error(
            "internal error (a bug in schemactl)",
            None,
            "please report it with the traceback above",
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _is_cli_signal(exc: Exception) -> bool:
    """Exit, Abort and usage errors belong to the CLI framework (typer vendors click)."""
    return type(exc).__module__.split(".")[0] in ("typer", "click")


class SchemactlGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        with exit_codes(ctx):
            return super().invoke(ctx)


app = typer.Typer(
    cls=SchemactlGroup,
    name="schemactl",
    help="Apply plain, numbered SQL migrations to PostgreSQL, safely.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"schemactl {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Apply plain, numbered SQL migrations to PostgreSQL, safely."""


def _register() -> None:
    from schemactl.cli import check, diff, dump, migrate, new, repair, status

    for module in (migrate, status, new, repair, diff, dump, check):
        module.register(app)


_register()


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:
        # Answered before typer builds every command's parameters, which costs more than
        # the rest of this start-up together.
        sys.stdout.write(f"schemactl {__version__}\n")
        return
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(int(ExitCode.INTERRUPTED))
