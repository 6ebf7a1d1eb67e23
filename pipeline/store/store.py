"""Content-addressed artifact store (docs/architecture.md, "The store").

An artifact is a folder `objects/<kind>/<key>/` of files plus `meta.json`, where the key is a hash of
everything that determines the artifact (input hashes, code-relevant config, model names, seed). The
folder is built under a temp name and renamed into place, and `meta.json` (with every file's sha256 and
size) is written inside it, so an artifact either exists whole or not at all. `manifest.json` at the
store root is an index rebuilt from the `meta.json` files, so concurrent writers never lose entries.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.console import warn
from pipeline.errors import DamagedArtifactError, MissingArtifactError, PipelineError
from pipeline.store.atomic import atomic_dir, write_text

META = "meta.json"
MANIFEST = "manifest.json"
HASH_LIMIT = 64 << 20  # files up to this size are hashed before use; larger ones (NTU arrays) checked by size


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def hash_spec(kind: str, spec: dict[str, Any]) -> str:
    """The key of an artifact: sha256 over its kind and the canonical JSON of what determines it."""
    return hashlib.sha256(canonical_json({"kind": kind, **spec}).encode()).hexdigest()[:32]


def file_sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_HASHED: dict[tuple[str, int, int], str] = {}


def _hash_once(path: Path, stat: os.stat_result) -> str:
    """sha256 of a file version (path, size, mtime), computed once per process."""
    version = (str(path), stat.st_size, stat.st_mtime_ns)
    if version not in _HASHED:
        _HASHED[version] = file_sha256(path)
    return _HASHED[version]


def file_problem(
    path: Path, size: int | None, sha256: str | None, hash_limit: int | None = None, remember: bool = False
) -> str | None:
    """Why a local file is not the recorded one (missing, wrong size, wrong hash), or None when it is. The
    hash is read only when `sha256` is given and the file is at most `hash_limit` bytes (no limit: always);
    with `remember`, once per process and file version (path, size, mtime), which a rewrite within one tick
    of the file system's clock can fool: the cache-hit check takes that risk, verify, push and pull never."""
    try:
        stat = path.stat()
    except OSError:
        return "missing"
    if stat.st_size != size:
        return f"{stat.st_size} bytes, its record says {size} (truncated or changed)"
    if (
        sha256 is not None
        and (hash_limit is None or stat.st_size <= hash_limit)
        and _hash_once(path, stat) != sha256
    ):
        return "sha256 differs from its record (changed after sealing)"
    return None


def manifest_row(meta: dict[str, Any]) -> dict[str, Any]:
    """What a manifest (local or remote) keeps of an artifact's meta.json: everything but file sizes."""
    return {k: meta.get(k) for k in ("kind", "key", "created", "spec", "info", "bytes")} | {
        "files": {name: f["sha256"] for name, f in meta.get("files", {}).items()}
    }


class Store:
    """A directory of artifacts keyed by content; every stage reads and writes through it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path(self, kind: str, key: str) -> Path:
        return self.root / "objects" / kind / key

    def has(self, kind: str, key: str) -> bool:
        """Whether the artifact is here whole: sealed, every file of its recorded size, and every file up to
        HASH_LIMIT bytes of its recorded sha256 (hashed once per process and file version). A damaged
        artifact is not had, so the stage that makes it rebuilds or re-pulls it instead of trusting it."""
        return self.problems(kind, key) == []

    def problems(self, kind: str, key: str) -> list[str] | None:
        """How the artifact's files differ from its meta.json (empty when whole); None when it is not sealed."""
        file = self.path(kind, key) / META
        try:
            files = json.loads(file.read_text(encoding="utf-8")).get("files") or {}
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError) as exc:
            return [f"{file}: unreadable ({exc})"]
        out = []
        for name, f in files.items():
            path = self.path(kind, key) / name
            if problem := file_problem(path, f.get("bytes"), f.get("sha256"), HASH_LIMIT, remember=True):
                out.append(f"{path}: {problem}")
        return out

    def meta(self, kind: str, key: str) -> dict[str, Any]:
        file = self.path(kind, key) / META
        if not file.is_file():
            raise MissingArtifactError(f"{file}: no {kind} artifact with key {key}")
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PipelineError(f"{file}: corrupt artifact metadata: {exc}") from None

    def file(self, kind: str, key: str, name: str) -> Path:
        """Path of one file of a whole artifact, with a clear error when it is missing or damaged."""
        self.require(kind, key)
        path = self.path(kind, key) / name
        if not path.is_file():
            raise MissingArtifactError(f"{path}: missing from the store ({kind} {key})")
        return path

    def require(self, kind: str, key: str) -> None:
        """Refuse to read a damaged artifact: the error names the bad files and how to get it whole again."""
        problems = self.problems(kind, key)
        if problems is None:
            raise MissingArtifactError(f"{self.path(kind, key) / META}: no {kind} artifact with key {key}")
        if problems:
            raise DamagedArtifactError(
                f"{kind} {key} is damaged ({'; '.join(problems[:3])}); re-run the stage that "
                f"makes it (it rebuilds it) or `zssar cache pull REMOTE`"
            )

    @contextlib.contextmanager
    def writer(
        self,
        kind: str,
        key: str,
        spec: dict[str, Any],
        info: dict[str, Any] | None = None,
    ) -> Iterator[Path]:
        """Yield a temp folder for the artifact's files; on success seal it with meta.json and index it."""
        if damaged := self.problems(kind, key):
            warn(f"{self.path(kind, key)}: damaged ({damaged[0]}); rebuilding it")
        target = self.path(kind, key)
        with atomic_dir(target) as tmp:
            yield tmp
            files = {
                str(p.relative_to(tmp)): {"sha256": file_sha256(p), "bytes": p.stat().st_size}
                for p in sorted(tmp.rglob("*"))
                if p.is_file()
            }
            meta = {
                "kind": kind,
                "key": key,
                "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "spec": spec,
                "info": info or {},
                "files": files,
                "bytes": sum(f["bytes"] for f in files.values()),
            }
            (tmp / META).write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        self.rebuild_manifest()

    def entries(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Metadata of every sealed artifact (of one kind), newest first."""
        base = self.root / "objects"
        pattern = f"{kind}/*/{META}" if kind else f"*/*/{META}"
        out = []
        for file in base.glob(pattern):
            try:
                out.append(json.loads(file.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        return sorted(out, key=lambda m: m.get("created", ""), reverse=True)

    def rebuild_manifest(self) -> None:
        rows = [manifest_row(m) for m in self.entries()]
        write_text(self.root / MANIFEST, json.dumps(rows, indent=1, default=str))

    def set_ref(self, name: str, kind: str, key: str) -> None:
        """Point a readable name (e.g. `features/synthetic60/55_5`) at an artifact, like a git ref."""
        write_text(self.root / "refs" / f"{name}.json", canonical_json({"kind": kind, "key": key}))

    def get_ref(self, name: str) -> tuple[str, str] | None:
        file = self.root / "refs" / f"{name}.json"
        if not file.is_file():
            return None
        try:
            ref = json.loads(file.read_text(encoding="utf-8"))
            kind, key = ref["kind"], ref["key"]
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
            warn(f"{file}: unreadable ref ({exc}); ignored (the stage that sets it writes it again)")
            return None
        return (kind, key) if (self.path(kind, key) / META).is_file() else None  # damaged: its reader says so

    def refs(self) -> dict[str, tuple[str, str]]:
        """Every readable ref, name -> (kind, key), whether or not its artifact is still present."""
        base = self.root / "refs"
        out = {}
        for file in sorted(base.rglob("*.json")):
            try:
                ref = json.loads(file.read_text(encoding="utf-8"))
                out[file.relative_to(base).with_suffix("").as_posix()] = (ref["kind"], ref["key"])
            except (OSError, json.JSONDecodeError, KeyError, TypeError):
                continue
        return out
