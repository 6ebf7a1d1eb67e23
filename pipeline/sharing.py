"""`zssar cache`: list, verify, clean and share the artifact store with other teams.

A remote (pipeline/remote.py) holds the same artifacts as the local store, stored by content: pushing
uploads each file once under its sha256 and the artifact's meta.json as its record; pulling downloads,
checks every byte against the recorded sha256 and seals the artifact locally only when all of it is
right. An artifact references another when a string in its spec equals the other's key; gc keeps
whatever a ref reaches through such references, and pulling one artifact brings what it references.
"""

from __future__ import annotations

import datetime as _dt
import json
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.atomic import atomic_dir
from pipeline.config import Config
from pipeline.console import info, summary, track, warn
from pipeline.errors import PipelineError
from pipeline.remote import SHA256, Remote, manifest_row
from pipeline.store import META, Store, file_sha256

GC_GRACE_S = 3600.0
Artifact = tuple[str, str]   # (kind, key)


class _Bad(Exception):
    """One artifact cannot be pushed or pulled; the message names the file and the problem."""


@dataclass
class Transfer:
    """What a push or pull did, for the summary line and for callers."""

    artifacts: int = 0
    unchanged: int = 0
    blobs: int = 0
    bytes: int = 0
    refs: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Collected:
    """What gc removed."""

    removed: list[str] = field(default_factory=list)
    bytes: int = 0


def references(spec: Any) -> set[str]:
    """Every string anywhere in a spec; those equal to an artifact's key are references to it."""
    if isinstance(spec, str):
        return {spec}
    if isinstance(spec, dict):
        return set().union(*(references(v) for v in spec.values()))
    if isinstance(spec, (list, tuple)):
        return set().union(*(references(v) for v in spec))
    return set()


def reachable(roots: Iterable[Artifact], present: Iterable[Artifact],
              spec_of: Callable[[Artifact], Any]) -> list[Artifact]:
    """The present artifacts the roots reach through spec references, roots first; reads only those specs."""
    by_key = {key: (kind, key) for kind, key in present}
    seen: list[Artifact] = []
    todo = [r for r in roots if by_key.get(r[1]) == r]
    while todo:
        item = todo.pop(0)
        if item in seen:
            continue
        seen.append(item)
        todo.extend(by_key[s] for s in sorted(references(spec_of(item))) if s in by_key)
    return seen


def list_artifacts(cfg: Config, kind: str | None = None, remote: str | None = None) -> list[dict[str, Any]]:
    """Print the store's (or a remote's) artifacts as a table; return their manifest rows."""
    if remote is None:
        store = Store(cfg.store)
        rows, refs, where = [manifest_row(m) for m in store.entries(kind)], store.refs(), str(store.root)
    else:
        rem = Remote(remote)
        try:
            rows = [r for r in rem.manifest() if kind is None or r.get("kind") == kind]
            refs = rem.refs()
        except OSError as exc:
            raise PipelineError(f"remote {remote}: cannot read it: {exc}") from None
        where = rem.url
    names: dict[Artifact, list[str]] = {}
    for name, target in refs.items():
        names.setdefault(target, []).append(name)
    rows = sorted(rows, key=lambda r: r.get("created") or "", reverse=True)
    rows = sorted(rows, key=lambda r: r.get("kind") or "")

    from rich.console import Console
    from rich.table import Table

    cells = [(str(r.get("kind")), str(r.get("key")), human_bytes(r.get("bytes") or 0),
              str(r.get("created") or "")[:16].replace("T", " "),
              ", ".join(names.get((r.get("kind"), r.get("key")), [])), short_spec(r.get("spec"))) for r in rows]
    table = Table(title=f"{where}: {len(rows)} artifacts")
    for i, column in enumerate(("kind", "key", "size", "created", "refs", "spec")):
        fixed = column in ("key", "size")   # never folded: keys are copied from here
        table.add_column(column, justify="right" if column == "size" else "left", overflow="fold", no_wrap=fixed,
                         min_width=max([len(column), *(len(c[i]) for c in cells)]) if fixed else None)
    for row in cells:
        table.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 160).print(table)   # piped: keep rows whole
    summary(f"cache ls: {len(rows)} artifacts, {human_bytes(sum(r.get('bytes') or 0 for r in rows))} in {where}")
    return rows


def short_spec(spec: Any, width: int = 60) -> str:
    """The spec's top-level values on one line; nested sections shown as {...}, keys shortened."""
    if not isinstance(spec, dict):
        return "" if spec is None else str(spec)[:width]
    parts = []
    for name, value in spec.items():
        if isinstance(value, dict):
            value = "{...}"
        elif isinstance(value, (list, tuple)):
            value = f"[{len(value)}]"
        elif isinstance(value, str) and len(value) >= 32:
            value = value[:8] + "…"
        parts.append(f"{name}={value}")
    text = ", ".join(parts)
    return text if len(text) <= width else text[:width - 1] + "…"


def human_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = float(n)
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            break
    return f"{size:.1f} {unit}"


def _check_artifact(folder: Path, meta: dict[str, Any]) -> list[str]:
    """Every way the files of a sealed artifact differ from its meta.json."""
    problems = []
    files = meta.get("files") or {}
    for name, f in files.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.stat().st_size != f["bytes"]:
            problems.append(f"{path}: {path.stat().st_size} bytes, meta.json says {f['bytes']} (truncated or changed)")
        elif file_sha256(path) != f["sha256"]:
            problems.append(f"{path}: sha256 differs from meta.json (changed after sealing)")
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != META and name not in files:
            problems.append(f"{path}: not in meta.json (added after sealing)")
    return problems


def verify_store(cfg: Config, remote: str | None = None) -> None:
    """Check every cached file (or every remote object) against its recorded sha256; fail listing bad ones."""
    if remote is not None:
        _verify_remote(Remote(remote))
        return
    store = Store(cfg.store)
    problems: list[str] = []
    artifacts = files = 0
    folders = sorted(p for p in (store.root / "objects").glob("*/*") if p.is_dir() and not p.name.startswith("."))
    for folder in track(folders, "verify"):
        try:
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
        except FileNotFoundError:
            problems.append(f"{folder}: no {META} (unsealed or damaged artifact)")
            continue
        except (OSError, json.JSONDecodeError) as exc:
            problems.append(f"{folder / META}: unreadable: {exc}")
            continue
        artifacts += 1
        files += len(meta.get("files") or {})
        problems += _check_artifact(folder, meta)
    if problems:
        raise PipelineError(f"{store.root}: {len(problems)} bad files:\n  " + "\n  ".join(problems))
    summary(f"cache verify: {artifacts} artifacts, {files} files in {store.root}: all match their sha256")


def _verify_remote(rem: Remote) -> None:
    problems: list[str] = []
    checked: dict[str, str | None] = {}
    try:
        records = rem.records()
        for kind, key in track(records, "verify remote"):
            try:
                files = _check_record(rem, rem.record(kind, key), kind, key)
            except _Bad as exc:
                problems.append(str(exc))
                continue
            for name, f in files.items():
                sha = f["sha256"]
                if sha not in checked:
                    checked[sha] = _blob_problem(rem, sha, f["bytes"])
                if checked[sha]:
                    problems.append(f"{rem.name(rem.blob_rel(sha))}: {checked[sha]} (file {name} of {kind} {key})")
        indexed = {(r.get("kind"), r.get("key")) for r in rem.read_json("manifest.json") or [] if isinstance(r, dict)}
    except OSError as exc:
        raise PipelineError(f"remote {rem.url}: cannot read it: {exc}") from None
    if missing := set(records) - indexed:
        warn(f"{rem.name('manifest.json')}: lacks {len(missing)} of {len(records)} records "
             "(a push was interrupted; the next push rebuilds it)")
    if problems:
        raise PipelineError(f"{rem.url}: {len(problems)} bad objects:\n  " + "\n  ".join(problems))
    summary(f"cache verify: {len(records)} artifacts, {len(checked)} objects on {rem.url}: all match their sha256")


def _blob_problem(rem: Remote, sha: str, size: int, dest: Path | None = None) -> str | None:
    """Why a remote blob is unusable (missing, wrong size, wrong hash), or None when it is right."""
    try:
        digest, got = rem.read_blob(sha, dest)
    except FileNotFoundError:
        return "missing"
    if got != size:
        return f"{got} bytes, expected {size} (truncated or corrupt)"
    if digest != sha:
        return "sha256 does not match its name (corrupt)"
    return None


def _check_record(rem: Remote, record: Any, kind: str, key: str) -> dict[str, dict[str, Any]]:
    """The record's files, after checking it is one and names only safe relative paths."""
    where = rem.name(rem.record_rel(kind, key))
    if record is None:
        raise _Bad(f"{where}: missing")
    if not isinstance(record, dict) or record.get("kind") != kind or record.get("key") != key:
        raise _Bad(f"{where}: not the record of {kind} {key}")
    files = record.get("files")
    if not isinstance(files, dict):
        raise _Bad(f"{where}: has no files mapping")
    for name, f in files.items():
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or name == META:
            raise _Bad(f"{where}: unsafe file name {name!r}")
        if not (isinstance(f, dict) and isinstance(f.get("sha256"), str) and SHA256.fullmatch(f["sha256"])
                and isinstance(f.get("bytes"), int) and f["bytes"] >= 0):
            raise _Bad(f"{where}: bad entry for file {name!r}")
    return files


def push(cfg: Config, remote: str) -> Transfer:
    """Upload every sealed artifact (blobs first, record last) and the refs; rebuild the remote manifest."""
    store, rem = Store(cfg.store), Remote(remote)
    done = Transfer()
    try:
        blobs = rem.blobs()
        records = set(rem.records())
        for meta in track(store.entries()[::-1], "push"):   # oldest first: inputs before what uses them
            kind, key = meta["kind"], meta["key"]
            try:
                if _push_artifact(store, rem, meta, blobs, records, done):
                    done.artifacts += 1
                else:
                    done.unchanged += 1
            except _Bad as exc:
                done.problems.append(str(exc))
                continue
            records.add((kind, key))
        remote_refs = rem.refs()
        for name, target in store.refs().items():
            if target in records and remote_refs.get(name) != target:
                rem.write_ref(name, *target)
                done.refs += 1
        rem.refresh_manifest()
    except OSError as exc:
        raise PipelineError(f"remote {remote}: cannot write to it: {exc}") from None
    summary(f"cache push: {done.artifacts} artifacts pushed ({done.blobs} objects, {human_bytes(done.bytes)}), "
            f"{done.unchanged} already there, {done.refs} refs updated -> {rem.url}")
    if done.problems:
        raise PipelineError(f"{len(done.problems)} artifacts not pushed:\n  " + "\n  ".join(done.problems))
    return done


def _push_artifact(store: Store, rem: Remote, meta: dict[str, Any], blobs: dict[str, int],
                   records: set[Artifact], done: Transfer) -> bool:
    """Upload the blobs the remote lacks, then the record; False when the remote already had it all."""
    kind, key = meta["kind"], meta["key"]
    files = meta.get("files") or {}
    if (kind, key) in records:
        theirs = rem.record(kind, key) or {}
        if {n: f.get("sha256") for n, f in (theirs.get("files") or {}).items()} != {
                n: f["sha256"] for n, f in files.items()}:
            warn(f"{rem.name(rem.record_rel(kind, key))}: the remote holds a different build of {kind} {key}; "
                 "kept the remote's (pull to use it here)")
            return False
    uploaded = False
    for name, f in files.items():
        sha = f["sha256"]
        if blobs.get(sha) == f["bytes"]:
            continue
        path = store.path(kind, key) / name
        if not path.is_file() or path.stat().st_size != f["bytes"] or file_sha256(path) != sha:
            raise _Bad(f"{path}: does not match its {META} (see `zssar cache verify`); {kind} {key} not pushed")
        rem.put_blob(path, sha)
        blobs[sha] = f["bytes"]
        done.blobs += 1
        done.bytes += f["bytes"]
        uploaded = True
    if (kind, key) not in records:
        rem.write_record(meta)
        return True
    return uploaded


def pull(cfg: Config, remote: str) -> Transfer:
    """Download every remote artifact that is missing or differs here, checking each object's sha256."""
    store, rem = Store(cfg.store), Remote(remote)
    try:
        if not rem.exists():
            raise PipelineError(f"remote {remote}: not found (nothing was ever pushed there?)")
        done = _pull(store, rem, rem.records())
    except OSError as exc:
        raise PipelineError(f"remote {remote}: cannot read it: {exc}") from None
    summary(f"cache pull: {done.artifacts} artifacts pulled ({done.blobs} objects, {human_bytes(done.bytes)}), "
            f"{done.unchanged} already here, {done.refs} refs added <- {rem.url}")
    if done.problems:
        raise PipelineError(f"{len(done.problems)} artifacts not pulled (nothing of them installed):\n  "
                            + "\n  ".join(done.problems))
    return done


def pull_if_configured(cfg: Config, kind: str, key: str) -> bool:
    """Before computing an artifact: fetch it (and what it references) from cfg.remote when that has it.

    True when the artifact is now in the local store. A remote that is unreachable or holds a corrupt
    copy only costs a warning: the caller computes the artifact itself.
    """
    store = Store(cfg.store)
    if store.has(kind, key) or not cfg.remote:
        return store.has(kind, key)
    try:
        rem = Remote(cfg.remote)
        if rem.record(kind, key) is None:
            return False
        wanted = reachable([(kind, key)], rem.records(), lambda item: (rem.record(*item) or {}).get("spec"))
        done = _pull(store, rem, wanted)
    except (PipelineError, OSError) as exc:
        warn(f"remote {cfg.remote}: could not pull {kind} {key}: {exc}")
        return store.has(kind, key)
    for problem in done.problems:
        warn(problem)
    if done.artifacts:
        info(f"pulled {done.artifacts} artifacts ({human_bytes(done.bytes)}) for {kind} {key} from {rem.url}")
    return store.has(kind, key)


def _pull(store: Store, rem: Remote, wanted: Iterable[Artifact]) -> Transfer:
    done = Transfer()
    for kind, key in track(list(wanted), "pull"):
        try:
            record = rem.record(kind, key)
            files = _check_record(rem, record, kind, key)
            if _matches(store, kind, key, files):
                done.unchanged += 1
                continue
            _install(store, rem, record, files, done)
            done.artifacts += 1
        except _Bad as exc:
            done.problems.append(str(exc))
    for name, (kind, key) in rem.refs().items():
        if store.has(kind, key) and store.get_ref(name) is None:
            store.set_ref(name, kind, key)
            done.refs += 1
    store.rebuild_manifest()
    return done


def _matches(store: Store, kind: str, key: str, files: dict[str, dict[str, Any]]) -> bool:
    """Whether the local copy holds exactly the remote's files, by their actual hash."""
    if not store.has(kind, key):
        return False
    folder = store.path(kind, key)
    for name, f in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != f["bytes"] or file_sha256(path) != f["sha256"]:
            return False
    return True


def _install(store: Store, rem: Remote, record: dict[str, Any], files: dict[str, dict[str, Any]],
             done: Transfer) -> None:
    """Download into a temp folder, check every object, and seal it with the remote's meta.json."""
    kind, key = record["kind"], record["key"]
    with atomic_dir(store.path(kind, key)) as tmp:
        for name, f in files.items():
            dest = tmp / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            problem = _blob_problem(rem, f["sha256"], f["bytes"], dest)
            if problem:
                raise _Bad(f"{rem.name(rem.blob_rel(f['sha256']))}: {problem} (file {name} of {kind} {key}); "
                           "not installed")
            done.blobs += 1
            done.bytes += f["bytes"]
        (tmp / META).write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")


def collect_garbage(cfg: Config, grace_s: float = GC_GRACE_S) -> Collected:
    """Remove leftover temp folders and artifacts no ref reaches; spare anything younger than `grace_s`.

    The grace period keeps gc safe beside running stages: a writer's temp folder, or an artifact just
    sealed whose ref is not set yet, is left alone.
    """
    store = Store(cfg.store)
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
    for item in out.removed:
        info(f"removed {item}")
    summary(f"cache gc: removed {len(out.removed)} items, freed {human_bytes(out.bytes)} in {store.root}")
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
