"""A throwaway primary with one streaming standby, made with the distribution's PostgreSQL 15.

The primary is initialised with ``initdb`` (``wal_level = replica``, trust for replication
from 127.0.0.1), the standby copied from it with ``pg_basebackup -R``; each listens on
127.0.0.1 at a free port and keeps its socket in its own directory. PostgreSQL refuses to run
as root, so under root every program runs as the unprivileged ``postgres`` user, in a
directory that user owns. Missing binaries raise ``ReplicationUnavailable``: the tests that
need the pair fail with its message, never skip (CI has the binaries).

``python -m tests.replication`` starts a pair, prints both URLs and keeps them until Ctrl-C.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.matrix.clusters import (
    ClusterUnavailable,
    free_port,
    hand_over,
    run_program,
)

BINARIES = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"
STANDBY_NAME = "replica_a"

_COMMON = {
    "listen_addresses": "'127.0.0.1'",
    # The data is thrown away with the pair: nothing is worth a disk flush.
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "40",
    "shared_buffers": "16MB",
}
_PRIMARY = {"wal_level": "replica", "max_wal_senders": "5", "wal_keep_size": "64MB"}
_HBA = "host replication all 127.0.0.1/32 trust\n"


class ReplicationUnavailable(ClusterUnavailable):
    """A primary with a standby cannot be made here; the message says why."""


@dataclass(frozen=True)
class Server:
    port: int
    datadir: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"


@dataclass(frozen=True)
class Pair:
    """A running primary and its standby (``application_name`` ``STANDBY_NAME``)."""

    primary: Server
    standby: Server
    directory: Path

    def wait_caught_up(self, timeout: float = 30.0) -> None:
        """Return once the standby has replayed everything the primary has written."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.primary.url(), autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) <= 0"
                    " FROM pg_stat_replication WHERE application_name = %s",
                    (STANDBY_NAME,),
                ).fetchone()
                if row is not None and row[0]:
                    return
                time.sleep(0.1)
        raise ReplicationUnavailable(f"the standby did not catch up within {timeout:g}s")

    def pause_replay(self) -> None:
        with psycopg.connect(self.standby.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        with psycopg.connect(self.standby.url(), autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    def lag_at_least(self, seconds: float, timeout: float = 30.0) -> None:
        """With replay paused, write WAL on the primary until its ``pg_stat_replication``
        shows the standby's ``replay_lag`` at ``seconds`` or more (each write makes the
        standby reply, and so the primary measure the lag again)."""
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.primary.url(), autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS lag_probe (n int)")
            while time.monotonic() < deadline:
                conn.execute("INSERT INTO lag_probe VALUES (1)")
                row = conn.execute(
                    "SELECT extract(epoch FROM replay_lag) FROM pg_stat_replication"
                    " WHERE application_name = %s",
                    (STANDBY_NAME,),
                ).fetchone()
                if row is not None and row[0] is not None and row[0] >= seconds:
                    return
                time.sleep(0.2)
        raise ReplicationUnavailable(f"the standby's replay_lag did not reach {seconds:g}s")


def make_pair() -> Pair:
    """Initialise and start a primary, then a standby streaming from it."""
    if not (BINARIES / "initdb").is_file() or not (BINARIES / "pg_basebackup").is_file():
        raise ReplicationUnavailable(
            f"{BINARIES} has no initdb or pg_basebackup: the replica tests need Debian's "
            "postgresql-15 server package (apt-get install postgresql-15)"
        )
    directory = Path(tempfile.mkdtemp(prefix="schemactl-replication-"))
    try:
        hand_over(directory)
        primary = Server(free_port(), directory / "primary")
        _run("initdb", "-D", primary.datadir, "-U", SUPERUSER, "--auth=trust", "--no-sync")
        _configure(primary, _PRIMARY)
        with (primary.datadir / "pg_hba.conf").open("a") as hba:
            hba.write(_HBA)
        _start(primary, directory / "primary.log")
        standby = Server(free_port(), directory / "standby")
        _run(
            "pg_basebackup",
            "-D",
            standby.datadir,
            "-R",
            "-X",
            "stream",
            "-d",
            f"host=127.0.0.1 port={primary.port} user={SUPERUSER} application_name={STANDBY_NAME}",
        )
        _configure(standby, {})
        _start(standby, directory / "standby.log")
        pair = Pair(primary, standby, directory)
        pair.wait_caught_up()
        return pair
    except BaseException:
        _stop_all(directory)
        raise


def stop_pair(pair: Pair) -> None:
    """Stop both servers at once and delete their directory."""
    _stop_all(pair.directory)


@contextlib.contextmanager
def running_pair() -> Iterator[Pair]:
    pair = make_pair()
    try:
        yield pair
    finally:
        stop_pair(pair)


def _stop_all(directory: Path) -> None:
    for name in ("standby", "primary"):
        datadir = directory / name
        if (datadir / "postmaster.pid").exists():
            with contextlib.suppress(ReplicationUnavailable):
                _run("pg_ctl", "-D", datadir, "-m", "immediate", "-w", "stop")
    shutil.rmtree(directory, ignore_errors=True)


def _configure(server: Server, extra: dict[str, str]) -> None:
    settings = {**_COMMON, **extra, "port": str(server.port)}
    settings["unix_socket_directories"] = f"'{server.datadir}'"
    # postgresql.auto.conf is read last; pg_basebackup -R wrote primary_conninfo there.
    path = server.datadir / "postgresql.auto.conf"
    kept = path.read_text() if path.exists() else ""
    path.write_text(kept + "".join(f"{name} = {value}\n" for name, value in settings.items()))
    hand_over(path)


def _start(server: Server, log: Path) -> None:
    try:
        _run("pg_ctl", "-D", server.datadir, "-l", log, "-w", "-t", "60", "start")
    except ClusterUnavailable as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise ReplicationUnavailable(f"{exc}\n{tail}") from None


def _run(program: str, *args: str | Path) -> None:
    run_program(BINARIES / program, *args)


def main() -> int:
    with running_pair() as pair:
        print(f"primary {pair.primary.url()}\nstandby {pair.standby.url()}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
