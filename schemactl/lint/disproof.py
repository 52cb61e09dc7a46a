"""Static findings about a down that the round trip of the same migration disproves.

``down-leaves-object`` and ``down-drops-unknown`` read the files; the round trip runs them.
When the round trip applied a migration's up and then its down, and the down gave back
exactly the schema from before the up, a static finding that the down leaves or drops
something is wrong about that schema: it is kept, as information, with a note saying so
(rather than dropped, so the reader still sees what the files looked like to the rule).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace

from schemactl.files.migrations import MigrationSet
from schemactl.lint.findings import Finding, Severity

# Static rules whose claim is about whether a down reverses its up's schema.
DOWN_RULES = frozenset({"down-leaves-object", "down-drops-unknown"})

# Round-trip findings that mean a migration's down did not give back the schema before its up.
_DOWN_NOT_PROVEN = frozenset({"up-fails", "down-fails", "down-not-exact"})
# The round-trip rule that must be able to speak for its silence to be a proof.
_EXACTNESS_RULE = "down-not-exact"

NOTE = "disproved by the round trip"


def exact_downs(
    migrations: MigrationSet,
    round_tripped: Collection[int],
    round_trip_findings: Iterable[Finding],
    disabled: Collection[str] = (),
) -> frozenset[int]:
    """Versions whose down the round trip proved exact.

    ``round_tripped`` are the versions whose round trip ran to the end. A version is proven
    when it has a down, no round-trip finding says its up or down failed or its down was not
    exact, and ``down-not-exact`` was not silenced for it (a silenced rule proves nothing).
    """
    doubted = {f.version for f in round_trip_findings if f.rule in _DOWN_NOT_PROVEN}
    proven: set[int] = set()
    for m in migrations.migrations:
        if m.down is None or m.version not in round_tripped or m.version in doubted:
            continue
        silenced = _EXACTNESS_RULE in disabled or _EXACTNESS_RULE in (
            m.up.disabled_rules | m.down.disabled_rules
        )
        if not silenced:
            proven.add(m.version)
    return frozenset(proven)


def disprove(findings: Iterable[Finding], exact: Collection[int]) -> list[Finding]:
    """``findings`` with each down-rule finding on a version in ``exact`` made information,
    its detail starting with the note "disproved by the round trip"."""
    return [_disproved(f) if f.rule in DOWN_RULES and f.version in exact else f for f in findings]


def _disproved(finding: Finding) -> Finding:
    note = (
        f"{NOTE}: its down gave back exactly the schema from before the up, so this is "
        "information, not an error"
    )
    detail = f"{note}\n{finding.detail}" if finding.detail else note
    return replace(finding, severity=Severity.INFO, detail=detail)


def judged_by_round_trip(
    migrations: MigrationSet,
    static: Iterable[Finding],
    round_trip: list[Finding],
    round_tripped: Collection[int],
    disabled: Collection[str] = (),
) -> list[Finding]:
    """The static ``findings`` as the round trips leave them (see ``disprove``)."""
    exact = exact_downs(migrations, round_tripped, round_trip, disabled)
    return disprove(static, exact)
