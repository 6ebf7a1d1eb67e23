"""Progress bars and one-line summaries, shared by every stage so the CLI looks the same throughout.

Messages carry users' text (labels, paths, split names, server replies), so none of it is ever read as
rich markup or emoji codes: `[layout]` and `put on [hat]` print as written and `[/x]` cannot crash.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

T = TypeVar("T")


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True, markup=False, emoji=False, highlight=False)


def literal(value: object) -> Text:
    """A table cell or title that rich shows exactly as written."""
    from rich.text import Text

    return Text(str(value))


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on stderr for long work; plain iteration when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield from items
        return
    from rich.markup import escape
    from rich.progress import track as rich_track

    yield from rich_track(items, description=escape(description), total=total, console=_console(), transient=True)


def _tagged(tag: str, style: str, message: str) -> Text:
    from rich.text import Text

    return Text.assemble((tag, style), " ", message)


def info(message: str) -> None:
    _console().print(message)


def warn(message: str) -> None:
    _console().print(_tagged("warning:", "yellow", message))


def error(message: str) -> None:
    """The one line a failed command ends with."""
    _console().print(_tagged("error:", "red", message))


def summary(message: str) -> None:
    """The one line a stage prints when it ends (stdout, so scripts can capture it)."""
    print(message, flush=True)


def human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            break
    return f"{size:.1f} {unit}"
