"""Another session holding a lock a migration needs (the ``holder`` fixture, in conftest),
released once the run has looked."""

from __future__ import annotations

import threading
import time

import psycopg

ADD_COLUMN = ("ALTER TABLE t ADD COLUMN note text;", "ALTER TABLE t DROP COLUMN note;")
HOLDER_APP = "reporting-job"


def release_once_seen(
    holder: psycopg.Connection, url: str, seen: str, delay: float
) -> threading.Thread:
    """Roll ``holder`` back ``delay`` seconds after the query ``seen`` first answers true (the
    run has looked), or after 30 s: not a fixed wait, which a loaded machine would outrun."""

    def release() -> None:
        with psycopg.connect(url, autocommit=True) as looker:
            deadline = time.monotonic() + 30
            while not looker.execute(seen).fetchone()[0] and time.monotonic() < deadline:  # type: ignore[index]
                time.sleep(0.05)
        time.sleep(delay)
        holder.rollback()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


def has_note_column(conn: psycopg.Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'note'"
    ).fetchone()
    return row == (1,)


def said(text: str) -> str:
    return " ".join(text.split())
