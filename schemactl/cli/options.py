"""Options shared by several commands, defined once.

Every command accepts the connection and run options after its name
(``schemactl up --dir sql/x``). None means "not given", so config resolution can tell a flag
from a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

CONNECTION = "Connection and ledger"
RUN = "Run safety"
OUTPUT = "Output"


def _debug(ctx: typer.Context, value: bool) -> bool:
    if value:
        ctx.find_root().meta["schemactl.debug"] = True
    return value


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="libpq URL or key=value string. Default: DATABASE_URL, else the PG* variables.",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
Dir = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        "-d",
        help="Migration directory. Default: ./migrations.",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
LedgerTableOpt = Annotated[
    str | None,
    typer.Option(
        "--ledger-table",
        help="Ledger table (schema.table). Default: public.schemactl_migrations.",
        show_default=False,
        rich_help_panel=CONNECTION,
    ),
]
Wait = Annotated[
    float | None,
    typer.Option(
        "--wait",
        help="Seconds to wait for another run's lock. Default: 30.",
        show_default=False,
        rich_help_panel=RUN,
    ),
]
LockTimeout = Annotated[
    str | None,
    typer.Option(
        "--lock-timeout",
        help="PostgreSQL lock_timeout for migration statements (e.g. 5s).",
        show_default=False,
        rich_help_panel=RUN,
    ),
]
StatementTimeout = Annotated[
    str | None,
    typer.Option(
        "--statement-timeout",
        help="PostgreSQL statement_timeout for migration statements.",
        show_default=False,
        rich_help_panel=RUN,
    ),
]
Retries = Annotated[
    int | None,
    typer.Option(
        "--retries",
        help="Retry a transactional migration that failed on a lock timeout (55P03) up to N times.",
        show_default=False,
        rich_help_panel=RUN,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.", rich_help_panel=OUTPUT)]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Only errors and data.", rich_help_panel=OUTPUT)
]
Debug = Annotated[
    bool,
    typer.Option("--debug", help="Show tracebacks.", callback=_debug, rich_help_panel=OUTPUT),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Print the plan and its SQL; touch nothing.")
]
AllowModified = Annotated[
    bool,
    typer.Option(
        "--allow-modified", help="Run even if an applied file was modified.", rich_help_panel=RUN
    ),
]
AllowMissing = Annotated[
    bool,
    typer.Option(
        "--allow-missing",
        help="Run even if an applied migration's file is missing.",
        rich_help_panel=RUN,
    ),
]


def connection_flags(
    database_url: str | None,
    dir: Path | None,
    ledger_table: str | None,
    wait: float | None = None,
    lock_timeout: str | None = None,
    statement_timeout: str | None = None,
    retries: int | None = None,
) -> dict[str, Any]:
    """The flags config resolution needs, by setting name."""
    return {
        "database_url": database_url,
        "dir": dir,
        "ledger_table": ledger_table,
        "wait": wait,
        "lock_timeout": lock_timeout,
        "statement_timeout": statement_timeout,
        "retries": retries,
    }


SCRATCH = "Scratch database"
ScratchMode = Annotated[
    str,
    typer.Option(
        "--scratch",
        help="Where to build the expected schema: auto (a throwaway database on the server if "
        "the role may create one, else a throwaway local cluster), server, or embedded.",
        rich_help_panel=SCRATCH,
    ),
]
ScratchUrl = Annotated[
    str | None,
    typer.Option(
        "--scratch-url",
        help="An existing empty database to build the expected schema in (kept, not dropped).",
        show_default=False,
        rich_help_panel=SCRATCH,
    ),
]


def scratch_flags(
    database_url: str | None, dir: Path | None, ledger_table: str | None, scratch_url: str | None
) -> dict[str, Any]:
    """The flags config resolution needs for commands that build a scratch schema."""
    return {**connection_flags(database_url, dir, ledger_table), "scratch_url": scratch_url}
