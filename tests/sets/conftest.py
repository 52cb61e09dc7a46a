"""Fixtures for the migration sets under sql/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from schemactl import config, operations
from tests.conftest import url_for

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"
SET_NAMES = sorted(p.name for p in SQL_ROOT.iterdir() if p.is_dir()) if SQL_ROOT.is_dir() else []


def up_files(set_name: str) -> list[Path]:
    """The set's up files in numeric order."""
    files = (SQL_ROOT / set_name).glob("*.up.sql")
    return sorted(files, key=lambda p: int(p.name.split("_", 1)[0]))


def settings_for(conn: psycopg.Connection, set_name: str) -> config.Settings:
    """Settings that point schemactl at ``set_name`` and the test database."""
    flags = {"database_url": url_for(conn), "dir": SQL_ROOT / set_name}
    return config.resolve(flags, env={}, cwd=SQL_ROOT)


@pytest.fixture
def apply_set(conn: psycopg.Connection) -> Callable[[str], psycopg.Connection]:
    """Apply a whole set with schemactl to the test database; returns an autocommit connection."""

    def apply(set_name: str) -> psycopg.Connection:
        operations.up(settings_for(conn, set_name))
        return conn

    return apply
