"""Progress bars and one-line summaries, shared by every stage so the CLI looks the same throughout."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def _console():
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """A progress bar on stderr for long work; plain iteration when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield from items
        return
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, total=total, console=_console(), transient=True)


def info(message: str) -> None:
    _console().print(message, highlight=False)


def warn(message: str) -> None:
    _console().print(f"[yellow]warning:[/yellow] {message}", highlight=False)


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
