"""What ``check`` reports, and its lint-only half, which needs no database.

Kept apart from ``gate`` (the round trips) so that ``check --lint-only`` and the renderers
never import the database driver, the catalog or the scratch machinery.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from schemactl.errors import MigrationFileError, UsageError
from schemactl.files.migrations import Migration, MigrationSet, load_directory
from schemactl.lint import Finding, Severity, layout_findings, lint

# The round trip's own rule ids, which --disable and per-file directives accept too.
ROUND_TRIP_RULES = frozenset(
    {
        "up-fails",
        "down-fails",
        "up-fails-after-down",
        "down-not-exact",
        "up-differs-after-down",
        "rerun-changes-schema",
        "not-idempotent",
        "round-trip-stopped",
        "irreversible",
        "not-back-to-empty",
    }
)


# A failing file ends the round trips; silencing that would hide every later check.
UNSILENCEABLE = frozenset({"up-fails", "down-fails", "up-fails-after-down", "round-trip-stopped"})


class Rerun(enum.StrEnum):
    """What running an up file a second time on top of itself did."""

    RERUNNABLE = "re-runnable"  # succeeded and changed nothing
    FAILS = "fails cleanly"
    CHANGES = "changes the schema again"
    NOT_RUN = "not run"


@dataclass(frozen=True)
class Options:
    """How strict the gate is: ``strict`` fails on warnings and irreversible migrations;
    ``idempotent`` holds every migration to the re-run test (a set-wide promise)."""

    strict: bool = False
    idempotent: bool = False
    disabled: frozenset[str] = frozenset()
    round_trip: bool = True
    jobs: int = 1  # round trips run at once, each on a scratch database of its own


@dataclass
class CheckReport:
    """Everything ``check`` found; ``reruns`` holds each checked migration's re-run outcome."""

    directory: Path
    options: Options
    migrations: list[tuple[int, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    reruns: dict[int, Rerun] = field(default_factory=dict)
    round_trip_done: bool = False
    stopped_at: int | None = None  # the version whose failure ended the round trips
    loaded: bool = True  # False when the directory itself could not be read

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def passed(self) -> bool:
        """No error; under ``strict``, no warning either."""
        failing = {Severity.ERROR, Severity.WARNING} if self.options.strict else {Severity.ERROR}
        return not any(f.severity in failing for f in self.findings)


ProgressCallback = Callable[[Migration], None]


def start(directory: Path, options: Options) -> tuple[CheckReport, MigrationSet | None]:
    """A report for ``directory`` and its migrations, read; None when the directory does not
    even load (its layout findings are then the report's). Refuses to silence what cannot be.
    """
    unsilenceable = sorted(options.disabled & UNSILENCEABLE)
    if unsilenceable:
        raise UsageError(
            f"{', '.join(unsilenceable)} cannot be disabled",
            hint="a migration that fails leaves nothing to check after it; fix the file",
        )
    report = CheckReport(directory, options)
    try:
        migrations = load_directory(directory)
    except MigrationFileError as error:
        report.findings = layout_findings(error.problems)
        report.loaded = False
        return report, None
    report.migrations = [(m.version, m.name) for m in migrations.migrations]
    return report, migrations


def lint_only(directory: Path, options: Options) -> CheckReport:
    """``check`` without round trips: the directory's layout and the static lint."""
    report, migrations = start(directory, options)
    if migrations is not None:
        findings = lint(migrations, disabled=options.disabled, other_rules=ROUND_TRIP_RULES)
        report.findings = sorted(findings, key=in_order)
    return report


def in_order(finding: Finding) -> tuple[int, str, int, str]:
    """Findings by migration, file, line and rule, as reports list them."""
    return (finding.version or 0, str(finding.path), finding.line or 0, finding.rule)
