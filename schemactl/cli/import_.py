"""``import`` (a Python keyword: the command's function is registered under that name below)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from schemactl.cli import options as o


def import_(
    source_dir: Annotated[
        Path,
        typer.Argument(
            help="The other tool's migration directory.", metavar="SOURCE_DIR", show_default=False
        ),
    ],
    from_: Annotated[
        str,
        typer.Option(
            "--from",
            metavar="TOOL",
            help="The tool that wrote SOURCE_DIR: golang-migrate, dbmate, flyway or goose.",
            show_default=False,
        ),
    ],
    dir: o.Dir = None,
    json: o.Json = False,
    quiet: o.Quiet = False,
    debug: o.Debug = False,
) -> None:
    """Convert another tool's migration directory into schemactl files, versions kept."""
    from schemactl import config
    from schemactl.adopt.formats import import_directory
    from schemactl.render import import_ as render
    from schemactl.render.terminal import Terminal

    settings = config.resolve(o.connection_flags(None, dir, None))
    result = import_directory(from_, source_dir, settings.dir)
    terminal = Terminal(quiet=quiet)
    if json:
        from schemactl.render import json as render_json

        terminal.data(render_json.dumps(render.json(result)))
        return
    render.human(terminal, result)


# make_app registers a command by its name in COMMANDS, and typer names it after the function.
import_.__name__ = "import"
globals()["import"] = import_
