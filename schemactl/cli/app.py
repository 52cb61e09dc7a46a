"""The Typer application and the one place where errors become exit codes.

Commands raise; ``SchemactlGroup.invoke`` turns a SchemactlError into one masked message and
its exit code, Ctrl-C into 130, and anything else (a bug) into a traceback without locals and
exit 70. A command given ``--json`` also prints the error as one JSON document on stdout.
Nothing heavy is imported here, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import atexit
import gc
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any, NoReturn, TextIO, cast

import typer
from typer.core import TyperCommand, TyperGroup

from schemactl import __version__

# Exit codes as literals where the root help's path needs them, so it imports nothing of ours
# beyond this module; a test holds them equal to ExitCode.
USAGE_EXIT = 2
INTERRUPTED_EXIT = 130
# 128 + SIGPIPE, as a shell reports a program that wrote to a closed pipe.
BROKEN_PIPE_EXIT = 141

# ctx.meta keys (one dict shared by the root's and the command's contexts): whether the
# command's stdout is to be one JSON document, and whether the command wrote to it.
JSON_WANTED = "schemactl.json"
STDOUT_WRITTEN = "schemactl.stdout_written"


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
        if _json_pending(ctx):
            from schemactl.render import json as render_json

            _print_json(render_json.schemactl_error(error))
        raise typer.Exit(int(error.exit_code)) from None
    except KeyboardInterrupt:
        message = "interrupted"
        hint = (
            "nothing was half-applied: the running migration rolled back "
            "(or, for a no-transaction file, is marked dirty)"
        )
        Terminal().error(message, None, hint)
        if _json_pending(ctx):
            from schemactl.render import json as render_json

            _print_json(render_json.error(message, ExitCode.INTERRUPTED, hint=hint))
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except BrokenPipeError:
        # The reader of stdout went away (``schemactl up --dry-run | head``): nobody is left
        # to tell, so end quietly, as a program killed by SIGPIPE does. Whatever ran is in the
        # ledger: each migration ends whole or not at all.
        _silence_stdout()
        raise typer.Exit(BROKEN_PIPE_EXIT) from None
    except Exception as exc:
        if _is_cli_signal(exc):
            if isinstance(getattr(exc, "message", None), str):
                # The framework prints the bad value itself: --wait postgresql://u:pw@h/x.
                exc.message = mask(exc.message)  # type: ignore[attr-defined]
            if _json_pending(ctx):
                _print_cli_error(exc)
            raise
        sys.stderr.write(mask(traceback.format_exc()))
        message = "internal error (a bug in schemactl)"
        Terminal().error(message, None, "please report it with the traceback above")
        if _json_pending(ctx):
            from schemactl.render import json as render_json

            _print_json(
                render_json.error(
                    message,
                    ExitCode.INTERNAL,
                    detail="".join(traceback.format_exception_only(exc)).strip(),
                    hint="please report it with the traceback printed on stderr",
                )
            )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _silence_stdout() -> None:
    # The interpreter flushes stdout at exit and would report the closed pipe again.
    with suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _is_cli_signal(exc: Exception) -> bool:
    """Exit, Abort and usage errors belong to the CLI framework (typer vendors click)."""
    return type(exc).__module__.split(".")[0] in ("typer", "click")


def _json_pending(ctx: Any) -> bool:
    """Whether the command was given --json and its stdout is still empty.

    A command prints its result last, so only Ctrl-C or a bug can end it after that; its
    stdout then keeps the result alone, and stderr and the exit code tell the failure.
    """
    return bool(ctx.meta.get(JSON_WANTED)) and not ctx.meta.get(STDOUT_WRITTEN)


def _print_cli_error(exc: Exception) -> None:
    """A usage error or an abort from the CLI framework as the JSON error object; the
    framework still prints its own message on stderr and picks the exit code."""
    from schemactl.render import json as render_json

    if isinstance(exc, typer.Abort):
        # A confirmation answered with Ctrl-C or end of input; typer exits 1 for it.
        _print_json(render_json.error("aborted", 1))
    elif isinstance(exc, typer.TyperException):
        context = getattr(exc, "ctx", None)
        hint = None
        if context is not None and context.command.get_help_option(context) is not None:
            hint = f"Try '{context.command_path} {context.help_option_names[0]}' for help."
        _print_json(render_json.error(exc.format_message(), exc.exit_code, hint=hint))


def _print_json(document: dict[str, Any]) -> None:
    from schemactl.render import json as render_json
    from schemactl.render.terminal import Terminal

    # stdout can be gone (a reader that quit): stderr already has the message.
    with suppress(OSError):
        Terminal().data(render_json.dumps(document))


class _WatchedStdout:
    """``sys.stdout`` while a command given --json runs: it passes every write through and
    notes whether there was any, so that a failure after the result adds no second document."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.written = False

    def write(self, text: str) -> int:
        if text:
            self.written = True
        return self.stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class SchemactlCommand(TyperCommand):
    """A command that tells ``exit_codes`` whether it was given --json."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        flag = next((p.name for p in self.params if "--json" in p.opts), None)
        if flag is None:
            return list(super().parse_args(ctx, args))
        # A usage error (a bad value, an unknown option) can stop parsing before --json is
        # read, so until it is, the arguments decide; those after "--" are not options.
        given = args[: args.index("--")] if "--" in args else args
        ctx.meta[JSON_WANTED] = "--json" in given
        rest = list(super().parse_args(ctx, args))
        ctx.meta[JSON_WANTED] = bool(ctx.params.get(flag))
        return rest

    def invoke(self, ctx: Any) -> Any:
        if not ctx.meta.get(JSON_WANTED):
            return super().invoke(ctx)
        watched = _WatchedStdout(sys.stdout)
        sys.stdout = cast(TextIO, watched)
        try:
            return super().invoke(ctx)
        finally:
            sys.stdout = watched.stream
            ctx.meta[STDOUT_WRITTEN] = watched.written


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
    "repair": (
        "repair",
        "Resolve a dirty, modified, down-modified or missing version, one at a time.",
    ),
    "diff": (
        "diff",
        "Compare the live schema with the one the migration files produce (exit 1 if they differ).",
    ),
    "dump": ("dump", "Write a schema as deterministic, readable SQL (or a JSON snapshot)."),
    "check": (
        "check",
        "Prove a migration directory safe: lint it, then round-trip each migration on scratch.",
    ),
    "import": (
        "import_",
        "Convert another tool's migration directory into schemactl files, versions kept.",
    ),
    "baseline": (
        "baseline",
        "Adopt an existing database: record versions as applied once its schema is proven theirs.",
    ),
    "plan": (
        "plan",
        "Show what each pending statement locks, rewrites and blocks on the target, worst first.",
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
        application.command(cls=SchemactlCommand)(getattr(module, name))
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


def entry() -> NoReturn:
    """Console-script entry point: ``main``, then the exit it asked for, without the
    interpreter's teardown.

    The teardown frees every module and object of the run one by one, 5 ms of a no-op ``up``
    with 1,000 migrations, and nothing of ours needs it: connections, locks and files are
    closed explicitly, not by finalizers. What the interpreter does at exit that matters is
    done here: atexit's functions run and stdout and stderr are flushed. With a thread still
    running, or a flush that fails (a closed pipe), the interpreter's own exit decides.
    """
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = None
    if threading.active_count() > 1 or not (code is None or isinstance(code, int)):
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # AttributeError: started with one closed
        sys.exit(code)
    os._exit(code or 0)


def main() -> None:
    """Run the command ``sys.argv`` names; ends in SystemExit (tests and embedders call it
    in-process)."""
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
