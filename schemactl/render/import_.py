"""``import``'s result: each source file and the schemactl file it became (stdout), what the
conversion decided, and the next step (stderr); or one JSON document."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from schemactl.adopt.formats import ImportResult
    from schemactl.adopt.formats.target import ConvertedMigration, WrittenFile
    from schemactl.render.terminal import Terminal


def next_step(result: ImportResult) -> str:
    return f"schemactl baseline --from {result.tool} --dir {result.target}"


def human(terminal: Terminal, result: ImportResult) -> None:
    """One line per written file, source first, then its directives and notes."""
    for converted in result.migrations:
        shared = converted.down is not None and (
            converted.down.side.source == converted.up.side.source
        )
        for label, written in (("up", converted.up), ("down", converted.down)):
            if written is None:
                continue
            source = written.side.source.name + (f" ({label})" if shared else "")
            terminal.data(f"{source} -> {result.target / written.name}")
            for line in _directives(written):
                terminal.data(f"    {line}")
        for note in converted.migration.notes:
            terminal.data(f"    note: {note}")
    for path in result.skipped:
        terminal.warning(f"skipped {path}: {result.tool} does not read it as a migration either")
    count = len(result.migrations)
    if result.written:
        terminal.progress(
            f"imported {count} migration(s) from {result.tool} directory {result.source} "
            f"into {result.target}"
        )
    else:
        terminal.progress(f"nothing to do: {result.target} already holds these {count} migrations")
    terminal.progress(
        f"next: {next_step(result)} adopts {result.tool}'s ledger (what it applied is "
        "recorded as applied, nothing is run)"
    )


def _directives(written: WrittenFile) -> list[str]:
    reasons = {"no-transaction": written.side.no_transaction}
    lines = []
    for directive in written.directives:
        reason = reasons.get(directive.value)
        suffix = f" ({reason})" if reason else ""
        lines.append(f"-- schemactl:{directive.value}{suffix}")
    return lines


def json(result: ImportResult) -> dict[str, Any]:
    """``import --json``."""
    return {
        "tool": result.tool,
        "source": str(result.source),
        "target": str(result.target),
        "written": result.written,
        "migrations": [_migration(c) for c in result.migrations],
        "skipped": [str(p) for p in result.skipped],
        "next": next_step(result),
    }


def _migration(converted: ConvertedMigration) -> dict[str, Any]:
    return {
        "version": converted.migration.version,
        "name": converted.migration.name,
        "up": _file(converted.up),
        "down": _file(converted.down) if converted.down is not None else None,
        "notes": list(converted.migration.notes),
    }


def _file(written: WrittenFile) -> dict[str, Any]:
    return {
        "source": str(written.side.source),
        "file": written.name,
        "directives": [d.value for d in written.directives],
    }
