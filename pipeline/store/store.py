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

from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.store.atomic import atomic_dir, write_text

META = "meta.json"
MANIFEST = "manifest.json"


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
        return (self.path(kind, key) / META).is_file()

    def meta(self, kind: str, key: str) -> dict[str, Any]:
        file = self.path(kind, key) / META
        if not file.is_file():
            raise MissingArtifactError(f"{file}: no {kind} artifact with key {key}")
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise PipelineError(f"{file}: corrupt artifact metadata: {exc}") from None

    def file(self, kind: str, key: str, name: str) -> Path:
        """Path of one file of an existing artifact, with a clear error when it is missing."""
        path = self.path(kind, key) / name
        if not self.has(kind, key) or not path.is_file():
            raise MissingArtifactError(f"{path}: missing from the store ({kind} {key})")
        return path

    @contextlib.contextmanager
    def writer(
        self,
        kind: str,
        key: str,
        spec: dict[str, Any],
        info: dict[str, Any] | None = None,
    ) -> Iterator[Path]:
        """Yield a temp folder for the artifact's files; on success seal it with meta.json and index it."""
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
        ref = json.loads(file.read_text(encoding="utf-8"))
        return (ref["kind"], ref["key"]) if self.has(ref["kind"], ref["key"]) else None

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
