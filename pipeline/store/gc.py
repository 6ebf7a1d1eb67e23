"""Garbage collection: leftover temp folders and artifacts that no ref reaches go."""

from __future__ import annotations

import datetime as _dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.console import warn
from pipeline.store.reach import reachable
from pipeline.store.store import Store

GC_GRACE_S = 3600.0


@dataclass
class Collected:
    """What gc removed."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0


def collect_garbage(store: Store, grace_s: float = GC_GRACE_S) -> Collected:
    """Remove leftover temp folders and artifacts no ref reaches; spare anything younger than `grace_s`.

    The grace period keeps gc safe beside running stages: a writer's temp folder, or an artifact just
    sealed whose ref is not set yet, is left alone.
    """
    objects = store.root / "objects"
    out = Collected()
    now = time.time()
    for tmp in sorted([*objects.glob(".*.tmp"), *objects.glob("*/.*.tmp")]):
        if now - _newest_mtime(tmp) >= grace_s:
            out.bytes += _remove(tmp)
            out.removed.append(str(tmp))
    entries = store.entries()
    refs = store.refs()
    if entries and not refs:
        warn(f"{store.root / 'refs'}: no refs, so every artifact looks unreachable; kept them all")
    elif entries:
        specs = {(m["kind"], m["key"]): m.get("spec") for m in entries}
        keep = set(reachable(refs.values(), specs, specs.__getitem__))
        for meta in entries:
            item = (meta["kind"], meta["key"])
            if item not in keep and now - _created(meta) >= grace_s:
                out.bytes += _remove(store.path(*item))
                out.removed.append(f"{item[0]} {item[1]}")
    store.rebuild_manifest()
    return out


def _newest_mtime(path: Path) -> float:
    """When anything in a temp folder last changed: a writer still filling it keeps it young."""
    inside = path.rglob("*") if path.is_dir() else []
    return max([path.stat().st_mtime, *(p.stat().st_mtime for p in inside)])


def _created(meta: dict[str, Any]) -> float:
    try:
        return _dt.datetime.fromisoformat(meta["created"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0


def _remove(path: Path) -> int:
    """Delete a file or folder; return the bytes it held."""
    if path.is_dir():
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        shutil.rmtree(path, ignore_errors=True)
        return size
    size = path.stat().st_size
    path.unlink(missing_ok=True)
    return size
