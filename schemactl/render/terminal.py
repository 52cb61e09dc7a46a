"""The one place that owns the consoles: data on stdout, everything else on stderr.

Markup, highlighting and emoji are off (SQL such as ``arr[1:2]`` is not markup); colour only
on a terminal and never with ``NO_COLOR``. Every text passes through the DSN masker; data
(SQL, JSON) only through its known-password part, which cannot corrupt it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.text import Text

from schemactl.dsn import mask, mask_known


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    no_color = bool(os.environ.get("NO_COLOR"))
    return Console(
        file=stream,
        markup=False,
        highlight=False,
        emoji=False,
        no_color=no_color,
        soft_wrap=True,
    )


class Terminal:
    """Output for one command run; ``quiet`` silences progress and notes, never data or errors."""

    def __init__(self, *, quiet: bool = False):
        self.out = _console(stderr=False)
        self.err = _console(stderr=True)
        self.quiet = quiet

    def data(self, text: str | Text = "", style: str | None = None) -> None:
        self.out.print(_masked(text, mask_known), style=style)

    def table(self, table: Any) -> None:
        self.out.print(table)

    def progress(self, text: str | Text, style: str | None = None) -> None:
        if not self.quiet:
            self.err.print(_masked(text), style=style)

    def warning(self, text: str) -> None:
        self.err.print(Text(mask(f"warning: {text}"), style="yellow"))

    def error(self, message: str, detail: str | None, hint: str | None) -> None:
        lines = Text(mask(f"error: {message}"), style="bold red")
        for label, value in (("detail", detail), ("hint", hint)):
            if value:
                lines.append("\n")
                lines.append(mask(f"{label}: {value}"), style=None if label == "detail" else "cyan")
        self.err.print(lines)


def _masked(text: str | Text, masker: Callable[[str], str] = mask) -> str | Text:
    if isinstance(text, Text):
        return Text(masker(text.plain), style=text.style, spans=text.spans)
    return masker(text)
