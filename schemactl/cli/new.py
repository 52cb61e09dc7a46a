"""``new``."""

from __future__ import annotations

from typing import Annotated

import typer

from schemactl.cli import options as o


def new(
    name: Annotated[str, typer.Argument(help="lower_snake_case name, e.g. add_users_email_index.")],
    dir: o.Dir = None,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Create the next numbered up/down pair, padded like the directory's other files."""
    from schemactl import config, operations
    from schemactl.errors import UsageError
    from schemactl.files.migrations import MigrationSet, next_file_names
    from schemactl.render.terminal import Terminal

    settings = config.resolve(o.connection_flags(None, dir, None))
    directory = settings.dir
    if not directory.is_dir():
        if directory.exists() or directory.is_symlink():
            raise UsageError(
                f"{directory} is not a directory",
                hint="pass --dir, or set dir in schemactl.toml",
            )
        # The directory is made before the files are named: a name that cannot be used must
        # be refused first, or it leaves an empty directory behind.
        next_file_names(MigrationSet(directory, ()), name)
    up_path, down_path = operations.new(settings, name)
    terminal = Terminal(quiet=quiet)
    terminal.data(str(up_path))
    terminal.data(str(down_path))
