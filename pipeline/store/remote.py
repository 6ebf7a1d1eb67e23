"""A shared remote store on any fsspec filesystem (a directory, file://, s3://, gs://, ...).

Layout under the remote root:

    objects/<sha256>               file contents named by their hash, shared by every artifact holding them
    artifacts/<kind>/<key>.json    an artifact's record: its meta.json (spec, info, files -> sha256/bytes)
    refs/<name>.json               {"kind", "key"}, as in the local store
    manifest.json                  an index of every record, rebuilt from the records (never the truth)

Every object is written whole: under a temp name renamed into place on a filesystem, by one PUT on an
object store. Writers upload an artifact's blobs before its record, so a record never names a missing
blob, and the manifest is recomputed from the records after each push, so no writer can drop another's
entries. Reading needs no write access.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError
from pipeline.store.store import manifest_row

MANIFEST = "manifest.json"
SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1 << 20


class _Guarded:
    """A filesystem whose backend's own failures (missing credentials, refused requests: botocore and the
    like raise their own types) arrive as PipelineErrors naming the remote; OSErrors, which callers handle
    (a missing object is FileNotFoundError), pass as they are."""

    def __init__(self, fs: Any, url: str) -> None:
        self._fs, self._url = fs, url

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._fs, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except (OSError, PipelineError):
                raise
            except Exception as exc:
                raise PipelineError(f"remote {self._url}: {type(exc).__name__}: {exc}") from None

        return call


class Remote:
    """One remote store: listing, reading and writing its blobs, records, refs and manifest."""

    def __init__(self, url: str) -> None:
        from fsspec.core import url_to_fs

        self.url = url.rstrip("/")
        try:
            fs, root = url_to_fs(self.url, skip_instance_cache=True)
        except (ImportError, ValueError) as exc:
            raise PipelineError(f"remote {url}: cannot open it: {exc}") from None
        self.fs = _Guarded(fs, self.url)
        self.root = root.rstrip("/")
        protocols = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
        self._renames = "file" in protocols

    @property
    def local(self) -> bool:
        """A filesystem remote, where reading every object back to check it costs little."""
        return self._renames

    def name(self, rel: str) -> str:
        """The full name of a remote object, for messages."""
        return f"{self.url}/{rel}"

    @staticmethod
    def blob_rel(sha: str) -> str:
        return f"objects/{sha}"

    @staticmethod
    def record_rel(kind: str, key: str) -> str:
        return f"artifacts/{kind}/{key}.json"

    def _path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def _list(self, folder: str) -> dict[str, int]:
        """Every object under a folder, relative name -> size, fresh from the remote (no listing cache)."""
        self.fs.invalidate_cache()
        base = self._path(folder)
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return {}
        prefix = self.root + "/"
        return {
            path[len(prefix) :] if path.startswith(prefix) else path: int(info.get("size") or 0)
            for path, info in found.items()
            if info.get("type", "file") == "file"
        }

    def exists(self) -> bool:
        self.fs.invalidate_cache()
        return bool(self.fs.exists(self.root))

    def blobs(self) -> dict[str, int]:
        """sha256 -> size of every blob present (temp uploads excluded)."""
        return {
            rel.rsplit("/", 1)[1]: size
            for rel, size in self._list("objects").items()
            if SHA256.fullmatch(rel.rsplit("/", 1)[1])
        }

    def records(self) -> list[tuple[str, str]]:
        """(kind, key) of every artifact record."""
        out = []
        for rel in self._list("artifacts"):
            parts = rel.split("/")
            if len(parts) == 3 and parts[2].endswith(".json") and not parts[2].startswith("."):
                out.append((parts[1], parts[2][: -len(".json")]))
        return sorted(out)

    def read_json(self, rel: str) -> Any | None:
        """A JSON object of the remote, or None when it does not exist."""
        try:
            data = self.fs.cat_file(self._path(rel))
        except FileNotFoundError:
            return None
        try:
            return json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PipelineError(f"{self.name(rel)}: not valid JSON: {exc}") from None

    def record(self, kind: str, key: str) -> dict[str, Any] | None:
        return self.read_json(self.record_rel(kind, key))

    def refs(self) -> dict[str, tuple[str, str]]:
        """Every readable ref, name -> (kind, key)."""
        out = {}
        for rel in sorted(self._list("refs")):
            if not rel.endswith(".json") or rel.rsplit("/", 1)[1].startswith("."):
                continue
            try:
                ref = self.read_json(rel)
                out[rel[len("refs/") : -len(".json")]] = (ref["kind"], ref["key"])
            except (PipelineError, KeyError, TypeError):
                continue
        return out

    def manifest(self) -> list[dict[str, Any]]:
        """The manifest's rows; when there is none yet, computed from the records without writing it."""
        rows = self.read_json(MANIFEST)
        if isinstance(rows, list):
            return rows
        return [manifest_row(rec) for kind, key in self.records() if (rec := self.record(kind, key))]

    def put_blob(self, local: Path, sha: str) -> None:
        self._put(self.blob_rel(sha), local=local)

    def write_record(self, meta: dict[str, Any]) -> None:
        self._put(self.record_rel(meta["kind"], meta["key"]), data=_json_bytes(meta))

    def write_ref(self, name: str, kind: str, key: str) -> None:
        self._put(f"refs/{name}.json", data=_json_bytes({"kind": kind, "key": key}))

    def _put(self, rel: str, local: Path | None = None, data: bytes | None = None) -> None:
        """Write one object whole: a temp name renamed into place, or one PUT where renames do not exist."""
        target = self._path(rel)
        if not self._renames:
            self._upload(target, local, data)
            return
        parent, base = target.rsplit("/", 1)
        self.fs.makedirs(parent, exist_ok=True)
        tmp = f"{parent}/.{base}.{uuid.uuid4().hex}.tmp"
        try:
            self._upload(tmp, local, data)
            self.fs.mv(tmp, target)
        finally:
            if self.fs.exists(tmp):
                self.fs.rm_file(tmp)

    def _upload(self, path: str, local: Path | None, data: bytes | None) -> None:
        if local is not None:
            self.fs.put_file(str(local), path)
        else:
            self.fs.pipe_file(path, data)

    def read_blob(self, sha: str, dest: Path | None = None) -> tuple[str, int]:
        """Stream a blob (into `dest` when given); return its actual sha256 and size."""
        digest, size = hashlib.sha256(), 0
        with self.fs.open(self._path(self.blob_rel(sha)), "rb") as src:
            out = open(dest, "wb") if dest is not None else None
            try:
                for chunk in iter(lambda: src.read(_CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    if out is not None:
                        out.write(chunk)
            finally:
                if out is not None:
                    out.close()
        return digest.hexdigest(), size

    def refresh_manifest(self, attempts: int = 20) -> list[dict[str, Any]]:
        """Make manifest.json list exactly the records present, re-checking after each write.

        Rows are recomputed from a fresh listing, never merged into an old read, and a writer re-lists
        after writing: whoever writes last has seen every record made before its final check, so
        concurrent pushes cannot lose each other's entries.
        """
        for _ in range(attempts):
            listed = set(self.records())
            current = self.read_json(MANIFEST)
            current = current if isinstance(current, list) else []
            rows = {
                (r.get("kind"), r.get("key")): r
                for r in current
                if isinstance(r, dict) and (r.get("kind"), r.get("key")) in listed
            }
            for kind, key in listed - rows.keys():
                if (rec := self.record(kind, key)) is not None:
                    rows[(kind, key)] = manifest_row(rec)
            wanted = [rows[k] for k in sorted(rows)]
            if wanted == current:
                return wanted
            self._put(MANIFEST, data=_json_bytes(wanted))
        raise PipelineError(
            f"{self.name(MANIFEST)}: still changing after {attempts} rewrites "
            "(other pushes running); push again to refresh it"
        )


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, default=str) + "\n").encode("utf-8")
