"""golang-migrate: ``{version}_{title}.up.sql`` and ``.down.sql``.

As read in golang-migrate/migrate: ``source/parse.go`` (the name pattern
``^([0-9]+)_(.*)\\.(down|up)\\.(.*)$``, the version an unsigned 64-bit integer) and
``MIGRATIONS.md`` (the title is only for readability; a migration may lack its down file or
hold only a comment when it is irreversible). Its PostgreSQL driver sends a whole file as one
query, so a file without ``BEGIN`` runs as one implicit transaction, and a file holding
``CREATE INDEX CONCURRENTLY`` can only have run alone, outside any: such a file gets
``-- schemactl:no-transaction``.
A file that wraps itself in ``BEGIN; ... COMMIT;`` is kept as written, for schemactl's own
validation to judge.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from schemactl.adopt.formats.model import (
    Imported,
    Side,
    check_version,
    non_transactional,
    pair,
    read_text,
    refuse_collisions,
    side,
)
from schemactl.errors import FileProblem

TOOL = "golang-migrate"
FILE_NAME = re.compile(r"^(?P<version>[0-9]+)_(?P<title>.*)\.(?P<dir>down|up)\.(?P<ext>.*)$")


def read(directory: Path, problems: list[FileProblem], skipped: list[Path]) -> list[Imported]:
    """The directory's migrations; files golang-migrate would not read go to ``skipped``."""
    found: dict[int, dict[str, list[tuple[Path, str]]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(directory.iterdir()):
        match = FILE_NAME.match(path.name)
        if match is None or not path.is_file():
            if path.suffix == ".sql":
                skipped.append(path)
            continue
        if match["ext"] != "sql":
            problems.append(
                FileProblem(
                    path,
                    f"a migration in .{match['ext']}, not SQL: schemactl migrations are SQL "
                    "files; move it out of the directory, or rewrite it in SQL",
                )
            )
            continue
        version = int(match["version"])
        if check_version(path, version, problems):
            found[version][match["dir"]].append((path, match["title"]))
    ups = [(v, path) for v, sides in found.items() for path, _ in sides["up"]]
    downs = [(v, path) for v, sides in found.items() for path, _ in sides["down"]]
    colliding = refuse_collisions(ups, problems) | refuse_collisions(downs, problems)
    migrations = []
    for version, sides in sorted(found.items()):
        if version in colliding:
            continue
        if not sides["up"]:
            (down_path, _), *_ = sides["down"]
            problems.append(
                FileProblem(
                    down_path,
                    f"down file without an up file for version {version}: schemactl cannot "
                    "tell what it undoes; delete it, or add its up file",
                )
            )
            continue
        (up_path, title), *_ = sides["up"]
        down = sides["down"][0][0] if sides["down"] else None
        migration = _migration(version, title, up_path, down, problems)
        if migration is not None:
            migrations.append(migration)
    return migrations


def _migration(
    version: int, title: str, up_path: Path, down_path: Path | None, problems: list[FileProblem]
) -> Imported | None:
    up = _side(up_path, problems)
    down = _side(down_path, problems) if down_path is not None else None
    if up is None or (down_path is not None and down is None):
        return None
    sources = (up_path,) if down_path is None else (up_path, down_path)
    return pair(version, title, up, down, sources, "no down file")


def _side(path: Path, problems: list[FileProblem]) -> Side | None:
    text = read_text(path, problems)
    if text is None:
        return None
    found = side(path, text)
    what = non_transactional(text)
    if what is None:
        return found
    return Side(found.source, found.lines, found.origins, f"{what} runs outside a transaction")
