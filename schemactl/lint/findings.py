"""What a lint rule is and what it reports: severities, rules and findings (plain data)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.StrEnum):
    """How bad a finding is: errors fail ``check``; warnings and infos are advice."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One problem in one migration file, with the advice of the rule that found it."""

    rule: str
    severity: Severity
    path: Path
    line: int | None
    message: str
    why: str
    instead: str
    version: int | None
    detail: str | None = None  # more lines: what a round trip's diff found, the server's error

    @property
    def sort_key(self) -> tuple[int, str, int, str]:
        """(version, path, line, rule), with unknown versions and lines first."""
        version = -1 if self.version is None else self.version
        return version, str(self.path), self.line or 0, self.rule


@dataclass(frozen=True)
class Rule:
    """A rule's stable id, severity and the advice every one of its findings carries."""

    id: str
    severity: Severity
    summary: str
    why: str
    instead: str

    def finding(
        self, path: Path, message: str, *, line: int | None = None, version: int | None = None
    ) -> Finding:
        """A finding of this rule at ``path`` (and ``line``), carrying the rule's advice."""
        return Finding(
            rule=self.id,
            severity=self.severity,
            path=path,
            line=line,
            message=message,
            why=self.why,
            instead=self.instead,
            version=version,
        )
