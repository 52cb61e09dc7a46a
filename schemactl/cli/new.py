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
    from schemactl.render.terminal import Terminal

    settings = config.resolve(o.connection_flags(None, dir, None))
    up_path, down_path = operations.new(settings, name)
    terminal = Terminal(quiet=quiet)
    terminal.data(str(up_path))
    terminal.data(str(down_path))
