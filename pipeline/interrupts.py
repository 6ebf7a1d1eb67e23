"""Ctrl-C ends any command promptly, with a message and exit status 130.

The first SIGINT prints "interrupted" and raises KeyboardInterrupt, so `finally` blocks and temp-folder
cleanup run; if unwinding is held up (a worker process or an HTTP request still finishing, a thread
pool joined at exit) the process leaves after `GRACE_S` anyway, and a second Ctrl-C leaves at once.
Nothing half-written can remain: artifacts only appear by renaming a finished temp folder.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType

EXIT_CODE = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
GRACE_S = 2.0

_state = {"interrupted": False}


def _leave() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(EXIT_CODE)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    if _state["interrupted"]:
        _leave()
    _state["interrupted"] = True
    from pipeline.console import error

    error("interrupted")
    timer = threading.Timer(GRACE_S, _leave)
    timer.daemon = True
    timer.start()
    raise KeyboardInterrupt


def install() -> None:
    """Handle SIGINT as above; only the main thread may install a handler, so elsewhere this is a no-op."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)


def was_interrupted() -> bool:
    return _state["interrupted"]
