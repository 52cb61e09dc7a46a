"""The Typer application and the one place where errors become exit codes.

Commands raise; ``SchemactlGroup.invoke`` turns a SchemactlError into one masked message and
its exit code, Ctrl-C into 130, and anything else (a bug) into a traceback without locals and
exit 70. Nothing heavy is imported here, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import gc
import signal
import sys
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import typer
from typer.core import TyperGroup

from schemactl import __version__

# Exit codes as literals where the root help's path needs them, so it imports nothing of ours
# beyond this module; a test holds them equal to ExitCode.
USAGE_EXIT = 2
INTERRUPTED_EXIT = 130


@contextmanager
def exit_codes(ctx: Any) -> Iterator[None]:
    """Map exceptions to exit codes with one message each; tracebacks only for bugs/--debug."""
    from schemactl.dsn import mask
    from schemactl.errors import ExitCode, SchemactlError
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


# Every command, in help order, with the module that defines it and its one-line summary (the
# first line of its docstring; a test holds them equal). The root help is written from this
# table, so ``schemactl --help`` builds no command and imports no rich.
COMMANDS: dict[str, tuple[str, str]] = {
    "up": (
        "migrate",
        "Apply pending migrations in order, each in one transaction with its ledger row.",
    ),
    "down": (
        "migrate",
        "Roll back the newest migration, the newest N, down to a version, or all.",
    ),
    "status": ("status", "Show every known version and its state."),
    "new": (
        "new",
        "Create the next numbered up/down pair, padded like the directory's other files.",
    ),
    "repair": ("repair", "Resolve a dirty, modified or missing version explicitly, one at a time."),
    "diff": (
        "diff",
        "Compare the live schema with the one the migration files produce (exit 1 if they differ).",
    ),
    "dump": ("dump", "Write a schema as deterministic, readable SQL (or a JSON snapshot)."),
    "check": (
        "check",
        "Prove a migration directory safe: lint it, then round-trip each migration on scratch.",
    ),
}


class SchemactlGroup(TyperGroup):
    def invoke(self, ctx: Any) -> Any:
        with exit_codes(ctx):
            return super().invoke(ctx)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        # Plain click layout for the root: rich's would cost more than the rest of start-up.
        # Each command's own --help keeps rich's panels.
        self.rich_markup_mode = None
        super().format_help(ctx, formatter)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            # typer's own no-args path expects rich to have printed the help already.
            typer.echo(ctx.get_help())
            ctx.exit(USAGE_EXIT)
        return list(super().parse_args(ctx, args))

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, summary) for name, (_, summary) in COMMANDS.items()])


def _version(value: bool) -> None:
    if value:
        typer.echo(f"schemactl {__version__}")
        raise typer.Exit()


def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Apply plain, numbered SQL migrations to PostgreSQL, safely."""


def make_app(commands: Iterable[str] = COMMANDS) -> typer.Typer:
    """The application with ``commands`` registered; typer builds every registered command's
    parameters on each run, so ``main`` registers only the one it was asked for."""
    from importlib import import_module

    application = typer.Typer(
        cls=SchemactlGroup,
        name="schemactl",
        help="Apply plain, numbered SQL migrations to PostgreSQL, safely.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    application.callback()(root)
    for name in commands:
        module = import_module(f"schemactl.cli.{COMMANDS[name][0]}")
        application.command()(getattr(module, name))
    return application


def __getattr__(name: str) -> typer.Typer:
    # ``app`` (every command) is built when first imported, for tests and embedding; the
    # console script builds only the command it runs.
    if name == "app":
        application = globals()["app"] = make_app()
        return application
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _invoked(argv: list[str]) -> list[str]:
    """The command the arguments name (the root takes no option with a value); every command
    when the name is unknown, so click's error can list them."""
    name = next((arg for arg in argv if not arg.startswith("-")), None)
    if name is None:
        return []
    return [name] if name in COMMANDS else list(COMMANDS)


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
    # A run makes most of what it keeps up front (psycopg's modules, the migration set, the
    # ledger's rows) and little cyclic garbage: collecting every 700 new objects, the
    # default, rescans them some hundred times in a no-op run, 8 ms of its time.
    gc.set_threshold(100_000, 10, 10)
    try:
        make_app(_invoked(sys.argv[1:]))()
    except KeyboardInterrupt:
        sys.exit(INTERRUPTED_EXIT)
    finally:
        # The process is about to exit, and the interpreter's shutdown would otherwise walk
        # every object of the run to collect cycles (15 ms or more). Nothing left needs it:
        # connections, locks and files are closed explicitly, not by finalizers.
        gc.freeze()
