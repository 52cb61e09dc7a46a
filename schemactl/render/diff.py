"""Rendering a list of schema changes: for people (grouped, side by side) and as JSON.

Computes nothing: the changes come from ``diff.diff_models`` and ``diff.suggest_sql``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from schemactl.catalog.model import to_plain
from schemactl.schema.diff import Change, ChangeKind

_SECTIONS = (
    (ChangeKind.MISSING, "missing", "yellow"),
    (ChangeKind.UNEXPECTED, "unexpected", "red"),
)
SUGGESTION_HEADER = (
    "-- Suggested statements to bring the live schema to the expected one.\n"
    "-- Review them before running anything: schemactl never runs these itself."
)


def changes_to_json(changes: list[Change]) -> list[dict[str, Any]]:
    """``diff --json``: one object per change, keys stable and snake_case.

    ``expected``/``actual`` hold the property's values for a changed object and the whole
    object (as a JSON object) on the side that has it for a missing or unexpected one.
    """
    return [
        {
            "kind": c.kind.value,
            "object_type": c.object_type,
            "name": c.name,
            "table": c.table,
            "property": c.property,
            "expected": to_plain(c.expected),
            "actual": to_plain(c.actual),
        }
        for c in changes
    ]


def render_changes(
    console: Console,
    changes: list[Change],
    *,
    expected_label: str = "expected",
    actual_label: str = "actual",
) -> None:
    """Print ``changes`` grouped: missing, unexpected, then changed objects property by property.

    The labels name the two sides ("expected" and "live", or two database names).
    """
    if not changes:
        console.print("no differences")
        return
    console.print(_summary(changes))
    notes = {
        ChangeKind.MISSING: f"in {expected_label}, not in {actual_label}",
        ChangeKind.UNEXPECTED: f"in {actual_label}, not in {expected_label}",
    }
    for kind, title, style in _SECTIONS:
        found = [c for c in changes if c.kind == kind]
        if found:
            console.print()
            console.print(Text(f"{title} ({notes[kind]})", style=f"bold {style}"))
            for change in found:
                console.print(Text(f"  {change.object_type} {change.name}"))
    changed = [c for c in changes if c.kind == ChangeKind.CHANGED]
    if changed:
        console.print()
        console.print(Text("changed", style="bold cyan"))
        console.print(_changed_table(changed, expected_label, actual_label))


def suggestions_text(statements: list[str]) -> str:
    """``diff --sql``: the suggested statements under a header that says they are unreviewed."""
    return "\n\n".join([SUGGESTION_HEADER, *statements]) + "\n"


def _summary(changes: list[Change]) -> str:
    counts = {kind: sum(1 for c in changes if c.kind == kind) for kind in ChangeKind}
    noun = "difference" if len(changes) == 1 else "differences"
    parts = ", ".join(f"{counts[kind]} {kind.value}" for kind in ChangeKind if counts[kind])
    return f"{len(changes)} {noun}: {parts}"


def _changed_table(changes: list[Change], expected_label: str, actual_label: str) -> Table:
    table = Table(box=None, pad_edge=False, padding=(0, 2, 0, 0))
    for header in ("object", "property", expected_label, actual_label):
        table.add_column(header, overflow="fold")
    previous = None
    for change in changes:
        subject = f"{change.object_type} {change.name}"
        table.add_row(
            Text(subject if subject != previous else ""),
            Text(change.property or ""),
            Text(value_text(change.expected), style="green"),
            Text(value_text(change.actual), style="red"),
        )
        previous = subject
    return table


def value_text(value: Any) -> str:
    """A property value as a person reads it: yes/no, comma-separated lists, (none)."""
    if value is None or value == () or value == {}:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "\n".join(f"{k}: {v}" for k, v in sorted(value.items()))
    return str(value)
