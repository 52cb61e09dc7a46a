"""Reading a fleet: the named databases one command reaches, from a TOML file or a query.

A targets file holds one table per target::

    [targets.tenant_a]
    url = "postgresql://app@db1/tenant_a"
    group = "canary"

    [targets.tenant_b]
    url_env = "TENANT_B_URL"   # the URL is read from this environment variable
    group = "eu"

Order is the file's (or the query's rows'): it decides the canary and the order targets
start in. Everything is checked before any target is touched, and every refusal names the
file and line. Nothing here connects, except ``from_query``, which only reads.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemactl.dsn import describe, remember_secret
from schemactl.errors import TargetsError

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
_NAME_RULE = "letters, digits, '_', '.' and '-', starting with a letter or digit, 63 at most"
KEYS = ("url", "url_env", "group")
_TOML_POSITION = re.compile(r"\(at line (\d+), column \d+\)")


@dataclass(frozen=True)
class Target:
    """One database of the fleet. ``url`` may hold a password: print ``label``, never it."""

    name: str
    url: str
    group: str | None = None
    line: int | None = None  # where the file declares it, for messages

    @property
    def label(self) -> str:
        """Where the target points, password-free."""
        return describe(self.url)


@dataclass(frozen=True)
class Fleet:
    """The targets in the order given, and where they were read from."""

    targets: tuple[Target, ...]
    source: str

    @property
    def groups(self) -> tuple[str, ...]:
        """Each group once, in order of first appearance."""
        return tuple(dict.fromkeys(t.group for t in self.targets if t.group is not None))


def read_file(path: Path, env: Mapping[str, str] | None = None) -> Fleet:
    """The fleet a targets file declares (see the module's docstring).

    Raises TargetsError, with the file and line, for a file that cannot be read or parsed, an
    unknown key, an invalid or duplicate name, a target without a URL, an environment
    variable that is not set, two targets with one URL, or no target at all.
    """
    import tomllib

    env = os.environ if env is None else env
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError("cannot read the targets file", path=path, detail=str(exc)) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.search(str(exc))
        raise TargetsError(
            "not valid TOML",
            path=path,
            line=int(position.group(1)) if position else None,
            detail=str(exc),
        ) from None
    lines = text.splitlines()
    unknown = sorted(set(document) - {"targets"})
    if unknown:
        raise TargetsError(
            f"unknown key {unknown[0]!r}",
            path=path,
            line=_line_of_key(lines, unknown[0], 0),
            hint="a targets file holds only [targets.NAME] tables",
        )
    tables = document.get("targets")
    if not isinstance(tables, dict) or not tables:
        raise TargetsError(
            "no targets", path=path, hint='declare each as [targets.NAME] with url = "..."'
        )
    targets = [_target(path, lines, name, values, env) for name, values in tables.items()]
    return Fleet(_checked(targets, str(path), path), str(path))


def _target(path: Path, lines: list[str], name: str, values: Any, env: Mapping[str, str]) -> Target:
    line = _line_of_table(lines, name)
    if not NAME.match(name):
        raise TargetsError(f"invalid target name {name!r}", path=path, line=line, hint=_NAME_RULE)
    if not isinstance(values, dict):
        raise TargetsError(
            f"target {name!r} must be a table",
            path=path,
            line=line,
            hint=f'write it as [targets.{name}] with url = "..."',
        )
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise TargetsError(
            f"unknown key {unknown[0]!r} in target {name!r}",
            path=path,
            line=_line_of_key(lines, unknown[0], line or 0),
            hint=f"known keys: {', '.join(KEYS)}",
        )
    for key in KEYS:
        if key in values and not isinstance(values[key], str):
            raise TargetsError(
                f"{key} of target {name!r} must be a string",
                path=path,
                line=_line_of_key(lines, key, line or 0),
            )
    url = _url(path, line, name, values, env)
    group = values.get("group")
    if group is not None and not NAME.match(group):
        raise TargetsError(
            f"invalid group {group!r} for target {name!r}", path=path, line=line, hint=_NAME_RULE
        )
    return Target(name, url, group, line)


def _url(
    path: Path, line: int | None, name: str, values: dict[str, str], env: Mapping[str, str]
) -> str:
    if "url" in values and "url_env" in values:
        raise TargetsError(
            f"target {name!r} has both url and url_env", path=path, line=line, hint="give one"
        )
    if "url_env" in values:
        variable = values["url_env"]
        url = env.get(variable, "").strip()
        if not url:
            raise TargetsError(
                f"target {name!r}: the environment variable {variable} is not set",
                path=path,
                line=line,
                hint=f"set {variable} to the target's connection string",
            )
        return url
    url = values.get("url", "").strip()
    if not url:
        raise TargetsError(
            f"target {name!r} has no url",
            path=path,
            line=line,
            hint='give url = "postgresql://..." or url_env = "VARIABLE"',
        )
    return url


def from_rows(rows: Iterable[tuple[Any, Any, Any]], source: str) -> Fleet:
    """The fleet from ``(name, url, group)`` rows, checked as a file's targets are.

    Raises TargetsError naming the row (1-based) of a bad name, group or URL.
    """
    targets = []
    for number, (name, url, group) in enumerate(rows, start=1):
        where = f"row {number} of {source}"
        if not isinstance(name, str) or not NAME.match(name):
            raise TargetsError(f"{where}: invalid target name {name!r}", hint=_NAME_RULE)
        if not isinstance(url, str) or not url.strip():
            raise TargetsError(f"{where}: target {name!r} has no url")
        if group is not None and (not isinstance(group, str) or not NAME.match(group)):
            raise TargetsError(
                f"{where}: invalid group {group!r} for target {name!r}", hint=_NAME_RULE
            )
        targets.append(Target(name, url.strip(), group, number))
    if not targets:
        raise TargetsError(f"{source} returned no targets")
    return Fleet(_checked(targets, source, None), source)


def _checked(targets: list[Target], source: str, path: Path | None) -> tuple[Target, ...]:
    """``targets`` once each passwords are known to the masker; refuses names that differ only
    in case (one would be mistaken for the other in a report) and two names for one URL."""
    by_name: dict[str, Target] = {}
    by_url: dict[str, Target] = {}
    for target in targets:
        # Before anything prints or a worker connects: workers then only read the masker.
        remember_secret(target.url)
        other = by_name.get(target.name.lower())
        if other is not None:
            raise TargetsError(
                f"targets {other.name!r} and {target.name!r} differ only in case",
                path=path,
                line=target.line if path else None,
                hint="give each target a distinct name",
            )
        twin = by_url.get(target.url)
        if twin is not None:
            raise TargetsError(
                f"targets {twin.name!r} and {target.name!r} have the same url ({target.label})",
                path=path,
                line=target.line if path else None,
                hint="each target is one database; remove one of them",
            )
        by_name[target.name.lower()] = by_url[target.url] = target
    return tuple(targets)


def _line_of_table(lines: list[str], name: str) -> int | None:
    """The line declaring target ``name`` (a [targets.NAME] header, a dotted key or an
    inline table), for messages; None when it cannot be told."""
    quoted = rf"(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
    patterns = (
        rf"^\s*\[\s*targets\s*\.\s*{quoted}\s*\]",
        rf"^\s*targets\s*\.\s*{quoted}\s*[.=]",
        rf"^\s*{quoted}\s*=\s*\{{",
    )
    for pattern in patterns:
        compiled = re.compile(pattern)
        for number, text in enumerate(lines, start=1):
            if compiled.match(text):
                return number
    return None


def _line_of_key(lines: list[str], key: str, after: int) -> int | None:
    """The first line at or after line ``after`` that sets ``key``."""
    compiled = re.compile(rf"^\s*(?:\[\s*)?(?:[\w.\"'-]+\.)?[\"']?{re.escape(key)}[\"']?\s*[=\].]")
    start = max(after - 1, 0)
    for number, text in enumerate(lines[start:], start=start + 1):
        if compiled.match(text):
            return number
    return after or None


def from_query(url: str, query: str) -> Fleet:
    """The fleet a query returns, run read-only on ``url``: columns ``name`` and ``url``, and
    ``group`` if the query has it; rows in the order the query returns them (give it an
    ORDER BY: that order picks the canary).

    Raises ConnectionFailedError (exit 3) when ``url`` cannot be reached, TargetsError when
    the query fails, lacks a column, or returns a bad row.
    """
    import psycopg

    from schemactl.run import db

    source = f"--targets-query on {describe(url)}"
    # Read-only for the whole session: the query cannot write, whatever it says.
    with db.connect(
        url, purpose="targets", settings={"default_transaction_read_only": "on"}
    ) as conn:
        try:
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute(query.encode("utf-8"))
                if cursor.description is None:
                    raise TargetsError(f"{source} returned no rows", hint="give a SELECT")
                columns = [c.name for c in cursor.description]
                rows = cursor.fetchall()
        except psycopg.Error as exc:
            raise TargetsError(
                f"{source} failed",
                detail=str(exc).strip(),
                hint="the query must be a SELECT returning columns name, url and (optionally) "
                "group",
            ) from None
    missing = [c for c in ("name", "url") if c not in columns]
    if missing:
        raise TargetsError(
            f"{source} has no column {missing[0]!r} (it returned {', '.join(columns)})",
            hint='name the columns: SELECT tenant AS name, dsn AS url, region AS "group" ...',
        )
    name_at, url_at = columns.index("name"), columns.index("url")
    group_at = columns.index("group") if "group" in columns else None
    return from_rows(
        ((r[name_at], r[url_at], r[group_at] if group_at is not None else None) for r in rows),
        source,
    )
