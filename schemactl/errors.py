"""One exception hierarchy and the exit codes it maps to.

Each error carries PostgreSQL's three-part style (message, detail, hint) plus the location a
user needs. This module never prints and imports nothing heavy.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class ExitCode(enum.IntEnum):
    """Process exit codes, one per failure class; README documents them, tests pin them."""

    OK = 0
    CHECK_FAILED = 1
    USAGE = 2
    ENVIRONMENT = 3
    MIGRATION_FAILED = 4
    REFUSED = 5
    # A fleet run (--targets) where some targets did not succeed, not all failing alike.
    SOME_TARGETS_FAILED = 6
    INTERNAL = 70
    INTERRUPTED = 130
    # stdout was closed before the command wrote to it (a pipe into head).
    BROKEN_PIPE = 141


class SchemactlError(Exception):
    """Root of every error schemactl reports to a user (never a bug)."""

    exit_code: ExitCode = ExitCode.INTERNAL
    # The server's SQLSTATE, for errors that one failed statement caused; ``--json`` reports it.
    sqlstate: str | None = None

    def __init__(self, message: str, *, detail: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint

    def location(self) -> tuple[Path | None, int | None]:
        """The file and line the error is about, when it is about one place (for ``--json``)."""
        return None, None


class UsageError(SchemactlError):
    """Bad arguments or configuration; nothing was touched."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A configuration file or value is invalid."""


@dataclass(frozen=True)
class FileProblem:
    """One problem with one migration file (validation collects all of them)."""

    path: Path
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class MigrationFileError(UsageError):
    """The migration directory is invalid; every problem found is listed."""

    def __init__(self, problems: list[FileProblem], *, hint: str | None = None):
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"migration directory has {count} {noun}",
            detail="\n".join(str(p) for p in problems),
            hint=hint or "fix the files listed; nothing was applied",
        )
        self.problems = problems

    def location(self) -> tuple[Path | None, int | None]:
        if len(self.problems) == 1:
            return self.problems[0].path, self.problems[0].line
        return None, None


class ConnectionFailedError(SchemactlError):
    """The server could not be reached or refused us."""

    exit_code = ExitCode.ENVIRONMENT


class LockTimeoutError(SchemactlError):
    """Another schemactl run held the run lock for longer than --wait."""

    exit_code = ExitCode.ENVIRONMENT


class MigrationFailedError(SchemactlError):
    """A migration statement failed; the migration rolled back or was left dirty."""

    exit_code = ExitCode.MIGRATION_FAILED

    def __init__(
        self,
        message: str,
        *,
        path: Path,
        line: int,
        detail: str | None = None,
        hint: str | None = None,
        sqlstate: str | None = None,
        dirty: bool = False,
        reason: str | None = None,
    ):
        super().__init__(message, detail=detail, hint=hint)
        self.path = path
        self.line = line
        # The server's words without the file and line, for reports that place them apart.
        self.reason = reason or message
        self.sqlstate = sqlstate
        self.dirty = dirty
        # What became of the migration when neither "rolled back" nor "dirty" says it (it
        # committed with its ledger row all the same; its transaction ended early).
        self.outcome: str | None = None

    def location(self) -> tuple[Path | None, int | None]:
        return self.path, self.line


class RefusedError(SchemactlError):
    """The ledger's state forbids the run (dirty, modified, missing, out of order)."""

    exit_code = ExitCode.REFUSED


class InterruptedRunError(SchemactlError):
    """The run was interrupted (Ctrl-C or SIGTERM)."""

    exit_code = ExitCode.INTERRUPTED


class SnapshotError(UsageError):
    """A saved schema snapshot cannot be read."""


class ScratchUnavailableError(SchemactlError):
    """No throwaway database could be made (no CREATEDB, no PostgreSQL binaries, ...)."""

    exit_code = ExitCode.ENVIRONMENT


class RunLockLostError(SchemactlError):
    """The session holding the run lock ended while the run went on."""

    exit_code = ExitCode.ENVIRONMENT


class ReadOnlyError(SchemactlError):
    """The database accepts no writes here (a standby, or read-only sessions)."""

    exit_code = ExitCode.ENVIRONMENT


class LedgerAccessError(SchemactlError):
    """The ledger table cannot be read or written: a missing privilege, a lock held too long,
    a lost connection."""

    exit_code = ExitCode.ENVIRONMENT


class LedgerStateError(RefusedError):
    """The ledger does not hold what schemactl wrote there (rows edited or corrupted, another
    ledger beside it)."""


class ForeignLedgerNotFoundError(UsageError):
    """The other tool's ledger named for ``baseline --from`` is not there, or is not laid out
    as that tool lays it out; nothing was read or recorded."""


class ForeignLedgerError(RefusedError):
    """Another tool's ledger holds what schemactl will not adopt: a dirty or failed migration,
    a repeatable one, a version with no schemactl file; nothing was recorded."""


class BaselineRefusedError(RefusedError):
    """``baseline`` would contradict what schemactl's own ledger already records."""


class ImportRefusedError(MigrationFileError):
    """``import`` cannot convert another tool's migration directory; every source file that
    stands in the way is listed, and nothing was written."""

    def __init__(self, problems: list[FileProblem], *, source: Path, hint: str | None = None):
        super().__init__(problems, hint=hint or "fix the files listed; nothing was written")
        count = len(problems)
        self.message = f"cannot import {source}: {count} {'problem' if count == 1 else 'problems'}"
        self.args = (self.message,)


class TargetsError(ConfigError):
    """A fleet's list of targets (``--targets FILE`` or ``--targets-from``) cannot be used;
    nothing was touched."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        line: int | None = None,
        detail: str | None = None,
        hint: str | None = None,
    ):
        where = f"{path}:{line}: " if path is not None and line else f"{path}: " if path else ""
        super().__init__(where + message, detail=detail, hint=hint)
        self.path = path
        self.line = line

    def location(self) -> tuple[Path | None, int | None]:
        return self.path, self.line


class GuardTimeoutError(SchemactlError):
    """``up --guard`` waited longer than --wait for sessions holding locks a migration would
    queue behind; that migration was not started."""

    exit_code = ExitCode.ENVIRONMENT


class GuardUnreadableError(SchemactlError):
    """``up --guard`` could not read which sessions hold locks on the target (pg_locks and
    pg_stat_activity); the migration was not started."""

    exit_code = ExitCode.ENVIRONMENT


class ReplicaLagTimeoutError(SchemactlError):
    """``--max-replica-lag``: a standby still lagged more than the limit after --wait; the
    next migration was not started."""

    exit_code = ExitCode.ENVIRONMENT


class ReplicaLagUnreadableError(SchemactlError):
    """``--max-replica-lag``: the standbys' lag cannot be read (the role may not see it,
    or the view cannot be read); no migration was started."""

    exit_code = ExitCode.ENVIRONMENT
