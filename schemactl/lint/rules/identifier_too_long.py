"""identifier-too-long: a name longer than PostgreSQL's 63 bytes."""

from __future__ import annotations

from collections.abc import Iterator

from schemactl.lint.context import LintContext
from schemactl.lint.findings import Finding, Rule, Severity

RULE = Rule(
    id="identifier-too-long",
    severity=Severity.WARNING,
    summary="an identifier longer than 63 bytes",
    why="PostgreSQL silently truncates it to 63 bytes, so the object gets a different name than "
    "the file says, and two long names can collide",
    instead="shorten the name to 63 bytes or fewer",
)

_MAX_BYTES = 63
# A character takes at most 4 bytes in UTF-8: a name this short fits without encoding it.
_NEVER_TOO_LONG = _MAX_BYTES // 4


def check(ctx: LintContext) -> Iterator[Finding]:
    """Each distinct over-long identifier, once per statement, in ups and downs."""
    for at in ctx.statements():
        seen: set[str] = set()
        for word in at.words.items:
            if len(word.value) <= _NEVER_TOO_LONG or not word.is_ident:
                continue
            size = len(word.value.encode("utf-8"))
            if size <= _MAX_BYTES or word.value in seen:
                continue
            seen.add(word.value)
            yield at.finding(
                RULE, f"identifier {word.text} is {size} bytes; PostgreSQL keeps only the first 63"
            )
