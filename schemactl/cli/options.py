"""Options shared by several commands, defined once.

Every command accepts the connection and run options after its name
(``schemactl up --dir sql/x``). None means "not given", so config resolution can tell a flag
from a default.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from schemactl.fleet.flags import FleetFlags

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
MaxReplicaLag = Annotated[
    str | None,
    typer.Option(
        "--max-replica-lag",
        help="Before each migration, wait (up to --wait) while a standby of the database "
        "replays more than this far behind it (e.g. 5s), naming it.",
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


FLEET = "Fleet (many databases)"
Targets = Annotated[
    Path | None,
    typer.Option(
        "--targets",
        help="A TOML file of named databases ([targets.NAME] with url or url_env, and group): "
        "run on each of them instead of one database.",
        show_default=False,
        rich_help_panel=FLEET,
    ),
]
TargetsFrom = Annotated[
    str | None,
    typer.Option(
        "--targets-from",
        help="A database holding the list of targets (read only, with --targets-query).",
        show_default=False,
        rich_help_panel=FLEET,
    ),
]
TargetsQuery = Annotated[
    str | None,
    typer.Option(
        "--targets-query",
        help='The query listing the targets: columns name, url and (optionally) "group".',
        show_default=False,
        rich_help_panel=FLEET,
    ),
]
Parallel = Annotated[
    int | None,
    typer.Option(
        "--parallel",
        help="How many targets to run at once. Default: 1.",
        show_default=False,
        rich_help_panel=FLEET,
    ),
]
Canary = Annotated[
    int | None,
    typer.Option(
        "--canary",
        help="Run the first N targets first, by themselves; if one fails, start no other.",
        show_default=False,
        rich_help_panel=FLEET,
    ),
]
OnFailure = Annotated[
    str | None,
    typer.Option(
        "--on-failure",
        help="stop (default): start no new target after a failure; continue: run every target.",
        show_default=False,
        rich_help_panel=FLEET,
    ),
]
Stages = Annotated[
    str | None,
    typer.Option(
        "--stages",
        help="Roll out group by group (GROUP,GROUP,...; '*' for every other target), each "
        "stage ending before the next starts.",
        show_default=False,
        rich_help_panel=FLEET,
    ),
]


def fleet_flags(
    targets: Path | None,
    targets_from: str | None,
    targets_query: str | None,
    parallel: int | None,
    canary: int | None = None,
    on_failure: str | None = None,
    stages: str | None = None,
) -> FleetFlags | None:
    """The fleet options as ``schemactl.fleet.flags.FleetFlags``, or None when none was given
    (the single-database path then imports nothing of the fleet)."""
    given = (targets, targets_from, targets_query, parallel, canary, on_failure, stages)
    if all(value is None for value in given):
        return None
    from schemactl.fleet.flags import FleetFlags

    return FleetFlags(*given)
