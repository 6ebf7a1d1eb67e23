"""What a source's files hold, as one digest that keys the prepared artifact.

The digest covers every file's relative path, size and sha256, so an edited label in samples.csv or a
clip rewritten with other values of the same size gives a new key. Hashing NTU-120 (~114k files) on
every run would cost minutes, so, as DVC does, each file's hash is remembered in a small cache with its
size, mtime and inode (in the store, `file-hashes.json`) and recomputed only when one of those changed.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from pipeline.errors import PipelineError

CACHE_SCHEMA = "zssar-file-hashes/1"
# A file changed within this long of being hashed may change again within one mtime tick, unseen; its
# hash is not remembered (git's "racily clean" rule).
RACY_NS = 2_000_000_000


def _load_cache(path: Path | None) -> dict[str, list]:
    if path is None or not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}  # a damaged cache only costs rehashing
    return data.get("files", {}) if isinstance(data, dict) and data.get("schema") == CACHE_SCHEMA else {}


def _save_cache(path: Path, files: dict[str, list]) -> None:
    from pipeline.store.atomic import write_text

    try:
        write_text(path, json.dumps({"schema": CACHE_SCHEMA, "files": files}))
    except OSError:
        pass  # the cache is an optimisation: a read-only or full store still prepares correctly


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return digest.hexdigest()


def source_fingerprint(root: Path, cache: Path | None = None, skip: tuple[str, ...] = ()) -> dict[str, object]:
    """Files, bytes and a content digest of every file under `root` (or of `root` itself); top-level
    names in `skip` are left out. `cache` is the JSON file that remembers hashes between runs."""
    if not root.exists():
        raise PipelineError(f"{root}: --source does not exist")
    files = (
        [root]
        if root.is_file()
        else sorted(p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in skip)
    )
    known = _load_cache(cache)
    changed = False
    digest = hashlib.sha256()
    total = 0
    for path in files:
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        name = str(path.resolve())
        entry = known.get(name)
        if entry is None or entry[:3] != stamp:
            entry = [*stamp, _sha256(path)]
            if time.time_ns() - stat.st_mtime_ns > RACY_NS:
                known[name] = entry
                changed = True
        total += stat.st_size
        rel = path.relative_to(root).as_posix() if path != root else path.name
        digest.update(f"{rel}\t{stat.st_size}\t{entry[3]}\n".encode())
    if cache is not None and changed:
        _save_cache(cache, known)
    return {"files": len(files), "bytes": total, "digest": digest.hexdigest(), "content": "sha256"}
