"""The one place that owns the consoles: data on stdout, everything else on stderr.

Markup, highlighting and emoji are off (SQL such as ``arr[1:2]`` is not markup); colour only
on a terminal and never with ``NO_COLOR``. Every text passes through the DSN masker; data
(SQL, JSON) only through its known-password part, which cannot corrupt it.

Without colour (a pipe, a CI log, ``NO_COLOR``) a line is only its text, written straight to
the stream: rich is imported only when there is colour to draw, because importing it costs
more than a no-op run's own work.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, TextIO

from schemactl.dsn import mask, mask_known

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


def _colour(stream: TextIO) -> bool:
    """Whether rich would draw colour on ``stream`` (its own rules, without importing it)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") in ("dumb", "unknown"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _console(stream: TextIO) -> Console:
    from rich.console import Console

    return Console(
        file=stream,
        markup=False,
        highlight=False,
        emoji=False,
        no_color=bool(os.environ.get("NO_COLOR")),
        soft_wrap=True,
    )


class Terminal:
    """Output for one command run; ``quiet`` silences progress and notes, never data or errors."""

    def __init__(self, *, quiet: bool = False):
        self.stdout: TextIO = sys.stdout
        self.stderr: TextIO = sys.stderr
        self.quiet = quiet
        self.plain_out = not _colour(self.stdout)
        self.plain_err = not _colour(self.stderr)

    @cached_property
    def out(self) -> Console:
        """A rich console on stdout, for callers that lay out tables themselves."""
        return _console(self.stdout)

    @cached_property
    def err(self) -> Console:
        return _console(self.stderr)

    def data(self, text: str | Text = "", style: str | None = None) -> None:
        if self.plain_out:
            self._write(self.stdout, _plain(text), mask_known)
        else:
            self.out.print(_masked(text, mask_known), style=style)

    def table(self, table: Any) -> None:
        self.out.print(table)

    def progress(self, text: str | Text, style: str | None = None) -> None:
        if self.quiet:
            return
        if self.plain_err:
            self._write(self.stderr, _plain(text), mask)
        else:
            self.err.print(_masked(text), style=style)

    def warning(self, text: str) -> None:
        if self.plain_err:
            self._write(self.stderr, f"warning: {text}", mask)
            return
        from rich.text import Text

        self.err.print(Text(mask(f"warning: {text}"), style="yellow"))

    def error(self, message: str, detail: str | None, hint: str | None) -> None:
        parts = [("error", message, "bold red"), ("detail", detail, None), ("hint", hint, "cyan")]
        present = [(label, value, style) for label, value, style in parts if value]
        if self.plain_err:
            self._write(self.stderr, "\n".join(f"{label}: {value}" for label, value, _ in present))
            return
        from rich.text import Text

        lines = Text()
        for i, (label, value, style) in enumerate(present):
            lines.append(("\n" if i else "") + mask(f"{label}: {value}"), style=style)
        self.err.print(lines)

    @staticmethod
    def _write(stream: TextIO, text: str, masker: Callable[[str], str] = mask) -> None:
        stream.write(masker(text) + "\n")


def _plain(text: str | Text) -> str:
    return text if isinstance(text, str) else text.plain


def _masked(text: str | Text, masker: Callable[[str], str] = mask) -> str | Text:
    if isinstance(text, str):
        return masker(text)
    from rich.text import Text

    return Text(masker(text.plain), style=text.style, spans=text.spans)
