"""Settings: flags win over environment variables, which win over the config file.

The file is ``schemactl.toml`` in the working directory, else ``[tool.schemactl]`` in its
``pyproject.toml``. Every value remembers where it came from. Nothing here connects anywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemactl.errors import ConfigError

DEFAULTS: dict[str, Any] = {
    "database_url": None,
    "dir": "migrations",
    "ledger_table": "public.schemactl_migrations",
    "wait": 30.0,
    "lock_timeout": None,
    "statement_timeout": None,
    "retries": 0,
    "scratch_url": None,
    "lint_disable": None,
    "idempotent": False,
    "max_replica_lag": None,
}

ENV_NAMES = {
    "database_url": "DATABASE_URL",
    "dir": "SCHEMACTL_DIR",
    "ledger_table": "SCHEMACTL_LEDGER_TABLE",
    "wait": "SCHEMACTL_WAIT",
    "lock_timeout": "SCHEMACTL_LOCK_TIMEOUT",
    "statement_timeout": "SCHEMACTL_STATEMENT_TIMEOUT",
    "retries": "SCHEMACTL_RETRIES",
    "scratch_url": "SCHEMACTL_SCRATCH_URL",
    "lint_disable": "SCHEMACTL_LINT_DISABLE",
    "idempotent": "SCHEMACTL_IDEMPOTENT",
    "max_replica_lag": "SCHEMACTL_MAX_REPLICA_LAG",
}

_TEXT_SETTINGS = frozenset({"database_url", "dir", "ledger_table", "scratch_url", "lint_disable"})
_DURATION = re.compile(r"^\s*[0-9]+(\.[0-9]+)?\s*(us|ms|s|min|h|d)?\s*$")
# A duration schemactl itself waits on: its unit is required, since PostgreSQL reads a bare
# number as milliseconds and a reader of "5" as seconds.
_SECONDS = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms|s|min|h|d)\s*$")
_UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "h": 3600.0, "d": 86400.0}


@dataclass(frozen=True)
class Settings:
    """Resolved settings; ``sources`` maps each name to 'flag', 'env:NAME', a file, or 'default'."""

    database_url: str | None
    dir: Path
    ledger_table: str
    wait: float
    lock_timeout: str | None
    statement_timeout: str | None
    retries: int
    scratch_url: str | None
    lint_disable: frozenset[str] = frozenset()
    idempotent: bool = False
    # --max-replica-lag, in seconds; None: standbys are not looked at.
    max_replica_lag: float | None = None
    sources: Mapping[str, str] = field(default_factory=dict)


def resolve(
    flags: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Merge ``flags`` (None means not given) over environment over file over defaults."""
    env = os.environ if env is None else env
    cwd = cwd or Path.cwd()
    file_values, file_name, file_dir = _read_file(cwd)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, default in DEFAULTS.items():
        if flags.get(name) is not None:
            values[name], sources[name] = flags[name], "flag"
        elif env.get(ENV_NAMES[name]):
            values[name], sources[name] = env[ENV_NAMES[name]], f"env:{ENV_NAMES[name]}"
        elif name in file_values:
            values[name], sources[name] = file_values[name], file_name
        else:
            values[name], sources[name] = default, "default"
    directory = Path(values["dir"])
    if sources["dir"] == file_name and not directory.is_absolute():
        directory = file_dir / directory  # a file's paths are relative to the file
    return Settings(
        database_url=values["database_url"],
        dir=directory,
        ledger_table=str(values["ledger_table"]),
        wait=_number(values["wait"], "wait", sources["wait"], float),
        lock_timeout=_duration(values["lock_timeout"], "lock_timeout", sources),
        statement_timeout=_duration(values["statement_timeout"], "statement_timeout", sources),
        retries=int(_number(values["retries"], "retries", sources["retries"], int)),
        scratch_url=values["scratch_url"],
        lint_disable=_rule_ids(values["lint_disable"]),
        idempotent=_flag(values["idempotent"], "idempotent", sources["idempotent"]),
        max_replica_lag=_seconds(values["max_replica_lag"], "max_replica_lag", sources),
        sources=sources,
    )


def _read_file(cwd: Path) -> tuple[dict[str, Any], str, Path]:
    own = cwd / "schemactl.toml"
    if own.is_file():
        return _validate(_load_toml(own), own), str(own), cwd
    pyproject = cwd / "pyproject.toml"
    # Only a file that names schemactl can hold its section: a project's own pyproject.toml
    # usually does not, and parsing it would cost every run a few milliseconds.
    if pyproject.is_file() and b"schemactl" in pyproject.read_bytes():
        section = _load_toml(pyproject).get("tool", {}).get("schemactl")
        if isinstance(section, dict):
            return _validate(section, pyproject), f"{pyproject} [tool.schemactl]", cwd
    return {}, "", cwd


def _load_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}", detail=str(exc)) from None


def _validate(values: dict[str, Any], path: Path) -> dict[str, Any]:
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise ConfigError(
            f"unknown setting {unknown[0]!r} in {path}",
            hint=f"known settings: {', '.join(DEFAULTS)}",
        )
    for name, value in values.items():
        if name == "lint_disable" and isinstance(value, list):
            value = ",".join(str(v) for v in value) if all(isinstance(v, str) for v in value) else 0
            values[name] = value
        if name == "idempotent":
            if not isinstance(value, bool):
                raise ConfigError(
                    f"invalid idempotent {value!r} in {path}", hint="give true or false"
                )
            continue
        expected = (str,) if name in _TEXT_SETTINGS else (str, int, float)
        if isinstance(value, bool) or not isinstance(value, expected):
            kind = "a string" if name in _TEXT_SETTINGS else "a string or a number"
            raise ConfigError(f"invalid {name} {value!r} in {path}", hint=f"give {kind}")
    return values


def _number(value: Any, name: str, source: str, kind: type) -> float:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(
            f"invalid {name} {value!r} (from {source})", hint="give a number"
        ) from None
    if number < 0:
        raise ConfigError(f"invalid {name} {value!r} (from {source})", hint="must not be negative")
    return float(number)


def _duration(value: Any, name: str, sources: Mapping[str, str]) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not _DURATION.match(text):
        raise ConfigError(
            f"invalid {name} {text!r} (from {sources[name]})",
            hint="use a PostgreSQL duration such as 500ms, 5s or 1min (a bare number is ms)",
        )
    return text.strip()


def _seconds(value: Any, name: str, sources: Mapping[str, str]) -> float | None:
    """A duration with its unit (``500ms``, ``5s``, ``1min``), in seconds."""
    if value is None:
        return None
    found = _SECONDS.match(str(value))
    if found is None:
        raise ConfigError(
            f"invalid {name} {value!r} (from {sources[name]})",
            hint="give a duration with its unit, such as 500ms, 5s or 1min",
        )
    return float(found.group(1)) * _UNIT_SECONDS[found.group(2)]


def _rule_ids(value: Any) -> frozenset[str]:
    """``lint_disable``: rule ids as a comma-separated string (a TOML list arrives joined)."""
    if not value:
        return frozenset()
    return frozenset(part.strip() for part in str(value).split(",") if part.strip())


def _flag(value: Any, name: str, source: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"invalid {name} {value!r} (from {source})", hint="give true or false")
