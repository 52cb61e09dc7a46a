"""``baseline``'s report (human and JSON), and the status line that names adopted versions.

Computes nothing: the result comes from ``adopt.baseline``. The schema differences are shown
exactly as ``diff`` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from schemactl.render.terminal import Terminal

if TYPE_CHECKING:
    from schemactl.adopt.baseline import BaselineResult
    from schemactl.run.plan import VersionStatus


def baseline_report(terminal: Terminal, result: BaselineResult) -> None:
    """The differences found (on stdout, as ``diff`` prints them), then what was recorded, or
    why nothing was (on stderr). A forced record without proof is said as an error would be."""
    if not result.recorded and result.identical:
        terminal.progress(
            f"nothing to do: the ledger {result.ledger_table} already records {result.files_label}"
        )
        return
    if result.changes:
        from schemactl.render.diff import render_changes

        render_changes(
            terminal.out,
            list(result.changes),
            expected_label=result.files_label,
            actual_label=result.live_label,
        )
    count = len(result.changes)
    if not result.recorded:
        terminal.error(
            f"not baselined: the live schema differs from {result.files_label} "
            f"({count} difference{'s' if count != 1 else ''}, listed above); nothing recorded",
            None,
            "make the schema match the files ('schemactl diff --to VERSION --sql' suggests "
            "statements) or fix the files; --force records the versions without this proof",
        )
        return
    for migration in result.migrations:
        if migration.version in result.recorded:
            terminal.progress(f"baselined {migration.label}")
    recorded = f"recorded {len(result.recorded)} migration(s) as applied without running them"
    marker = f"baselined_from = {result.source}"
    if result.identical:
        terminal.progress(
            f"{recorded} ({marker}): the live schema matches {result.files_label}", style="bold"
        )
        return
    terminal.error(
        f"--force: {recorded}, WITHOUT proof ({marker}): the live schema differs from "
        f"{result.files_label} in {count} way(s), listed above",
        None,
        "'schemactl diff' keeps showing these differences until the schema or the files are fixed",
    )


def baseline_json(result: BaselineResult) -> dict[str, Any]:
    """``baseline --json``: the versions covered, those recorded now, and the differences."""
    from schemactl.render.diff import changes_to_json

    return {
        "source": result.source,
        "ledger_table": result.ledger_table,
        "from_table": result.foreign_table,
        "versions": [
            {
                "version": m.version,
                "name": m.name,
                "already_recorded": m.version in result.already,
            }
            for m in result.migrations
        ],
        "recorded": list(result.recorded),
        "forced": result.forced,
        "identical": result.identical,
        "changes": changes_to_json(list(result.changes)),
    }


def baselined_lines(statuses: Iterable[VersionStatus]) -> list[str]:
    """For ``status``: one line per source naming the versions recorded by ``baseline``
    rather than run by schemactl (ranges of consecutive versions shortened)."""
    from schemactl.run.ledger import baselined_from

    by_source: dict[str, list[int]] = {}
    for s in statuses:
        source = baselined_from(s.row)
        if source is not None:
            by_source.setdefault(source, []).append(s.version)
    return [
        f"{_vouched(source)}, not run by schemactl: {_ranges(versions)}"
        for source, versions in sorted(by_source.items())
    ]


def _vouched(source: str) -> str:
    if source == "baseline":
        return "recorded by baseline"
    return f"recorded by baseline from {source}'s ledger"


def _ranges(versions: list[int]) -> str:
    spans: list[list[int]] = []
    for version in sorted(versions):
        if spans and version == spans[-1][1] + 1:
            spans[-1][1] = version
        else:
            spans.append([version, version])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
