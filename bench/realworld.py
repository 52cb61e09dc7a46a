"""Replay a real migration directory through psql and schemactl, and say where they differ.

    .venv/bin/python bench/realworld.py DIR
        --tool golang-migrate|dbmate|goose|flyway|diesel|schemactl [--name NAME] [--tag TAG]
        [--repo OWNER/NAME --commit SHA] [--role ROLE ...] [--tree DIR] [--skip-check]
    .venv/bin/python bench/realworld.py --table bench/out/realworld/results/*.json

Given a directory written for another migration tool (or for schemactl), it

  (a) lays it out for schemactl in bench/out/realworld/NAME/schemactl: golang-migrate pairs are
      copied under schemactl's file names, diesel's VERSION_name/{up,down}.sql directories become
      pairs (run_in_transaction = false in metadata.toml becomes -- schemactl:no-transaction),
      and dbmate, goose and Flyway go through `schemactl import --from TOOL`;
  (b) applies the ups with psql, file by file, in a fresh database (psql -X -v ON_ERROR_STOP=1,
      with --single-transaction for files the tool runs in a transaction, without for the ones
      it runs outside one), and takes pg_dump --schema-only;
  (c) runs `schemactl up` on another fresh database and takes the same dump, without the ledger
      table; the two dumps are compared after dropping their header lines only;
  (d) runs `schemactl diff` (expected: identical), then `schemactl down --all` and compares the
      dump with an empty database's;
  (e) runs `schemactl check` and `schemactl check --lint-only`, collecting error findings;
  (f) times psql, up, diff, down, check and lint.

Every step's outcome and each discrepancy (file, line, message, exit code) goes to
bench/out/realworld/results/NAME.json and NAME.txt, and a copy stamped with the run's UTC time.
Databases are named rw_NAME_*, made on the server libpq's PGHOST/PGPORT/PGUSER name (default
postgres@127.0.0.1:5432) and dropped at the end (--keep leaves them). Nothing here is run by
the tests. See bench/REALWORLD.md.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from run import ENTRY_POINT

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out" / "realworld"
SCHEMACTL = ROOT / ".venv" / "bin" / "schemactl"
PYTHON = ROOT / ".venv" / "bin" / "python"
LEDGER = "public.schemactl_migrations"
TOOLS = ("golang-migrate", "dbmate", "goose", "flyway", "diesel", "schemactl")

PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")

# Lines of a pg_dump that differ between two dumps of the same schema: the versions in the
# header, and (pg_dump 15.14 and later) the random key of \restrict / \unrestrict.
HEADER_LINE = re.compile(r"^(-- Dumped (from|by) |\\restrict |\\unrestrict )")
PSQL_ERROR = re.compile(
    r"^psql:(?P<file>.*?):(?P<line>[0-9]+): (?P<level>ERROR|FATAL):\s+(?P<msg>.*)$"
)
CREATE_EXTENSION = re.compile(
    r"\bcreate\s+extension\s+(?:if\s+not\s+exists\s+)?(?P<name>\"[^\"]+\"|[a-z0-9_-]+)", re.I
)
# Statements PostgreSQL refuses inside a transaction block; a tool that runs a file as one
# implicit transaction (golang-migrate's single Exec) or an explicit one cannot run them there.
OUTSIDE_TRANSACTION = re.compile(
    r"\b(concurrently\b|vacuum\b|alter\s+system\b|create\s+database\b|drop\s+database\b)", re.I
)
TRANSACTION_CONTROL = re.compile(
    r"^\s*(begin|start\s+transaction|commit|rollback)\s*(transaction|work)?\s*;", re.I | re.M
)
# A file wrapped in its own transaction: BEGIN; first, COMMIT; last, nothing else like them.
WRAPPED = re.compile(r"^\s*(begin|commit)\s*;[ \t]*(--[^\n]*)?$", re.I | re.M)


# ----------------------------------------------------------------------------------------------
# Running things


@dataclass
class Result:
    command: list[str]
    exit_code: int
    seconds: float
    stdout: str
    stderr: str
    timed_out: bool = False


def run(
    command: list[str], timeout: float | None = None, env: dict[str, str] | None = None
) -> Result:
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, errors="replace"
        )
    except subprocess.TimeoutExpired as expired:

        def text(value: str | bytes | None) -> str:
            return value.decode(errors="replace") if isinstance(value, bytes) else value or ""

        return Result(
            command,
            -1,
            time.perf_counter() - started,
            text(expired.stdout),
            text(expired.stderr),
            timed_out=True,
        )
    return Result(command, done.returncode, time.perf_counter() - started, done.stdout, done.stderr)


def url(database: str) -> str:
    return f"postgresql://{PGUSER}@{PGHOST}:{PGPORT}/{database}"


def psql_args(database: str) -> list[str]:
    return ["psql", "-X", "-q", "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, "-d", database]


def admin(sql: str, database: str = "postgres") -> Result:
    result = run([*psql_args(database), "-v", "ON_ERROR_STOP=1", "-Atc", sql])
    if result.exit_code != 0:
        raise SystemExit(f"{sql}: {result.stderr.strip()}")
    return result


def create_database(name: str) -> None:
    drop_database(name)
    admin(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def dump(database: str) -> str:
    result = run(
        [
            "pg_dump",
            "--schema-only",
            "-h",
            PGHOST,
            "-p",
            PGPORT,
            "-U",
            PGUSER,
            "-T",
            LEDGER,
            database,
        ]
    )
    if result.exit_code != 0:
        raise SystemExit(f"pg_dump {database}: {result.stderr.strip()}")
    return "".join(
        line for line in result.stdout.splitlines(keepends=True) if not HEADER_LINE.match(line)
    )


# --tree DIR runs the schemactl package found in DIR (e.g. `git archive HEAD schemactl`
# unpacked there) instead of the working tree's, as bench/run.py --baseline does: PYTHONPATH
# comes before the editable install's finder.
TREE: Path | None = None


def schemactl_command(*args: str) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "NO_COLOR": "1"}
    if TREE is None:
        return [str(SCHEMACTL), *args], env
    env["PYTHONPATH"] = str(TREE)
    return [str(PYTHON), "-P", "-c", ENTRY_POINT, *args], env


def schemactl(*args: str, timeout: float | None = None) -> tuple[Result, Any]:
    command, env = schemactl_command(*args)
    result = run(command, timeout=timeout, env=env)
    try:
        document = json.loads(result.stdout) if result.stdout.strip() else None
    except json.JSONDecodeError:
        document = None
    return result, document


# ----------------------------------------------------------------------------------------------
# What psql applies: each up file in the tool's order, and whether the tool runs it in a
# transaction.


@dataclass
class Up:
    order: int
    version: str
    name: str
    source: str  # the file in the corpus, relative to its directory
    psql_file: str  # the file psql runs (the source, or its up section extracted)
    transactional: bool
    line_offset: int = 0  # psql_file's line 1 is the source's line 1 + line_offset
    down_file: str | None = None  # dbmate/goose: the down section, extracted


@dataclass
class Report:
    name: str
    tool: str
    source: str
    repo: str | None
    commit: str | None
    started_at: str
    schemactl_version: str
    tree: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    layout: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)

    layout_dir: str = ""
    sources: dict[str, str] = field(default_factory=dict)  # layout file -> corpus file

    def note(self, step: str, kind: str, message: str, **where: object) -> None:
        """One entry per (kind, file, line, message); the steps that met it are listed."""
        file = where.get("file")
        if isinstance(file, str) and self.layout_dir and file.startswith(self.layout_dir):
            file = file[len(self.layout_dir) :].lstrip("/")
            where["file"] = file
            where["corpus_file"] = self.sources.get(file)
        key = (kind, where.get("file"), where.get("line"), message)
        for entry in self.discrepancies:
            if (entry["kind"], entry.get("file"), entry.get("line"), entry["message"]) == key:
                if step not in entry["steps"]:
                    entry["steps"].append(step)
                return
        self.discrepancies.append({"steps": [step], "kind": kind, "message": message, **where})


def snake(text: str) -> str:
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return name or "migration"


def needs_outside_transaction(sql: str) -> bool:
    return bool(
        OUTSIDE_TRANSACTION.search(strip_comments(sql))
        or TRANSACTION_CONTROL.search(strip_comments(sql))
    )


def strip_comments(sql: str) -> str:
    # Good enough to find keywords: drops line comments and block comments, not string contents.
    return re.sub(r"/\*.*?\*/", " ", re.sub(r"--[^\n]*", " ", sql), flags=re.S)


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", errors="replace")


def golang_migrate_ups(src: Path) -> tuple[list[Up], list[dict[str, Any]]]:
    """golang-migrate: N_name.up.sql / N_name.down.sql. The whole file goes to the server as one
    query (PostgreSQL runs it as one implicit transaction) unless it manages transactions itself
    or holds a statement that cannot run in one; psql -1 is the same for the former."""
    pattern = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.(?P<dir>up|down)\.sql$")
    ups, skipped = [], []
    for path in sorted(src.iterdir()):
        match = pattern.match(path.name)
        if not match:
            skipped.append({"file": path.name, "why": "not an N_name.up/down.sql migration"})
            continue
        if match["dir"] == "up":
            ups.append((int(match["version"]), match["name"], path))
    ups.sort(key=lambda item: item[0])
    return [
        Up(i, str(v), n, p.name, str(p), not needs_outside_transaction(read(p)))
        for i, (v, n, p) in enumerate(ups, 1)
    ], skipped


DIESEL_DIR = re.compile(r"^(?P<version>[0-9][0-9-]*)_(?P<name>.+)$")


def diesel_dirs(src: Path) -> list[tuple[str, str, Path]]:
    found = []
    for path in src.iterdir():
        match = DIESEL_DIR.match(path.name)
        if path.is_dir() and match and (path / "up.sql").exists():
            found.append((match["version"], match["name"], path))
    # diesel orders migrations by their version string with its dashes removed.
    return sorted(found, key=lambda item: item[0].replace("-", ""))


def diesel_transactional(path: Path) -> bool:
    meta = path / "metadata.toml"
    if not meta.exists():
        return True
    return not re.search(r"^\s*run_in_transaction\s*=\s*false", read(meta), re.M)


def diesel_ups(src: Path) -> tuple[list[Up], list[dict[str, Any]]]:
    dirs = diesel_dirs(src)
    names = {p.name for _, _, p in dirs}
    skipped = [
        {"file": p.name, "why": "not a diesel migration directory"}
        for p in sorted(src.iterdir())
        if p.name not in names
    ]
    return [
        Up(i, v, n, f"{p.name}/up.sql", str(p / "up.sql"), diesel_transactional(p))
        for i, (v, n, p) in enumerate(dirs, 1)
    ], skipped


def section_ups(src: Path, tool: str, work: Path) -> tuple[list[Up], list[dict[str, Any]]]:
    """dbmate (-- migrate:up / -- migrate:down) and goose (-- +goose Up / -- +goose Down): one
    file per migration; the up section is written to its own file for psql."""
    if tool == "dbmate":
        # dbmate takes any NNN*.sql file, whatever follows the version
        file_re = re.compile(r"^(?P<version>[0-9]+)[_-]?(?P<name>.*)\.sql$")
        up_re = re.compile(r"^--\s*migrate:up\b(?P<opts>.*)$", re.M)
        down_re = re.compile(r"^--\s*migrate:down\b", re.M)
        no_tx = re.compile(r"transaction\s*:\s*false")
    else:
        file_re = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.sql$")
        up_re = re.compile(r"^--\s*\+goose\s+up\b(?P<opts>.*)$", re.M | re.I)
        down_re = re.compile(r"^--\s*\+goose\s+down\b", re.M | re.I)
        no_tx = re.compile(r"^--\s*\+goose\s+no\s+transaction\b", re.M | re.I)
    found, skipped = [], []
    for path in sorted(src.iterdir()):
        match = file_re.match(path.name)
        if not match or not path.is_file():
            skipped.append({"file": path.name, "why": f"not a {tool} SQL migration"})
            continue
        found.append((int(match["version"]), match["name"], path))
    found.sort(key=lambda item: item[0])
    out = work / "psql"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ups = []
    for i, (version, name, path) in enumerate(found, 1):
        text = read(path)
        start = up_re.search(text)
        if not start:
            skipped.append({"file": path.name, "why": "no up section"})
            continue
        end = down_re.search(text, start.end())
        body = text[start.end() : end.start() if end else len(text)]
        offset = text.count("\n", 0, start.end())
        extracted = out / f"{i:05d}_{path.stem}.up.sql"
        extracted.write_text(body)
        down_file = None
        if end:
            down_file = out / f"{i:05d}_{path.stem}.down.sql"
            down_file.write_text(
                text[end.end() :].split("\n", 1)[1] if "\n" in text[end.end() :] else ""
            )
        transactional = not (
            no_tx.search(start["opts"]) if tool == "dbmate" else no_tx.search(text)
        )
        ups.append(
            Up(
                i,
                str(version),
                name,
                path.name,
                str(extracted),
                transactional,
                offset,
                str(down_file) if down_file else None,
            )
        )
    return ups, skipped


FLYWAY_FILE = re.compile(r"^(?P<kind>[VRU])(?P<version>[0-9._]*)__(?P<name>.*)\.sql$")


def flyway_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split(r"[._]", version) if part)


def flyway_ups(src: Path) -> tuple[list[Up], list[dict[str, Any]]]:
    """Flyway: V<version>__name.sql in version order, then R__name.sql (repeatable, run after
    the versioned ones, by description). Each runs in a transaction unless it holds a statement
    PostgreSQL refuses in one (Flyway detects those) or its .sql.conf says
    executeInTransaction=false. U (undo) files are not run by migrate."""
    versioned, repeatable, skipped = [], [], []
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        match = FLYWAY_FILE.match(path.name)
        if not match or match["kind"] == "U":
            if not path.name.endswith(".conf"):
                skipped.append(
                    {"file": str(path.relative_to(src)), "why": "not a Flyway SQL migration (V/R)"}
                )
            continue
        if match["kind"] == "V":
            versioned.append((flyway_key(match["version"]), match["version"], match["name"], path))
        else:
            repeatable.append((match["name"], "R", match["name"], path))
    versioned.sort(key=lambda item: item[0])
    repeatable.sort(key=lambda item: item[0])
    ups = []
    for i, (_, version, name, path) in enumerate([*versioned, *repeatable], 1):
        conf = path.with_name(path.name + ".conf")
        off = conf.exists() and re.search(r"executeInTransaction\s*=\s*false", read(conf))
        transactional = not off and not needs_outside_transaction(read(path))
        ups.append(Up(i, version, name, str(path.relative_to(src)), str(path), transactional))
    return ups, skipped


def plan(src: Path, tool: str, work: Path) -> tuple[list[Up], list[dict[str, Any]]]:
    if tool == "golang-migrate":
        return golang_migrate_ups(src)
    if tool == "diesel":
        return diesel_ups(src)
    if tool in ("dbmate", "goose"):
        return section_ups(src, tool, work)
    if tool == "flyway":
        return flyway_ups(src)
    return schemactl_ups(src)


def schemactl_ups(src: Path) -> tuple[list[Up], list[dict[str, Any]]]:
    pattern = re.compile(r"^(?P<version>[0-9]+)_(?P<name>.*)\.up\.sql$")
    found = sorted(
        ((int(m["version"]), m["name"], p) for p in src.iterdir() if (m := pattern.match(p.name))),
        key=lambda item: item[0],
    )
    return [
        Up(
            i,
            str(v),
            n,
            p.name,
            str(p),
            not re.search(r"^--\s*schemactl:\s*no-transaction", read(p), re.M),
        )
        for i, (v, n, p) in enumerate(found, 1)
    ], []


# ----------------------------------------------------------------------------------------------
# (a) The schemactl layout


def write(path: Path, text: bytes) -> None:
    path.write_bytes(text)


def is_empty(data: bytes) -> bool:
    return not data.strip()


def unwrap(data: bytes) -> bytes | None:
    """The file without its own BEGIN;/COMMIT; lines (each replaced by a comment line, so line
    numbers stay), when BEGIN; is its first statement and COMMIT; its last; else None."""
    text = data.decode("utf-8", errors="replace")
    marks = list(WRAPPED.finditer(text))
    if len(marks) != 2 or len(TRANSACTION_CONTROL.findall(strip_comments(text))) != 2:
        return None
    begin, commit = marks
    if begin[1].lower() != "begin" or commit[1].lower() != "commit":
        return None
    if (
        strip_comments(text[: begin.start()]).strip()
        or strip_comments(text[commit.end() :]).strip()
    ):
        return None
    return (
        text[: begin.start()]
        + "-- (BEGIN; of the original file)"
        + text[begin.end() : commit.start()]
        + "-- (COMMIT; of the original file)"
        + text[commit.end() :]
    ).encode()


def adapt(
    data: bytes,
    what: str,
    adapted: list[dict[str, Any]],
    file: str,
    strict: bool,
    prefix: bytes = b"",
    unwrap_transactions: bool = False,
) -> bytes:
    """An empty file is a valid no-op for the other tools and a layout error for schemactl: a
    comment line is put in (and said so) unless --strict-layout keeps the file as it is."""
    if is_empty(data) and not strict:
        adapted.append(
            {
                "file": file,
                "change": f"empty {what} file given a comment line "
                "(schemactl refuses an empty file; the tool runs it as a no-op)",
            }
        )
        return prefix + b"-- (empty in the original corpus)\n"
    if unwrap_transactions and (unwrapped := unwrap(data)) is not None:
        adapted.append(
            {
                "file": file,
                "change": "its own BEGIN;/COMMIT; turned into comments (--unwrap-transactions)",
            }
        )
        return prefix + unwrapped
    return prefix + data


Entry = tuple[int, str, bytes, bytes | None, bool, str, str | None]


def layout_pairs(
    entries: list[Entry],
    dest: Path,
    strict: bool,
    unwrap_transactions: bool,
) -> dict[str, Any]:
    """entries: (version, name, up bytes, down bytes or None, transactional, up source, down
    source)."""
    adapted: list[dict[str, Any]] = []
    sources: dict[str, str] = {}
    width = max(4, max((len(str(e[0])) for e in entries), default=4))
    for version, name, up, down, transactional, up_src, down_src in entries:
        base = f"{version:0{width}d}_{snake(name)}"
        sources[f"{base}.up.sql"] = up_src
        if down_src:
            sources[f"{base}.down.sql"] = down_src
        directive = b"" if transactional else b"-- schemactl:no-transaction\n"
        if directive:
            adapted.append(
                {
                    "file": up_src,
                    "change": "-- schemactl:no-transaction added "
                    "(the tool runs this migration outside a transaction)",
                }
            )
        if down is None:
            adapted.append(
                {"file": up_src, "change": "no down file: -- schemactl:irreversible added"}
            )
            directive += b"-- schemactl:irreversible\n"
        write(
            dest / f"{base}.up.sql",
            adapt(up, "up", adapted, up_src, strict, directive, unwrap_transactions),
        )
        if down is not None:
            prefix = b"" if transactional else b"-- schemactl:no-transaction\n"
            write(
                dest / f"{base}.down.sql",
                adapt(down, "down", adapted, str(down_src), strict, prefix, unwrap_transactions),
            )
    return {"adapted": adapted, "sources": sources}


def prepare_flyway_dir(ups: list[Up], out: Path, report: Report) -> Path:
    """What `schemactl import --from flyway` asks for before it takes a directory with dotted
    versions or repeatable migrations: versions renumbered in Flyway's order (major * 100 +
    minor: 1 -> 100, 1.1 -> 101, 2 -> 200), and each R__ file's current content as a versioned
    migration after the last one. Every renaming is listed in the report."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    renamed = []
    last = 0
    for up in ups:
        if up.version == "R":
            last += 1
            number = last
        else:
            parts = flyway_key(up.version)
            if len(parts) > 2 or any(part >= 100 for part in parts[1:]):
                raise SystemExit(f"{up.source}: version {up.version} does not fit major*100+minor")
            number = parts[0] * 100 + (parts[1] if len(parts) > 1 else 0)
            last = max(last, number)
        target = out / f"V{number}__{up.name}.sql"
        shutil.copyfile(up.psql_file, target)
        conf = Path(up.psql_file).with_name(Path(up.psql_file).name + ".conf")
        if conf.exists():
            shutil.copyfile(conf, target.with_name(target.name + ".conf"))
        if target.name != Path(up.source).name:
            renamed.append({"file": up.source, "as": target.name})
    report.layout["prepared"] = {
        "how": "--prepare-flyway: renumbered as import asks",
        "renamed": renamed,
    }
    return out


def make_layout(
    src: Path,
    tool: str,
    dest: Path,
    ups: list[Up],
    strict: bool,
    unwrap_transactions: bool,
    own_layout: bool,
    prepare_flyway: bool,
    report: Report,
) -> bool:
    shutil.rmtree(dest, ignore_errors=True)
    if tool == "schemactl":
        shutil.copytree(src, dest)
        report.layout = {**report.layout, "how": "copied as it is"}
        return True
    if tool in ("dbmate", "goose") and own_layout:
        dest.mkdir(parents=True)
        # A file without a down section rolls back nothing in dbmate and goose: an empty down
        # (given a comment line, and listed) rather than an irreversible migration.
        entries: list[Entry] = [
            (
                int(u.version),
                u.name,
                Path(u.psql_file).read_bytes(),
                Path(u.down_file).read_bytes() if u.down_file else b"",
                u.transactional,
                u.source,
                f"{u.source} (down section)" if u.down_file else f"{u.source} (no down section)",
            )
            for u in ups
        ]
        report.layout = {
            **report.layout,
            "how": f"{tool} up and down sections laid out by this script "
            "(--own-layout), not by schemactl import",
            **layout_pairs(entries, dest, strict, unwrap_transactions),
        }
        report.sources = report.layout.pop("sources")
        return True
    if tool in ("dbmate", "goose", "flyway"):
        command, env = schemactl_command("import", "--help")
        help_run = run(command, env=env)
        if help_run.exit_code != 0:
            report.layout = {
                **report.layout,
                "how": f"schemactl import --from {tool}",
                "available": False,
                "error": (help_run.stderr or help_run.stdout).strip()[-400:],
            }
            report.note("layout", "missing-feature", "schemactl import is not available")
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        if tool == "flyway" and prepare_flyway:
            src = prepare_flyway_dir(ups, dest.parent / "flyway-prepared", report)
        result, document = schemactl(
            "import", "--from", tool, str(src), "--dir", str(dest), "--json"
        )
        report.layout = {
            **report.layout,
            "how": f"schemactl import --from {tool}",
            "available": True,
            "exit_code": result.exit_code,
            "seconds": round(result.seconds, 3),
            "output": document if document is not None else result.stdout[-2000:],
            "stderr": result.stderr[-2000:],
        }
        if result.exit_code != 0:
            report.note(
                "layout",
                "import-failed",
                (result.stderr or result.stdout).strip()[-600:],
                exit_code=result.exit_code,
            )
        return result.exit_code == 0 and dest.exists()
    dest.mkdir(parents=True)
    entries = []
    if tool == "golang-migrate":
        versions = [int(u.version) for u in ups]
        duplicates = sorted({v for v in versions if versions.count(v) > 1})
        for v in duplicates:
            report.note("layout", "corpus", f"version {v} is used by more than one up file")
        for up in ups:
            down = Path(up.psql_file).with_name(up.source[: -len(".up.sql")] + ".down.sql")
            entries.append(
                (
                    int(up.version),
                    up.name,
                    Path(up.psql_file).read_bytes(),
                    down.read_bytes() if down.exists() else None,
                    True,
                    up.source,
                    down.name if down.exists() else None,
                )
            )
        # golang-migrate runs every file as it is: the layout adds no directive for files the
        # psql replay runs outside a transaction; whether schemactl takes them is the test.
        how = "golang-migrate pairs copied under schemactl's names (lower_snake_case)"
    else:  # diesel
        # The version's digits, padded to 18 so that YYYYMMDDHHMMSS and YYYYMMDDHHMMSS-NNNN
        # compare as diesel compares them; one that would not come after the one before it
        # (two versions that pad alike, or all zeros twice) takes the one before it + 1.
        numbers: list[int] = []
        for up in ups:
            number = int(re.sub(r"[^0-9]", "", up.version).ljust(18, "0")[:18])
            if numbers and number <= numbers[-1]:
                report.layout.setdefault("bumped", []).append(
                    {"file": up.source, "version": numbers[-1] + 1}
                )
                number = numbers[-1] + 1
            numbers.append(number)
        for up, number in zip(ups, numbers, strict=True):
            folder = Path(up.psql_file).parent
            down = folder / "down.sql"
            entries.append(
                (
                    number,
                    up.name,
                    Path(up.psql_file).read_bytes(),
                    down.read_bytes() if down.exists() else None,
                    up.transactional,
                    up.source,
                    f"{folder.name}/down.sql" if down.exists() else None,
                )
            )
        how = (
            "diesel directories as pairs numbered by the version's digits, padded to 18"
            " (run_in_transaction = false: -- schemactl:no-transaction on both files)"
        )
    report.layout = {
        **report.layout,
        "how": how,
        **layout_pairs(entries, dest, strict, unwrap_transactions),
    }
    report.sources = report.layout.pop("sources")
    for item in report.layout["adapted"]:
        if "empty" in str(item["change"]):
            report.note("layout", "limitation", str(item["change"]), file=item["file"])
    return True


# ----------------------------------------------------------------------------------------------
# The steps


def compare(a: str, b: str, a_name: str, b_name: str, diff_path: Path) -> dict[str, Any]:
    if a == b:
        diff_path.unlink(missing_ok=True)
        return {"identical": True}
    lines = list(
        difflib.unified_diff(
            a.splitlines(keepends=True), b.splitlines(keepends=True), a_name, b_name, n=2
        )
    )
    diff_path.write_text("".join(lines))
    changed = [
        line.rstrip("\n")
        for line in lines
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    return {
        "identical": False,
        "changed_lines": len(changed),
        "diff_file": str(diff_path),
        "first_changes": changed[:12],
    }


def step_psql(ups: list[Up], database: str, report: Report, timeout: float) -> None:
    started = time.perf_counter()
    applied, failure, stderr_tail = 0, None, ""
    for up in ups:
        args = [*psql_args(database), "-v", "ON_ERROR_STOP=1"]
        if up.transactional:
            args.append("--single-transaction")
        result = run([*args, "-f", up.psql_file], timeout=timeout)
        if result.exit_code != 0:
            match = next(
                (m for line in result.stderr.splitlines() if (m := PSQL_ERROR.match(line))), None
            )
            line = int(match["line"]) + up.line_offset if match else None
            failure = {
                "file": up.source,
                "line": line,
                "exit_code": result.exit_code,
                "message": match["msg"] if match else result.stderr.strip()[-500:],
                "single_transaction": up.transactional,
            }
            break
        applied += 1
        if result.stderr.strip():
            stderr_tail = result.stderr.strip()[-300:]
    report.steps["psql"] = {
        "ok": failure is None,
        "seconds": round(time.perf_counter() - started, 3),
        "applied": applied,
        "of": len(ups),
        "failure": failure,
        "last_warning": stderr_tail or None,
        "outside_transaction": [u.source for u in ups if not u.transactional],
    }
    if failure:
        report.note(
            "psql",
            "psql-failed",
            str(failure["message"]),
            file=failure["file"],
            line=failure["line"],
            exit_code=failure["exit_code"],
        )


def error_of(document: Any) -> dict[str, Any] | None:
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        error: dict[str, Any] = document["error"]
        return error
    return None


def step_schemactl(
    step: str, args: list[str], report: Report, timeout: float, ok_codes: tuple[int, ...] = (0,)
) -> tuple[Result, Any]:
    result, document = schemactl(*args, timeout=timeout)
    entry: dict[str, Any] = {
        "exit_code": result.exit_code,
        "seconds": round(result.seconds, 3),
        "ok": result.exit_code == 0 and not result.timed_out,
        "ran": result.exit_code in ok_codes and not result.timed_out,
    }
    if result.timed_out:
        entry["timed_out"] = timeout
        report.note(step, "timeout", f"did not finish within {timeout:.0f} s")
    error = error_of(document)
    if error:
        entry["error"] = {
            k: error.get(k)
            for k in ("message", "detail", "hint", "file", "line", "sqlstate", "exit_code")
        }
        problems = error.get("problems") or []
        entry["problems"] = problems[:50]
        entry["problem_count"] = len(problems)
        if problems:
            for problem in problems[:50]:
                report.note(
                    step,
                    "schemactl-refused",
                    str(problem.get("message")),
                    file=problem.get("file"),
                    line=problem.get("line"),
                    exit_code=result.exit_code,
                )
        else:
            report.note(
                step,
                "schemactl-failed",
                str(error.get("message")),
                file=error.get("file"),
                line=error.get("line"),
                exit_code=result.exit_code,
                detail=error.get("detail"),
            )
    elif result.exit_code not in ok_codes and not result.timed_out:
        entry["stderr"] = result.stderr.strip()[-1500:]
        report.note(
            step, "schemactl-failed", result.stderr.strip()[-400:], exit_code=result.exit_code
        )
    report.steps[step] = entry
    return result, document


def summarize_findings(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict) or "findings" not in document:
        return {}
    findings = document["findings"]
    by_severity: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for f in findings:
        by_severity[f["severity"]] = by_severity.get(f["severity"], 0) + 1
        if f["severity"] == "error":
            by_rule[f["rule"]] = by_rule.get(f["rule"], 0) + 1
    errors = [
        {k: f.get(k) for k in ("rule", "file", "line", "version", "message", "detail")}
        for f in findings
        if f["severity"] == "error"
    ]
    return {
        "passed": document.get("passed"),
        "by_severity": by_severity,
        "errors_by_rule": by_rule,
        "errors": errors,
        "summary": document.get("summary"),
        "round_trip": document.get("round_trip"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path, nargs="?", help="the corpus's migration directory")
    parser.add_argument("--tool", choices=TOOLS)
    parser.add_argument(
        "--table",
        type=Path,
        nargs="+",
        metavar="JSON",
        help="print a Markdown table of these result files and exit",
    )
    parser.add_argument("--name", help="short name (default: the directory's parent's name)")
    parser.add_argument("--repo", help="where the corpus comes from (recorded)")
    parser.add_argument("--commit", help="the corpus's commit (recorded)")
    parser.add_argument(
        "--role",
        action="append",
        default=[],
        help="create this role (NOLOGIN) before both runs, if missing",
    )
    parser.add_argument(
        "--strict-layout",
        action="store_true",
        help="copy empty files as they are instead of giving them a comment",
    )
    parser.add_argument(
        "--unwrap-transactions",
        action="store_true",
        help="turn a file's own BEGIN;/COMMIT; wrapping into comments (recorded)",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        help="run the schemactl package in this directory (default: the working tree)",
    )
    parser.add_argument(
        "--own-layout",
        action="store_true",
        help="dbmate/goose: lay out the up/down sections here, not with import",
    )
    parser.add_argument(
        "--prepare-flyway",
        action="store_true",
        help="flyway: renumber dotted versions and R__ files as import asks, first",
    )
    parser.add_argument("--tag", help="results go to NAME.TAG.json / .txt (e.g. before, after)")
    parser.add_argument("--skip-check", action="store_true", help="no round-trip check")
    parser.add_argument("--jobs", type=int, help="check --jobs")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    parser.add_argument("--keep", action="store_true", help="keep the rw_ databases")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return 0
    if args.directory is None or args.tool is None:
        parser.error("a directory and --tool are needed")

    src = args.directory.resolve()
    name = snake(args.name or src.parent.name)
    work = OUT / name
    work.mkdir(parents=True, exist_ok=True)
    results = OUT / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.UTC)
    global TREE
    TREE = args.tree.resolve() if args.tree else None
    command, env = schemactl_command("--version")
    version = run(command, env=env).stdout.strip()
    git = ["git", "-C", str(ROOT)]
    changed = [line[3:] for line in run([*git, "status", "--porcelain"]).stdout.splitlines()]
    report = Report(
        name=name,
        tool=args.tool,
        source=str(src),
        repo=args.repo,
        commit=args.commit,
        started_at=stamp.isoformat(timespec="seconds"),
        schemactl_version=version,
        tree={
            "head": run([*git, "rev-parse", "HEAD"]).stdout.strip(),
            "package": str(TREE) if TREE else "working tree",
            "changed_files": "" if TREE else str(len(changed)),
            "changed_package_files": ""
            if TREE
            else " ".join(c for c in changed if c.startswith("schemactl/")),
        },
    )
    print(f"[{name}] {args.tool} corpus {src}", file=sys.stderr)

    ups, skipped = plan(src, args.tool, work)
    report.counts = {
        "up_files": len(ups),
        "files": sum(1 for p in src.rglob("*") if p.is_file()),
        "outside_transaction": sum(not u.transactional for u in ups),
        "skipped": len(skipped),
    }
    report.layout["skipped"] = skipped
    for item in skipped:
        if item["file"].endswith((".go", ".java", ".py", ".rs")):
            report.note(
                "layout",
                "corpus",
                "code migration: neither psql nor schemactl runs it",
                file=item["file"],
            )

    # Extensions the files create that this server does not have.
    available = set(admin("SELECT name FROM pg_available_extensions").stdout.split())
    wanted: dict[str, str] = {}
    for up in ups:
        for match in CREATE_EXTENSION.finditer(strip_comments(read(Path(up.psql_file)))):
            wanted.setdefault(match["name"].strip('"'), up.source)
    missing = {ext: file for ext, file in wanted.items() if ext not in available}
    report.environment = {
        "extensions": sorted(wanted),
        "missing_extensions": missing,
        "server": admin("SHOW server_version").stdout.strip(),
        "roles_created": [],
    }
    for ext, file in missing.items():
        report.note(
            "environment",
            "missing-extension",
            f"extension {ext} is not available on this server",
            file=file,
        )
    for role in args.role:
        exists = admin(f"SELECT 1 FROM pg_roles WHERE rolname = '{role}'").stdout.strip()
        if not exists:
            admin(f'CREATE ROLE "{role}" NOLOGIN')
            report.environment["roles_created"].append(role)

    dest = work / "schemactl"
    report.layout_dir = str(dest)
    laid_out = make_layout(
        src,
        args.tool,
        dest,
        ups,
        args.strict_layout,
        args.unwrap_transactions,
        args.own_layout,
        args.prepare_flyway,
        report,
    )
    if laid_out:
        report.counts["schemactl_files"] = sum(1 for p in dest.iterdir() if p.suffix == ".sql")

    db_psql, db_up, db_empty = f"rw_{name}_psql", f"rw_{name}_up", f"rw_{name}_empty"
    try:
        # (b) psql, and the empty database every "back to empty" is held to.
        create_database(db_empty)
        empty = dump(db_empty)
        create_database(db_psql)
        print(f"[{name}] psql: {len(ups)} up files", file=sys.stderr)
        step_psql(ups, db_psql, report, args.timeout)
        psql_dump = dump(db_psql)
        (work / "psql.dump.sql").write_text(psql_dump)

        if laid_out:
            # (c) schemactl up, and the same dump.
            create_database(db_up)
            print(f"[{name}] schemactl up", file=sys.stderr)
            step_schemactl(
                "up",
                ["up", "--dir", str(dest), "--database-url", url(db_up), "--json", "--quiet"],
                report,
                args.timeout,
            )
            up_dump = dump(db_up)
            (work / "up.dump.sql").write_text(up_dump)
            report.steps["up"]["dump_vs_psql"] = compare(
                psql_dump, up_dump, "psql", "schemactl up", work / "psql-vs-up.diff"
            )
            if not report.steps["up"]["dump_vs_psql"]["identical"]:
                report.note(
                    "up",
                    "dump-differs",
                    "schema after schemactl up differs from psql's",
                    diff_file=str(work / "psql-vs-up.diff"),
                )

            # (d) diff, then down --all back to empty.
            print(f"[{name}] schemactl diff", file=sys.stderr)
            _, document = step_schemactl(
                "diff",
                ["diff", "--dir", str(dest), "--database-url", url(db_up), "--json", "--quiet"],
                report,
                args.timeout,
                ok_codes=(0,),
            )
            if isinstance(document, dict) and "changes" in document:
                changes = document["changes"]
                report.steps["diff"]["identical"] = document.get("identical")
                report.steps["diff"]["changes"] = len(changes)
                report.steps["diff"]["first_changes"] = changes[:20]
                for change in changes[:20]:
                    report.note("diff", "diff-found", json.dumps(change, default=str)[:400])
            print(f"[{name}] schemactl down --all", file=sys.stderr)
            step_schemactl(
                "down",
                [
                    "down",
                    "--all",
                    "--yes",
                    "--dir",
                    str(dest),
                    "--database-url",
                    url(db_up),
                    "--json",
                    "--quiet",
                ],
                report,
                args.timeout,
            )
            down_dump = dump(db_up)
            report.steps["down"]["dump_vs_empty"] = compare(
                empty, down_dump, "empty database", "after down --all", work / "down-vs-empty.diff"
            )
            if not report.steps["down"]["dump_vs_empty"]["identical"]:
                report.note(
                    "down",
                    "not-empty",
                    "database is not empty after down --all",
                    diff_file=str(work / "down-vs-empty.diff"),
                )

            # (e) check: lint only, then the round trips.
            print(f"[{name}] schemactl check --lint-only", file=sys.stderr)
            _, document = step_schemactl(
                "lint",
                ["check", "--lint-only", "--dir", str(dest), "--json", "--quiet"],
                report,
                args.timeout,
                ok_codes=(0, 1),
            )
            report.steps["lint"].update(summarize_findings(document))
            if not args.skip_check:
                print(f"[{name}] schemactl check", file=sys.stderr)
                check_args = [
                    "check",
                    "--dir",
                    str(dest),
                    "--database-url",
                    url(db_empty),
                    "--json",
                    "--quiet",
                ]
                if args.jobs:
                    check_args += ["--jobs", str(args.jobs)]
                _, document = step_schemactl(
                    "check", check_args, report, args.timeout, ok_codes=(0, 1)
                )
                report.steps["check"].update(summarize_findings(document))
            for step in ("lint", "check"):
                for finding in report.steps.get(step, {}).get("errors", [])[:200]:
                    report.note(
                        step,
                        f"finding:{finding['rule']}",
                        str(finding["message"]),
                        file=finding["file"],
                        line=finding["line"],
                    )
    finally:
        if not args.keep:
            for db in (db_psql, db_up, db_empty):
                drop_database(db)
            # Roles this run created go too (a role owning objects elsewhere stays, said so).
            for role in report.environment["roles_created"]:
                gone = run([*psql_args("postgres"), "-Atc", f'DROP ROLE IF EXISTS "{role}"'])
                if gone.exit_code != 0:
                    report.note("environment", "role-kept", gone.stderr.strip()[-300:])

    text = summary(report)
    data = json.dumps(asdict(report), indent=2, default=str)
    label = stamp.strftime("%Y%m%dT%H%M%SZ")
    tag = f".{args.tag}" if args.tag else ""
    for base in (f"{name}{tag}", f"{name}{tag}-{label}"):
        (results / f"{base}.json").write_text(data)
        (results / f"{base}.txt").write_text(text)
    print(text)
    return 0


def table(paths: list[Path]) -> str:
    """One row per result file: what each step gave, and its time."""
    rows = [
        "| corpus | run at (UTC) | schemactl | psql | up (dump vs psql) | diff | down --all"
        " (back to empty) | lint errors | check errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for path in paths:
        d = json.loads(path.read_text())
        st = d["steps"]

        def cell(step: str, extra: str = "", st: dict[str, Any] = st) -> str:
            e = st.get(step)
            if not e:
                return "not run"
            state = (
                "ok"
                if e.get("ok")
                else "timeout"
                if e.get("timed_out")
                else f"exit {e['exit_code']}"
            )
            return f"{state}{extra}, {e['seconds']:.1f} s"

        psql = st.get("psql", {})
        up = st.get("up", {})
        dump = up.get("dump_vs_psql", {})
        down = st.get("down", {}).get("dump_vs_empty", {})
        diff = st.get("diff", {})

        def errors(step: str, st: dict[str, Any] = st) -> str:
            e = st.get(step)
            if not e or "by_severity" not in e:
                return cell(step)
            rules = ", ".join(f"{k} {v}" for k, v in sorted(e["errors_by_rule"].items()))
            return f"{e['by_severity'].get('error', 0)} ({rules}), {e['seconds']:.1f} s"

        up_extra = (", identical" if dump.get("identical") else ", differs") if dump else ""
        diff_extra = f", {diff['changes']} diff" if "changes" in diff else ""
        down_extra = (", empty" if down.get("identical") else ", not empty") if down else ""
        tree = d["tree"]
        package = (
            Path(tree["package"]).name
            if tree["package"] != "working tree"
            else f"work tree on {tree['head'][:7]}"
        )
        rows.append(
            f"| {d['name']} | {d['started_at'][11:16]} | {package} "
            f"| {'ok' if psql.get('ok') else 'failed'} {psql.get('applied')}/{psql.get('of')},"
            f" {psql.get('seconds', 0):.1f} s "
            f"| {cell('up', up_extra)} | {cell('diff', diff_extra)} | {cell('down', down_extra)} "
            f"| {errors('lint')} | {errors('check')} |"
        )
    return "\n".join(rows)


def summary(report: Report) -> str:
    commit = f" @ {report.commit[:12]}" if report.commit else ""
    lines = [
        f"{report.name}: {report.tool} corpus, {report.counts.get('up_files')} up files"
        f" ({report.repo or report.source}{commit})",
        f"run {report.started_at} with {report.schemactl_version}, "
        + (
            f"package from {report.tree['package']}"
            if report.tree["package"] != "working tree"
            else f"working tree at {report.tree['head'][:12]} + "
            f"{report.tree['changed_files']} changed files"
        ),
    ]
    steps = report.steps
    psql = steps.get("psql", {})
    lines.append(
        f"{'psql':<6} {'ok' if psql.get('ok') else 'FAILED':<8} {psql.get('seconds')} s,"
        f" {psql.get('applied')}/{psql.get('of')} files"
    )
    for step in ("up", "diff", "down", "lint", "check"):
        entry = steps.get(step)
        if not entry:
            lines.append(f"{step:<6} not run")
            continue
        extra = ""
        if step == "up" and "dump_vs_psql" in entry:
            extra = ", dump " + (
                "identical to psql's"
                if entry["dump_vs_psql"]["identical"]
                else f"DIFFERS ({entry['dump_vs_psql']['changed_lines']} lines)"
            )
        if step == "diff" and "changes" in entry:
            extra = f", {entry['changes']} difference(s)"
        if step == "down" and "dump_vs_empty" in entry:
            extra = ", " + (
                "back to empty"
                if entry["dump_vs_empty"]["identical"]
                else f"NOT EMPTY ({entry['dump_vs_empty']['changed_lines']} lines)"
            )
        if step in ("lint", "check") and "by_severity" in entry:
            extra = f", findings {entry['by_severity']}, errors {entry['errors_by_rule']}"
        if "error" in entry:
            err = entry["error"]
            where = f"{err.get('file') or ''}:{err.get('line') or ''} " if err.get("file") else ""
            extra += f", error: {where}{err.get('message')}"
        if entry.get("timed_out"):
            status = "TIMEOUT"
        elif entry.get("ok"):
            status = "ok"
        elif step in ("lint", "check", "diff") and entry.get("ran"):
            status = "exit 1"
        else:
            status = f"FAILED {entry['exit_code']}"
        lines.append(f"{step:<6} {status:<8} {entry['seconds']} s{extra}")
    if report.discrepancies:
        groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for d in report.discrepancies:
            key = ("/".join(d["steps"]), d["kind"], str(d["message"])[:200])
            groups.setdefault(key, []).append(d)
        lines.append(f"{len(report.discrepancies)} discrepancies, {len(groups)} kinds:")
        for (step_names, kind, message), items in groups.items():
            places = [
                f"{d.get('file')}{':' + str(d['line']) if d.get('line') else ''}"
                for d in items
                if d.get("file")
            ]
            more = f" (+{len(places) - 4} more)" if len(places) > 4 else ""
            count = f"{len(items)} x " if len(items) > 1 else ""
            lines.append(f"  [{step_names}] {kind}: {count}{message}")
            if places:
                lines.append(f"      {', '.join(places[:4])}{more}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
