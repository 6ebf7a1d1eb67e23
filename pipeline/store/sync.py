"""Push and pull: the local store and a remote (pipeline/store/remote.py) hold the same artifacts.

Pushing uploads each file once under its sha256 and the artifact's meta.json as its record, and
re-uploads what the remote holds damaged: a missing or wrong-sized object always, an object whose bytes
no longer match its name where reading it back is cheap (a local remote) or asked for (`verify`), and a
record that is missing or unreadable. Pulling downloads, checks every byte against the recorded sha256
and seals the artifact locally only when all of it is right. `repair_remote` re-uploads every damaged
object a verification found, from the local copies that are intact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.console import human_bytes, info, track, warn
from pipeline.errors import PipelineError
from pipeline.store.atomic import atomic_dir
from pipeline.store.reach import Artifact, reachable
from pipeline.store.remote import Remote
from pipeline.store.store import META, Store, file_problem
from pipeline.store.verify import BadArtifact, blob_problem, read_record, record_files


@dataclass
class Transfer:
    """What a push or pull did, for the summary line and for callers."""

    artifacts: int = 0
    unchanged: int = 0
    blobs: int = 0
    bytes: int = 0
    refs: int = 0
    repaired: list[str] = field(default_factory=list)  # remote objects replaced because they were damaged
    problems: list[str] = field(default_factory=list)


def push(store: Store, rem: Remote, verify: bool | None = None) -> Transfer:
    """Upload every sealed artifact (blobs first, record last) and the refs; rebuild the remote manifest.
    `verify` reads every remote object back to check its hash (default: only on a local remote)."""
    done = Transfer()
    check_hash = rem.local if verify is None else verify
    try:
        blobs = rem.blobs()
        records = set(rem.records())
        good: set[str] = set()  # objects read back and found right in this push
        for meta in track(store.entries()[::-1], "push"):  # oldest first: inputs before what uses them
            kind, key = meta["kind"], meta["key"]
            try:
                if _push_artifact(store, rem, meta, blobs, records, done, good if check_hash else None):
                    done.artifacts += 1
                else:
                    done.unchanged += 1
            except BadArtifact as exc:
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
        raise PipelineError(f"remote {rem.url}: cannot write to it: {exc}") from None
    return done


def _push_artifact(
    store: Store,
    rem: Remote,
    meta: dict[str, Any],
    blobs: dict[str, int],
    records: set[Artifact],
    done: Transfer,
    good: set[str] | None,
) -> bool:
    """Upload the blobs the remote lacks or holds damaged (hashes read back when `good` is given, the
    set of objects already found right), then the record; False when the remote already had it all."""
    kind, key = meta["kind"], meta["key"]
    files = meta.get("files") or {}
    record_ok = False
    if (kind, key) in records:
        try:
            theirs = rem.record(kind, key)
        except PipelineError:  # unreadable: rewritten below
            theirs = None
        if isinstance(theirs, dict) and isinstance(theirs.get("files"), dict):
            record_ok = True
            if {n: f.get("sha256") if isinstance(f, dict) else None for n, f in theirs["files"].items()} != {
                n: f["sha256"] for n, f in files.items()
            }:
                warn(
                    f"{rem.name(rem.record_rel(kind, key))}: the remote holds a different build of {kind} {key}; "
                    "kept the remote's (pull to use it here)"
                )
                return False
    uploaded = False
    for name, f in files.items():
        sha = f["sha256"]
        present = sha in blobs
        if blobs.get(sha) == f["bytes"] and (
            good is None or sha in good or blob_problem(rem, sha, f["bytes"]) is None
        ):
            if good is not None:
                good.add(sha)
            continue
        path = store.path(kind, key) / name
        if problem := file_problem(path, f["bytes"], sha):
            raise BadArtifact(f"{path}: {problem} (see `zssar cache verify`); {kind} {key} not pushed")
        rem.put_blob(path, sha)
        if present:
            done.repaired.append(rem.name(rem.blob_rel(sha)))
        blobs[sha] = f["bytes"]
        if good is not None:
            good.add(sha)
        done.blobs += 1
        done.bytes += f["bytes"]
        uploaded = True
    if not record_ok:
        if (kind, key) in records:
            done.repaired.append(rem.name(rem.record_rel(kind, key)))
        rem.write_record(meta)
        return True
    return uploaded


def repair_remote(store: Store, rem: Remote, bad_blobs: set[str], bad_records: set[Artifact]) -> Transfer:
    """Re-upload the damaged objects and records a verification named, from local copies that are intact;
    what the local store cannot supply stays in `problems`."""
    done = Transfer()
    sources: dict[str, tuple[Any, int]] = {}
    metas = {(m["kind"], m["key"]): m for m in store.entries()}
    for (kind, key), meta in metas.items():
        for name, f in (meta.get("files") or {}).items():
            sources.setdefault(f["sha256"], (store.path(kind, key) / name, f["bytes"]))
    try:
        for sha in sorted(bad_blobs):
            path, size = sources.get(sha, (None, 0))
            if path is None or file_problem(path, size, sha):
                done.problems.append(f"{rem.name(rem.blob_rel(sha))}: no intact copy in {store.root}")
                continue
            rem.put_blob(path, sha)
            done.repaired.append(rem.name(rem.blob_rel(sha)))
            done.blobs += 1
            done.bytes += size
        for kind, key in sorted(bad_records):
            if (kind, key) not in metas:
                done.problems.append(f"{rem.name(rem.record_rel(kind, key))}: {kind} {key} is not in {store.root}")
                continue
            rem.write_record(metas[(kind, key)])
            done.repaired.append(rem.name(rem.record_rel(kind, key)))
        rem.refresh_manifest()
    except OSError as exc:
        raise PipelineError(f"remote {rem.url}: cannot write to it: {exc}") from None
    return done


def pull(store: Store, rem: Remote) -> Transfer:
    """Download every remote artifact that is missing or differs here, checking each object's sha256."""
    try:
        if not rem.exists():
            raise PipelineError(f"remote {rem.url}: not found (nothing was ever pushed there?)")
        return pull_artifacts(store, rem, rem.records())
    except OSError as exc:
        raise PipelineError(f"remote {rem.url}: cannot read it: {exc}") from None


def pull_if_configured(store: Store, remote: str | None, kind: str, key: str) -> bool:
    """Before computing an artifact: fetch it (and what it references) from `remote` when that has it.

    True when the artifact is now in the local store. A remote that is unreachable or holds a corrupt
    copy only costs a warning: the caller computes the artifact itself.
    """
    if store.has(kind, key) or not remote:
        return store.has(kind, key)
    try:
        rem = Remote(remote)
        if rem.record(kind, key) is None:
            return False
        wanted = reachable([(kind, key)], rem.records(), lambda item: (rem.record(*item) or {}).get("spec"))
        done = pull_artifacts(store, rem, wanted)
    except (PipelineError, OSError) as exc:
        warn(f"remote {remote}: could not pull {kind} {key}: {exc}")
        return store.has(kind, key)
    for problem in done.problems:
        warn(problem)
    if done.artifacts:
        info(f"pulled {done.artifacts} artifacts ({human_bytes(done.bytes)}) for {kind} {key} from {rem.url}")
    return store.has(kind, key)


def pull_ref_if_configured(store: Store, remote: str | None, ref: str) -> tuple[str, str] | None:
    """The artifact a ref names: the local ref, else the remote's, pulled with what it references (and the
    ref set here). None when neither has it; a failing remote only costs a warning."""
    local = store.get_ref(ref)
    if (local is not None and store.has(*local)) or not remote:
        return local
    try:
        target = Remote(remote).refs().get(ref)
    except (PipelineError, OSError) as exc:
        warn(f"remote {remote}: could not read ref {ref}: {exc}")
        return None
    if target is None or not pull_if_configured(store, remote, *target):
        return local
    store.set_ref(ref, *target)
    return target


def pull_artifacts(store: Store, rem: Remote, wanted: Iterable[Artifact]) -> Transfer:
    """Install the wanted artifacts that differ here, then the remote's refs to what is now present."""
    done = Transfer()
    for kind, key in track(list(wanted), "pull"):
        try:
            record = read_record(rem, kind, key)
            files = record_files(rem, record, kind, key)
            if _matches(store, kind, key, files):
                done.unchanged += 1
                continue
            _install(store, rem, record, files, done)
            done.artifacts += 1
        except BadArtifact as exc:
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
    return all(file_problem(folder / name, f["bytes"], f["sha256"]) is None for name, f in files.items())


def _install(
    store: Store, rem: Remote, record: dict[str, Any], files: dict[str, dict[str, Any]], done: Transfer
) -> None:
    """Download into a temp folder, check every object, and seal it with the remote's meta.json."""
    kind, key = record["kind"], record["key"]
    with atomic_dir(store.path(kind, key)) as tmp:
        for name, f in files.items():
            dest = tmp / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            problem = blob_problem(rem, f["sha256"], f["bytes"], dest)
            if problem:
                raise BadArtifact(
                    f"{rem.name(rem.blob_rel(f['sha256']))}: {problem} (file {name} of {kind} "
                    f"{key}); not installed"
                )
            done.blobs += 1
            done.bytes += f["bytes"]
        (tmp / META).write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
