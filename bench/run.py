"""Benchmark schemactl against psql and the peer migration tools, and print one table.

    .venv/bin/python bench/run.py                      # every case, 3 runs each
    .venv/bin/python bench/run.py --quick              # 1 run of the 1,000-migration cases
    .venv/bin/python bench/run.py --cases up-200 startup --repeat 5 --output /tmp/report.md
    .venv/bin/python bench/run.py --baseline bench/out/baseline   # also time an older schemactl

Each case runs in a freshly created database that is dropped afterwards (apply cases get a new
database for every run). A run is the wall time of the whole command as a subprocess, and its
peak memory is the child's own maximum resident set size from wait4(2). See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import corpus
import generate
import peers

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV_BIN = ROOT / ".venv" / "bin"
SCHEMACTL = VENV_BIN / "schemactl"
PYTHON = VENV_BIN / "python"
LOGS = generate.OUT / "logs"
GNU_TIME = "/usr/bin/time"
T = TypeVar("T")

PGHOST = os.environ.get("PGHOST", "127.0.0.1")
PGPORT = os.environ.get("PGPORT", "5432")
PGUSER = os.environ.get("PGUSER", "postgres")

# Commands whose exit code means "ran fine" although it is not 0 (a diff that finds changes).
ACCEPTED_EXIT_CODES = {"diff": (0, 1), "check": (0, 1)}
# No command may take longer than this; one that does is a failed run, not a stuck benchmark.
RUN_TIMEOUT_SECONDS = 1800

# schemactl's arguments per action; every one also gets --dir and --database-url. diff compares
# the live database (the corpus applied) with the files; check round-trips the files on scratch
# databases, which --database-url lets it create on the same server instead of an initdb'd
# cluster of its own.
SCHEMACTL_ARGS = {
    "apply": ["up"],
    "down-all": ["down", "--all", "--yes"],
    "status": ["status"],
    "diff": ["diff"],
    "check": ["check"],
}

# Realistic histories (corpus.py), by number of migrations, with 0.4 tables a migration.
REALISTIC_SIZES = (100, 300, 600)
# (check case, up case of the same migrations, the most check may take over up)
CHECK_TARGETS = (("check-200", "up-200", 3.5), ("check-real-300", "up-real-300", 3.0))

# Floors that run no migrations, so no set-up either.
PURE_FLOORS = ("driver", "typer")

# What the console script does, for a schemactl run from another tree (--baseline).
ENTRY_POINT = (
    "import sys; from schemactl.cli import app; sys.argv[0] = 'schemactl'; "
    # A tree from before the console script's own exit had only main().
    "getattr(app, 'entry', app.main)()"
)
BASELINE = "before"

FLOOR_NAMES = {
    "psql": "psql one call",
    "driver": "python+psycopg+connect",
    "typer": "import typer",
    BASELINE: "schemactl before",
}

# Tables the tools keep for themselves, left out when counting what a run created.
_TABLE_COUNT = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'sqitch')
   AND n.nspname NOT LIKE 'pg\\_toast%'
   AND c.relname NOT IN ('schemactl_migrations', 'schema_migrations', 'gorp_migrations',
                         'yoyo_lock')
   AND c.relname NOT LIKE '\\_yoyo\\_%'
"""


@dataclass(frozen=True)
class Invocation:
    """One command line to run, with extra environment variables."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_kb: int
    exit_code: int


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The parent's environment without anything that would pick a database or a config."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PG", "SCHEMACTL_", "DATABASE_URL", "DBMATE_"))
    }
    env.update(NO_COLOR="1", **extra)
    return env


def measure(invocation: Invocation, log: Path) -> Measurement:
    """Run a command once: wall time from spawn to exit, and its own peak RSS.

    The command runs under GNU time (`/usr/bin/time -f %M`), which forks it from a small C
    process and reports the child's ru_maxrss from wait4(2): the largest resident set of that
    command (or of one of its own children), not of the harness. Two simpler methods are wrong:
    getrusage(RUSAGE_CHILDREN) keeps the largest child the harness ever had, so one big run
    masks every later one; and wait4 on a child spawned straight from Python reports at least
    the harness's own ~17 MB, because Linux carries the pre-exec address space (Python's vfork
    shares the parent's) into the child's maximum. Wall time is taken here, not by GNU time
    (whose %e has 10 ms resolution); its own start-up adds under a millisecond.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    peak_file = log.with_suffix(".maxrss")
    argv = [GNU_TIME, "-f", "%M", "-o", str(peak_file), "--", *invocation.argv]
    env = child_environment(invocation.env)
    peak_file.unlink(missing_ok=True)
    with log.open("wb") as output:
        start = time.perf_counter()
        # Run from the corpora's folder, as from a project that keeps no schemactl settings
        # in its pyproject.toml: this repository's own names schemactl, and would be parsed.
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=output, stderr=output, env=env, cwd=log.parent
        )
        # A blocking wait, with the time limit kept by a timer: Popen.wait(timeout=...) polls
        # in sleeps of up to 50 ms, which rounds every short run up to the next step.
        watchdog = threading.Timer(RUN_TIMEOUT_SECONDS, process.kill)
        watchdog.start()
        try:
            code = process.wait()
        finally:
            watchdog.cancel()
        seconds = time.perf_counter() - start
        if code == -signal.SIGKILL:
            code = -1
    peak_lines = peak_file.read_text().split() if peak_file.exists() else []
    peak_kb = int(peak_lines[-1]) if peak_lines and peak_lines[-1].isdigit() else 0
    return Measurement(seconds, peak_kb, code)


# --- databases -----------------------------------------------------------------------------


def libpq_url(database: str) -> str:
    return f"postgresql://{PGUSER}@{PGHOST}:{PGPORT}/{database}"


def go_url(database: str) -> str:
    """lib/pq and pgx want sslmode spelled out; the server has TLS off, as libpq found it."""
    return f"postgres://{PGUSER}@{PGHOST}:{PGPORT}/{database}?sslmode=disable"


def _pg_admin(program: str, *args: str) -> None:
    argv = [program, "-h", PGHOST, "-p", PGPORT, "-U", PGUSER, *args]
    subprocess.run(argv, check=True, capture_output=True, env=child_environment({}))


def create_database(name: str) -> None:
    drop_database(name)
    _pg_admin("createdb", name)


def drop_database(name: str) -> None:
    _pg_admin("dropdb", "--if-exists", "--force", name)


def checkpoint() -> None:
    """Flush dirty buffers now, so set-up writes are not paid for by the timed command."""
    argv = ["psql", "-X", "-q", "-d", libpq_url("postgres"), "-c", "CHECKPOINT"]
    subprocess.run(argv, check=True, capture_output=True, env=child_environment({}))


def server_setting(query: str) -> str:
    argv = ["psql", "-X", "-A", "-t", "-d", libpq_url("postgres"), "-c", query]
    done = subprocess.run(argv, capture_output=True, text=True, env=child_environment({}))
    return done.stdout.strip() if done.returncode == 0 else "?"


def table_count(database: str) -> int:
    """Tables in ``database`` other than the tools' own ledgers (-1 if it cannot be read)."""
    argv = ["psql", "-X", "-A", "-t", "-d", libpq_url(database), "-c", _TABLE_COUNT]
    done = subprocess.run(argv, capture_output=True, text=True, env=child_environment({}))
    return int(done.stdout) if done.returncode == 0 and done.stdout.strip().isdigit() else -1


def compile_bytecode(tree: Path) -> None:
    """Write the package's .pyc files, as installing it would: an editable install run with
    PYTHONDONTWRITEBYTECODE (set on some machines) would otherwise compile every module from
    source on every run, and the benchmark would time the compiler."""
    argv = [str(PYTHON), "-m", "compileall", "-q", str(tree)]
    subprocess.run(argv, check=True, capture_output=True)


# --- how each tool does each action --------------------------------------------------------

# A command builder: (action, corpus directory, database name) -> what to run, or None when the
# tool cannot do that action in one command.
CommandBuilder = Callable[[str, Path, str], Invocation | None]


def schemactl_command(action: str, corpus: Path, db: str) -> Invocation | None:
    args = SCHEMACTL_ARGS[action]
    directory = str(corpus / "schemactl")
    return Invocation([str(SCHEMACTL), *args, "--dir", directory, "--database-url", libpq_url(db)])


def baseline_command(tree: Path) -> CommandBuilder:
    """schemactl from another tree (``--baseline``): the same arguments, its own package."""

    def build(action: str, corpus: Path, db: str) -> Invocation | None:
        current = schemactl_command(action, corpus, db)
        assert current is not None
        return baseline_invocation(tree, current.argv[1:])

    return build


def baseline_invocation(tree: Path, args: list[str]) -> Invocation:
    # PYTHONPATH comes before the editable install's finder, so the tree's package wins;
    # -P keeps the working directory (this tree, when run from it) off sys.path.
    return Invocation(
        [str(PYTHON), "-P", "-c", ENTRY_POINT, *args], {"PYTHONPATH": str(tree.resolve())}
    )


def psql_command(action: str, corpus: Path, db: str) -> Invocation | None:
    script = {"apply": "all.sql", "down-all": "all.down.sql"}.get(action)
    if script is None:
        return None
    argv = ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", libpq_url(db), "-f", str(corpus / script)]
    return Invocation(argv)


def driver_command(action: str, corpus: Path, db: str) -> Invocation | None:
    code = f"import psycopg; c = psycopg.connect({libpq_url(db)!r}); c.execute('select 1')"
    return Invocation([str(PYTHON), "-c", code])


def typer_command(action: str, corpus: Path, db: str) -> Invocation | None:
    return Invocation([str(PYTHON), "-c", "import typer"])


def dbmate_command(action: str, corpus: Path, db: str) -> Invocation | None:
    # dbmate's rollback undoes one migration per call: no single command for down --all.
    verb = {"apply": "migrate", "status": "status"}.get(action)
    if verb is None:
        return None
    program = str(peers.dbmate_program())
    argv = [program, "--url", go_url(db), "-d", str(corpus / "dbmate"), "--no-dump-schema", verb]
    return Invocation(argv)


def yoyo_command(action: str, corpus: Path, db: str) -> Invocation | None:
    verb = {"apply": ["apply"], "down-all": ["rollback", "--all"], "status": ["list"]}.get(action)
    if verb is None:
        return None
    program = str(peers.YOYO_VENV / "bin" / "yoyo")
    options = ["--batch", "--no-config-file", "--database", libpq_url(db)]
    return Invocation([program, *verb, *options, str(corpus / "yoyo")])


def sqitch_command(action: str, corpus: Path, db: str) -> Invocation | None:
    verb = {"apply": ["deploy"], "down-all": ["revert", "-y"], "status": ["status"]}.get(action)
    if verb is None:
        return None
    target = f"db:pg://{PGUSER}@{PGHOST}:{PGPORT}/{db}"
    env = {"SQITCH_FULLNAME": "Bench", "SQITCH_EMAIL": "bench@localhost"}
    return Invocation(["sqitch", "-C", str(corpus / "sqitch"), *verb, target], env)


def sql_migrate_command(action: str, corpus: Path, db: str) -> Invocation | None:
    verb = {"apply": ["up"], "down-all": ["down", "-limit", "0"], "status": ["status"]}.get(action)
    if verb is None:
        return None
    config = ["-config", str(corpus / "sql-migrate" / "dbconfig.yml"), "-env", "bench"]
    return Invocation(["sql-migrate", *verb, *config], {"SQL_MIGRATE_URL": go_url(db)})


BUILDERS: dict[str, CommandBuilder] = {
    "psql": psql_command,
    "driver": driver_command,
    "typer": typer_command,
    "schemactl": schemactl_command,
    "dbmate": dbmate_command,
    "yoyo": yoyo_command,
    "sqitch": sqitch_command,
    "sql-migrate": sql_migrate_command,
}


# --- cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """What is timed, on which corpus, against which floor, after which untimed set-up.

    setup and action are actions understood by the command builders; setup runs with the same
    tool first (a tool's own ledger must hold the applied migrations). With fresh_per_run, every
    run gets a new database and a new set-up; otherwise one database serves all runs.
    """

    name: str
    description: str
    floor: str | None
    action: str
    corpus: Path | None = None
    setup: str | None = None
    fresh_per_run: bool = True
    light: bool = False
    big: bool = False
    with_peers: bool = True

    @property
    def expected_tables(self) -> int | None:
        """Tables a correct run leaves (None: as many as the floor's run leaves)."""
        if self.corpus is None or self.action not in ("apply", "down-all"):
            return None
        if self.action == "down-all":
            return 0
        count = self.corpus.name.removeprefix("synthetic-")
        return int(count) if count.isdigit() else None


@dataclass
class ToolResult:
    tool: str
    runs: list[Measurement] = field(default_factory=list)
    failure: str = ""
    tables: set[int] = field(default_factory=set)  # what the timed runs left behind

    @property
    def median(self) -> float:
        return statistics.median(run.seconds for run in self.runs)

    @property
    def peak_mb(self) -> float:
        return max(run.peak_kb for run in self.runs) / 1024


@dataclass
class CaseResult:
    case: Case
    results: dict[str, ToolResult]
    notes: list[str] = field(default_factory=list)


def migration_sets() -> list[Path]:
    """The sql/ sets present in this tree (some may still be being written)."""
    sets = ROOT / "sql"
    if not sets.is_dir():
        return []
    return sorted(path for path in sets.iterdir() if any(path.glob("*.up.sql")))


def schemactl_has(command: str) -> bool:
    argv = [str(SCHEMACTL), command, "--help"]
    return subprocess.run(argv, capture_output=True, env=child_environment({})).returncode == 0


def build_cases(real_dirs: tuple[Path, ...] = ()) -> list[Case]:
    """Every case, in the order they run; corpora are written on first use."""
    cases = []
    for directory in real_dirs:
        # A migration directory from elsewhere (a public project's history, laid out as
        # schemactl pairs under bench/out): applied, and checked, like the sets.
        laid_out = generate.OUT / "sets" / directory.name
        cases += [
            Case(f"up-{directory.name}", f"apply {directory}", "psql", "apply", laid_out),
            Case(
                f"check-{directory.name}",
                f"schemactl check of {directory}",
                floor=None,
                action="check",
                corpus=laid_out,
                fresh_per_run=False,
                with_peers=False,
            ),
        ]
    for directory in migration_sets():
        cases.append(
            Case(
                f"set-{directory.name}",
                f"apply sql/{directory.name} from empty",
                floor="psql",
                action="apply",
                corpus=generate.OUT / "sets" / directory.name,
            )
        )
    small = generate.OUT / "synthetic-200"
    large = generate.OUT / "synthetic-1000"
    cases += [
        Case("up-200", "apply 200 from empty", "psql", "apply", small),
        Case("up-1000", "apply 1,000 from empty", "psql", "apply", large, big=True),
        Case(
            "noop-up-1000",
            "up with all 1,000 already applied",
            "driver",
            "apply",
            large,
            setup="apply",
            fresh_per_run=False,
            light=True,
            big=True,
        ),
        Case(
            "status-1000",
            "status with 1,000 applied",
            "driver",
            "status",
            large,
            setup="apply",
            fresh_per_run=False,
            light=True,
            big=True,
        ),
        Case("down-all-200", "down --all of 200", "psql", "down-all", small, setup="apply"),
    ]
    cases += [
        Case(
            "diff-200",
            "schemactl diff with 200 applied",
            floor=None,
            action="diff",
            corpus=small,
            setup="apply",
            fresh_per_run=False,
            with_peers=False,
        ),
        # check builds its own scratch databases; the case's database only names the server.
        Case(
            "check-200",
            "schemactl check of 200",
            floor=None,
            action="check",
            corpus=small,
            fresh_per_run=False,
            with_peers=False,
        ),
    ]
    for count in REALISTIC_SIZES:
        shaped = generate.OUT / corpus.default_shape(count).name
        cases += [
            Case(f"up-real-{count}", f"apply {count} realistic", "psql", "apply", shaped),
            Case(
                f"check-real-{count}",
                f"schemactl check of {count} realistic",
                floor=None,
                action="check",
                corpus=shaped,
                fresh_per_run=False,
                with_peers=False,
            ),
        ]
    cases += [
        Case("version", "schemactl --version", "typer", "version", light=True, with_peers=False),
        Case("help", "schemactl --help", "typer", "help", light=True, with_peers=False),
    ]
    return cases


def startup_command(action: str) -> Invocation:
    return Invocation([str(SCHEMACTL), f"--{action}"])


def heavy_imports(action: str) -> list[str]:
    """Which of psycopg and sqlparse the CLI imports for --version/--help (should be none)."""
    code = (
        "import sys; from schemactl.cli.app import main; "
        f"sys.argv = ['schemactl', '--{action}']; main()"
    )
    argv = [str(PYTHON), "-X", "importtime", "-c", code]
    done = subprocess.run(argv, capture_output=True, text=True, env=child_environment({}))
    found = set(re.findall(r"\|\s+(psycopg|sqlparse)(?:\.|$)", done.stderr, flags=re.MULTILINE))
    return sorted(found)


# --- running -------------------------------------------------------------------------------


class Runner:
    def __init__(
        self,
        tools: list[str],
        repeat: int,
        quick: bool,
        log: Callable[[str], None],
        baseline: Path | None = None,
    ):
        self.tools = tools
        self.repeat = repeat
        self.quick = quick
        self.log = log
        self.baseline = baseline

    def runs_for(self, case: Case) -> int:
        if case.light:
            return max(self.repeat * 3, 5)
        if case.big and self.quick:
            return 1
        return self.repeat

    def command(self, tool: str, action: str, case: Case, db: str) -> Invocation | None:
        if action in ("version", "help"):
            if tool == "schemactl":
                return startup_command(action)
            if tool == BASELINE and self.baseline is not None:
                return baseline_invocation(self.baseline, [f"--{action}"])
            return typer_command("", ROOT, db)
        assert case.corpus is not None
        if tool == BASELINE:
            assert self.baseline is not None
            return baseline_command(self.baseline)(action, case.corpus, db)
        return BUILDERS[tool](action, case.corpus, db)

    def tools_for(self, case: Case) -> list[str]:
        candidates = [case.floor] if case.floor else []
        candidates.append("schemactl")
        if self.baseline is not None and case.action != "diff":
            candidates.append(BASELINE)
        if case.with_peers:
            candidates += self.tools
        return [tool for tool in candidates if self.command(tool, case.action, case, "x")]

    def run_case(self, case: Case) -> CaseResult:
        tools = self.tools_for(case)
        results = {tool: ToolResult(tool) for tool in tools}
        runs = self.runs_for(case)
        self.log(f"{case.name}: {case.description} ({runs} runs; {', '.join(tools)})")
        if case.fresh_per_run:
            for index in range(runs):
                for tool in rotated(tools, index):
                    self.fresh_run(case, results[tool], index)
        else:
            self.shared_runs(case, [results[tool] for tool in tools], runs)
        notes = self.check_tables(case, results)
        return CaseResult(case, results, notes)

    def check_tables(self, case: Case, results: dict[str, ToolResult]) -> list[str]:
        """A run that exits 0 but leaves the wrong tables did not do the job: not a result."""
        floor = results.get(case.floor or "")
        expected = case.expected_tables
        if expected is None and floor is not None and len(floor.tables) == 1:
            expected = next(iter(floor.tables))
        notes = []
        for result in results.values():
            if expected is None or not result.tables or result.tables == {expected}:
                continue
            found = ", ".join(map(str, sorted(result.tables)))
            result.failure = f"left {found} tables, expected {expected}"
            result.runs.clear()
            notes.append(f"{case.name}: {result.tool} {result.failure}")
        return notes

    def database(self, case: Case, tool: str) -> str:
        return re.sub(r"[^a-z0-9_]", "_", f"bench_{case.name}_{tool}_{os.getpid()}")

    def prepare(self, case: Case, result: ToolResult, db: str, index: int) -> bool:
        """Create the database and run the untimed set-up; False (and a failure) if it broke."""
        if case.corpus is None:
            return True
        create_database(db)
        # The driver floor only connects: it has no set-up to run (nor tables to show for it).
        if case.setup is not None and result.tool not in PURE_FLOORS:
            invocation = self.command(result.tool, case.setup, case, db)
            assert invocation is not None
            log = LOGS / case.name / f"{result.tool}-setup-{index}.log"
            done = measure(invocation, log)
            if done.exit_code != 0:
                result.failure = f"set-up exited {done.exit_code} (see {log.relative_to(BENCH)})"
                return False
            expected = Case("", "", None, case.setup, case.corpus).expected_tables
            found = table_count(db)
            if expected is not None and found != expected:
                result.failure = f"set-up left {found} tables, expected {expected}"
                return False
        checkpoint()
        return True

    def timed(self, case: Case, result: ToolResult, db: str, label: str) -> Measurement | None:
        invocation = self.command(result.tool, case.action, case, db)
        assert invocation is not None
        log = LOGS / case.name / f"{result.tool}-{label}.log"
        done = measure(invocation, log)
        accepted = ACCEPTED_EXIT_CODES.get(case.action, (0,))
        if done.exit_code not in accepted:
            result.failure = f"exited {done.exit_code} (see {log.relative_to(BENCH)})"
            return None
        return done

    def fresh_run(self, case: Case, result: ToolResult, index: int) -> None:
        if result.failure:
            return
        db = self.database(case, result.tool)
        try:
            if not self.prepare(case, result, db, index):
                return
            done = self.timed(case, result, db, str(index))
            if done:
                result.runs.append(done)
                if case.expected_tables is not None or case.floor == "psql":
                    result.tables.add(table_count(db))
                self.log(f"  {result.tool:12} {done.seconds:8.3f} s {done.peak_kb / 1024:6.1f} MB")
        finally:
            if case.corpus is not None:
                drop_database(db)

    def shared_runs(self, case: Case, results: list[ToolResult], runs: int) -> None:
        """A database per tool, its set-up and one untimed warm-up; then the timed runs, the
        tools taking turns as in fresh runs, so that a busy moment on the machine does not land
        on one tool's runs only."""
        ready: list[ToolResult] = []
        try:
            for result in results:
                db = self.database(case, result.tool)
                if self.prepare(case, result, db, 0) and self.timed(case, result, db, "warm-up"):
                    ready.append(result)
            for index in range(runs):
                for position in rotated(list(range(len(ready))), index):
                    result = ready[position]
                    if result.failure:
                        continue
                    done = self.timed(case, result, self.database(case, result.tool), str(index))
                    if done is not None:
                        result.runs.append(done)
            for result in ready:
                if result.runs and not result.failure:
                    self.log(f"  {result.tool:12} {result.median:8.3f} s {result.peak_mb:6.1f} MB")
        finally:
            if case.corpus is not None:
                for result in results:
                    drop_database(self.database(case, result.tool))


def rotated(items: list[T], shift: int) -> list[T]:
    """The order of round ``shift``: forwards, then backwards, and so on. No tool always runs
    first (on a server the previous round left warm or busy), and neighbours stay neighbours:
    the floor, schemactl and its baseline run back to back in every round, so their per-round
    ratios compare runs seconds apart, not a slow peer's minutes apart."""
    return list(reversed(items)) if shift % 2 else list(items)


# --- report --------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def machine_description(load_at_start: str = "") -> list[str]:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    memory_kb = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.*)", cpuinfo)
    python = subprocess.run([str(PYTHON), "--version"], capture_output=True, text=True)
    schemactl = subprocess.run([str(SCHEMACTL), "--version"], capture_output=True, text=True)
    psql = subprocess.run(["psql", "--version"], capture_output=True, text=True)
    git = ["git", "-C", str(ROOT), "describe", "--always", "--dirty"]
    revision = subprocess.run(git, capture_output=True, text=True).stdout.strip() or "unknown"
    return [
        f"- CPU: {os.cpu_count()} cores ({model[1] if model else 'unknown'}), "
        f"memory {memory_kb / 1024 / 1024:.1f} GiB, Linux {platform.release()}",
        f"- Server: {server_setting('select version()').split(' on ')[0]}, "
        f"fsync={server_setting('show fsync')}, "
        f"synchronous_commit={server_setting('show synchronous_commit')}, "
        f"shared_buffers={server_setting('show shared_buffers')}, over TCP to {PGHOST}",
        f"- Client: {python.stdout.strip()}, {schemactl.stdout.strip()} (tree {revision}), "
        f"{psql.stdout.strip()}",
        f"- Load average (1, 5, 15 min): {load_at_start or '?'} at the start, "
        f"{load_average()} at the end (other work shares the machine)",
    ]


def format_table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(cells: list[str]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=True)]
        return "| " + " | ".join(padded) + " |"

    return [line(rows[0]), line(["-" * width for width in widths]), *map(line, rows[1:])]


def paired_ratio(mine: ToolResult | None, other: ToolResult | None) -> float | None:
    """``mine`` over ``other``: the median of the per-round ratios when both ran every round,
    else the ratio of the medians. A round's runs follow each other within seconds or minutes,
    so a busy moment on a shared machine weighs on both sides of its ratio."""
    if mine is None or other is None or not mine.runs or not other.runs:
        return None
    if len(mine.runs) == len(other.runs) and not mine.failure and not other.failure:
        pairs = zip(mine.runs, other.runs, strict=True)
        return statistics.median(a.seconds / b.seconds for a, b in pairs)
    return mine.median / other.median


def format_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def results_table(case_results: list[CaseResult]) -> list[str]:
    header = [
        "case",
        "tool",
        "median s",
        "runs",
        "min-max s",
        "vs floor",
        "schemactl/tool",
        "peak MB",
    ]
    rows = [header]
    for case_result in case_results:
        results = case_result.results
        floor = results.get(case_result.case.floor or "")
        mine = results.get("schemactl")
        for tool, result in results.items():
            name = FLOOR_NAMES.get(tool, tool)
            if not result.runs:
                rows.append(
                    [case_result.case.name, name, "failed", "-", result.failure, "", "", ""]
                )
                continue
            seconds = [run.seconds for run in result.runs]
            rows.append(
                [
                    case_result.case.name,
                    name,
                    f"{result.median:.3f}",
                    str(len(result.runs)),
                    f"{min(seconds):.3f}-{max(seconds):.3f}",
                    format_ratio(paired_ratio(result, floor)),
                    format_ratio(paired_ratio(mine, result)),
                    f"{result.peak_mb:.1f}",
                ]
            )
    return format_table(rows)


@dataclass(frozen=True)
class Target:
    text: str
    value: str
    met: bool | None  # None: not measured in this run


def result_of(case_results: list[CaseResult], case: str, tool: str) -> ToolResult | None:
    for case_result in case_results:
        result = case_result.results.get(tool)
        if case_result.case.name == case and result and result.runs:
            return result
    return None


def median_of(case_results: list[CaseResult], case: str, tool: str) -> float | None:
    result = result_of(case_results, case, tool)
    return result.median if result else None


def ratio_target(
    case_results: list[CaseResult], case: str, tool: str, other: str, limit: float, text: str
) -> Target:
    value = paired_ratio(result_of(case_results, case, tool), result_of(case_results, case, other))
    if value is None:
        return Target(text, "not measured", None)
    return Target(text, f"{value:.2f}x", value <= limit)


def evaluate_targets(case_results: list[CaseResult], imports: dict[str, list[str]]) -> list[Target]:
    targets = [
        ratio_target(case_results, "up-1000", "schemactl", "psql", 1.05, "up-1000 <= 1.05x psql"),
        ratio_target(case_results, "up-1000", "schemactl", "dbmate", 0.999, "up-1000 < dbmate"),
    ]
    for case in ("noop-up-1000", "status-1000"):
        targets += [
            ratio_target(
                case_results, case, "schemactl", "driver", 1.25, f"{case} <= 1.25x driver"
            ),
            ratio_target(case_results, case, "schemactl", "yoyo", 0.999, f"{case} < yoyo"),
        ]
    for action in ("version", "help"):
        targets.append(
            ratio_target(
                case_results, action, "schemactl", "typer", 1.15, f"--{action} <= 1.15x typer"
            )
        )
        if action in imports:
            found = imports[action]
            value = ", ".join(found) if found else "neither"
            targets.append(Target(f"--{action} imports no psycopg/sqlparse", value, not found))
    for check_case, up_case, limit in CHECK_TARGETS:
        targets.append(check_target(case_results, check_case, up_case, limit))
    targets.append(check_growth_target(case_results))
    peaks = [
        (case_result.case.name, case_result.results["schemactl"].peak_mb)
        for case_result in case_results
        if "schemactl" in case_result.results and case_result.results["schemactl"].runs
    ]
    if peaks:
        case, peak = max(peaks, key=lambda item: item[1])
        targets.append(
            Target("peak memory < 60 MB in every case", f"{peak:.1f} MB ({case})", peak < 60)
        )
    return targets


def check_target(
    case_results: list[CaseResult], check_case: str, up_case: str, limit: float
) -> Target:
    """check's median over up's on the same migrations (they run as separate cases)."""
    text = f"{check_case} <= {limit:g}x {up_case}"
    check = median_of(case_results, check_case, "schemactl")
    up = median_of(case_results, up_case, "schemactl")
    if check is None or up is None:
        return Target(text, "not measured", None)
    return Target(text, f"{check / up:.2f}x", check / up <= limit)


def check_growth_target(case_results: list[CaseResult]) -> Target:
    """check's ratio to up on the largest realistic history over that on the smallest, against
    how much larger the history is: a round trip that cost what the schema holds, not what a
    step touched, made the ratio grow with the schema."""
    small, large = REALISTIC_SIZES[0], REALISTIC_SIZES[-1]
    text = f"check/up ratio, {large} over {small} realistic, <= {large / small:g}x"
    ratios = []
    for count in (small, large):
        check = median_of(case_results, f"check-real-{count}", "schemactl")
        up = median_of(case_results, f"up-real-{count}", "schemactl")
        if check is None or up is None:
            return Target(text, "not measured", None)
        ratios.append(check / up)
    growth = ratios[1] / ratios[0]
    value = f"{ratios[1]:.2f}x / {ratios[0]:.2f}x = {growth:.2f}"
    return Target(text, value, growth <= large / small)


def targets_table(targets: list[Target]) -> list[str]:
    verdict = {True: "met", False: "MISSED", None: "-"}
    rows = [["target", "measured", "verdict"]]
    rows += [[target.text, target.value, verdict[target.met]] for target in targets]
    return format_table(rows)


def report(
    case_results: list[CaseResult],
    available: dict[str, peers.Peer],
    imports: dict[str, list[str]],
    skipped: list[str],
    load_at_start: str = "",
) -> str:
    lines = ["## Machine", "", *machine_description(load_at_start)]
    lines += ["- Peers: " + "; ".join(describe_peer(peer) for peer in available.values())]
    lines += ["", "## Results", ""]
    lines += [
        "Wall time of the whole command, median of the runs; `vs floor` is the tool's time over",
        "the case's floor (psql in one call, python+psycopg+connect+select 1, or `import typer`),",
        "and `schemactl/tool` schemactl's over that tool's: each the median of the ratios within a",
        "round (the tools take turns, one run each per round), or of the medians when a tool",
        "missed a round; peak MB is the largest maximum RSS of one run.",
        "",
        *results_table(case_results),
        "",
        "## Targets",
        "",
        *targets_table(evaluate_targets(case_results, imports)),
    ]
    if skipped:
        lines += ["", "## Not run or not counted", "", *(f"- {reason}" for reason in skipped)]
    return "\n".join(lines) + "\n"


def describe_peer(peer: peers.Peer) -> str:
    return (
        f"{peer.name} {peer.version}"
        if peer.available
        else f"{peer.name} unavailable ({peer.reason})"
    )


def select_cases(cases: list[Case], wanted: list[str] | None) -> list[Case]:
    """Cases whose name starts with any of the wanted words ('set' selects every set)."""
    if not wanted:
        return cases
    aliases = {"startup": ["version", "help"], "sets": ["set-"]}
    prefixes = [prefix for word in wanted for prefix in aliases.get(word, [word])]
    return [case for case in cases if any(case.name.startswith(p) for p in prefixes)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run of the 1,000 cases")
    parser.add_argument("--cases", nargs="*", help="case names or prefixes (sets, startup, up-...)")
    parser.add_argument("--peers", nargs="*", choices=peers.PEER_NAMES, help="peers to compare")
    parser.add_argument("--no-install", action="store_true", help="use only installed peers")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument(
        "--real-dir",
        type=Path,
        action="append",
        default=[],
        help="a schemactl migration directory to apply and check (up-NAME, check-NAME)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a directory holding another schemactl package (an older tree) to time beside",
    )
    args = parser.parse_args()
    if not Path(GNU_TIME).exists():
        sys.exit(f"{GNU_TIME} not found: install GNU time (apt-get install time)")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    load_at_start = load_average()
    wanted_peers = tuple(args.peers) if args.peers is not None else peers.PEER_NAMES
    if args.no_install:
        available = {name: peers.FINDERS[name]() for name in wanted_peers}
    else:
        available = peers.ensure_peers(wanted_peers, log)
    for peer in available.values():
        log(peers.describe(peer))
    tools = [name for name, peer in available.items() if peer.available]

    skipped = []
    cases = select_cases(build_cases(tuple(args.real_dir)), args.cases)
    for command in ("diff", "check"):
        if any(case.action == command for case in cases) and not schemactl_has(command):
            skipped.append(f"{command}-200: `schemactl {command} --help` does not exit 0 yet")
            cases = [case for case in cases if case.action != command]
    for case in cases:
        if case.corpus is None:
            continue
        if case.name.startswith("set-"):
            generate.set_corpus(ROOT / "sql" / case.name.removeprefix("set-"))
        elif case.corpus.parent.name == "sets":
            generate.set_corpus(next(d for d in args.real_dir if d.name == case.corpus.name))
        elif case.corpus.name.startswith("realistic-"):
            corpus.realistic_corpus(corpus.default_shape(int(case.corpus.name.split("-")[1])))
        else:
            generate.synthetic_corpus(int(case.corpus.name.split("-")[1]))

    compile_bytecode(ROOT / "schemactl")
    if args.baseline is not None:
        if not (args.baseline / "schemactl" / "__init__.py").exists():
            sys.exit(f"{args.baseline}/schemactl/__init__.py not found")
        compile_bytecode(args.baseline / "schemactl")
    runner = Runner(tools, args.repeat, args.quick, log, args.baseline)
    case_results = [runner.run_case(case) for case in cases]
    imports = {
        case.action: heavy_imports(case.action)
        for case in cases
        if case.action in ("version", "help")
    }
    skipped += [note for case_result in case_results for note in case_result.notes]
    text = report(case_results, available, imports, skipped, load_at_start)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
