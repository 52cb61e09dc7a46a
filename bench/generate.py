"""Write benchmark corpora: one list of migrations in the format of every tool compared.

    .venv/bin/python bench/generate.py --count 200              # bench/out/synthetic-200/
    .venv/bin/python bench/generate.py --from-dir sql/genesis   # bench/out/sets/genesis/

A synthetic migration N creates one table (a bigint primary key, a text, an int with a default,
a timestamptz defaulting to now(), a jsonb, and a foreign key to table N-1; table 1 refers to
itself) and one index, and its down drops exactly those, in reverse order. A corpus directory
holds:

    schemactl/NNNN_create_table_N.up.sql, .down.sql
    dbmate/NNNN_create_table_N.sql              -- migrate:up / -- migrate:down
    yoyo/NNNN_create_table_N.sql, .rollback.sql
    sqitch/sqitch.conf, sqitch.plan, deploy/, revert/
    sql-migrate/dbconfig.yml, migrations/NNNN_create_table_N.sql
    all.sql, all.down.sql                        every up file in order, every down in reverse
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"

NO_TRANSACTION = "-- schemactl:no-transaction"
UP_FILE = re.compile(r"^(\d+)_([a-z0-9_]+)\.up\.sql$")

SYNTHETIC_UP = """\
CREATE TABLE bench_t{n:04d} (
    id         bigint PRIMARY KEY,
    label      text NOT NULL,
    counter    integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    payload    jsonb,
    parent_id  bigint REFERENCES bench_t{parent:04d} (id)
);

CREATE INDEX bench_t{n:04d}_parent_id_idx ON bench_t{n:04d} (parent_id);
"""

SYNTHETIC_DOWN = """\
DROP INDEX bench_t{n:04d}_parent_id_idx;

DROP TABLE bench_t{n:04d};
"""

SQITCH_CONF = """\
[core]
    engine = pg
    plan_file = sqitch.plan
    top_dir = .
"""

# sql-migrate expands environment variables in its configuration; run.py sets the URL.
SQL_MIGRATE_CONF = """\
bench:
    dialect: postgres
    datasource: ${{SQL_MIGRATE_URL}}
    dir: {dir}
    table: gorp_migrations
"""


@dataclass(frozen=True)
class Migration:
    """One migration as every tool sees it: its up and down SQL, run in a transaction or not."""

    version: int
    name: str
    up: str
    down: str
    transactional: bool = True

    @property
    def stem(self) -> str:
        return f"{self.version:04d}_{self.name}"


def synthetic(count: int) -> list[Migration]:
    """N synthetic migrations, each one table with a foreign key to the previous and one index."""
    return [
        Migration(
            version=n,
            name=f"create_table_{n}",
            up=SYNTHETIC_UP.format(n=n, parent=max(n - 1, 1)),
            down=SYNTHETIC_DOWN.format(n=n),
        )
        for n in range(1, count + 1)
    ]


def from_schemactl_dir(directory: Path) -> list[Migration]:
    """A schemactl migration directory read as-is (an irreversible up has an empty down)."""
    migrations = []
    for path in sorted(directory.iterdir()):
        match = UP_FILE.match(path.name)
        if not match:
            continue
        up = path.read_text(encoding="utf-8")
        down_path = path.with_name(path.name.replace(".up.sql", ".down.sql"))
        down = down_path.read_text(encoding="utf-8") if down_path.exists() else ""
        migrations.append(
            Migration(
                version=int(match[1]),
                name=match[2],
                up=up,
                down=down,
                transactional=NO_TRANSACTION not in up,
            )
        )
    return sorted(migrations, key=lambda migration: migration.version)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_schemactl(migrations: list[Migration], out: Path) -> None:
    for m in migrations:
        _write(out / f"{m.stem}.up.sql", m.up)
        if m.down:
            _write(out / f"{m.stem}.down.sql", m.down)


def write_dbmate(migrations: list[Migration], out: Path) -> None:
    for m in migrations:
        options = "" if m.transactional else " transaction:false"
        text = f"-- migrate:up{options}\n{m.up}\n-- migrate:down{options}\n{m.down}"
        _write(out / f"{m.stem}.sql", text)


def write_yoyo(migrations: list[Migration], out: Path) -> None:
    for m in migrations:
        header = "" if m.transactional else "-- transactional: false\n"
        _write(out / f"{m.stem}.sql", header + m.up)
        _write(out / f"{m.stem}.rollback.sql", header + m.down)


def _sqitch_script(sql: str, transactional: bool) -> str:
    # sqitch hands each script to psql as it is: the transaction is the script's own.
    return f"BEGIN;\n\n{sql}\nCOMMIT;\n" if transactional else sql


def write_sqitch(migrations: list[Migration], out: Path) -> None:
    _write(out / "sqitch.conf", SQITCH_CONF)
    plan = ["%syntax-version=1.0.0", "%project=bench", ""]
    for m in migrations:
        change = f"m{m.stem}"
        plan.append(f"{change} 2024-01-01T00:00:00Z Bench <bench@localhost> # {m.name}")
        _write(out / "deploy" / f"{change}.sql", _sqitch_script(m.up, m.transactional))
        _write(out / "revert" / f"{change}.sql", _sqitch_script(m.down, m.transactional))
    _write(out / "sqitch.plan", "\n".join(plan) + "\n")


def _sql_migrate_section(direction: str, sql: str, transactional: bool) -> str:
    options = "" if transactional else " notransaction"
    # sql-migrate splits on semicolons itself; a dollar-quoted body must be one statement.
    if "$" in sql:
        sql = f"-- +migrate StatementBegin\n{sql}\n-- +migrate StatementEnd\n"
    return f"-- +migrate {direction}{options}\n{sql}\n"


def write_sql_migrate(migrations: list[Migration], out: Path) -> None:
    directory = out / "migrations"
    _write(out / "dbconfig.yml", SQL_MIGRATE_CONF.format(dir=directory))
    for m in migrations:
        up = _sql_migrate_section("Up", m.up, m.transactional)
        down = _sql_migrate_section("Down", m.down, m.transactional)
        _write(directory / f"{m.stem}.sql", up + down)


def write_psql(migrations: list[Migration], out: Path) -> None:
    _write(out / "all.sql", "".join(f"-- {m.stem}\n{m.up}\n" for m in migrations))
    downs = "".join(f"-- {m.stem}\n{m.down}\n" for m in reversed(migrations))
    _write(out / "all.down.sql", downs)


def write_corpus(migrations: list[Migration], out: Path) -> Path:
    """Write every tool's copy of the migrations under out (emptied first); returns out."""
    if out.exists():
        shutil.rmtree(out)
    write_schemactl(migrations, out / "schemactl")
    write_dbmate(migrations, out / "dbmate")
    write_yoyo(migrations, out / "yoyo")
    write_sqitch(migrations, out / "sqitch")
    write_sql_migrate(migrations, out / "sql-migrate")
    write_psql(migrations, out)
    return out


def synthetic_corpus(count: int) -> Path:
    """bench/out/synthetic-N, written unless it is already complete."""
    out = OUT / f"synthetic-{count}"
    if (out / "all.down.sql").exists():
        return out
    return write_corpus(synthetic(count), out)


def set_corpus(directory: Path) -> Path:
    """bench/out/sets/NAME from a migration set, rewritten every time (the set may change)."""
    return write_corpus(from_schemactl_dir(directory), OUT / "sets" / directory.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--count", type=int, help="number of synthetic migrations")
    source.add_argument("--from-dir", type=Path, help="a schemactl migration directory")
    parser.add_argument("--out", type=Path, help="output directory (default: under bench/out)")
    args = parser.parse_args()
    if args.count is not None:
        migrations = synthetic(args.count)
        out = args.out or OUT / f"synthetic-{args.count}"
    else:
        migrations = from_schemactl_dir(args.from_dir)
        out = args.out or OUT / "sets" / args.from_dir.name
    write_corpus(migrations, out)
    print(f"{len(migrations)} migrations written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
