"""Checking files against the sha256 and size their artifact recorded, locally and on a remote.

One check per kind of object: `file_problem` (pipeline/store/store.py) for a local file, `blob_problem`
for a remote object, `record_files` for a remote record; verify, push and pull all go through them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.console import track, warn
from pipeline.errors import PipelineError
from pipeline.store.remote import SHA256, Remote
from pipeline.store.store import META, Store, file_problem


class BadArtifact(Exception):
    """One artifact cannot be used, pushed or pulled; the message names the file and the problem."""


@dataclass
class Verified:
    """What a verification looked at, and every problem it found."""

    artifacts: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    bad_blobs: set[str] = field(default_factory=set)  # remote: damaged or missing objects
    bad_records: set[tuple[str, str]] = field(default_factory=set)  # remote: unreadable records


def artifact_problems(folder: Path, meta: dict[str, Any]) -> list[str]:
    """Every way the files of a sealed artifact differ from its meta.json."""
    problems = []
    files = meta.get("files") or {}
    for name, f in files.items():
        if problem := file_problem(folder / name, f["bytes"], f["sha256"]):
            problems.append(f"{folder / name}: {problem}")
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name != META and name not in files:
            problems.append(f"{path}: not in meta.json (added after sealing)")
    return problems


def verify_local(store: Store) -> Verified:
    """Every sealed artifact of the store against its meta.json."""
    out = Verified()
    folders = sorted(p for p in (store.root / "objects").glob("*/*") if p.is_dir() and not p.name.startswith("."))
    for folder in track(folders, "verify"):
        try:
            meta = json.loads((folder / META).read_text(encoding="utf-8"))
        except FileNotFoundError:
            out.problems.append(f"{folder}: no {META} (unsealed or damaged artifact)")
            continue
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            out.problems.append(f"{folder / META}: unreadable: {exc}")
            continue
        out.artifacts += 1
        out.files += len(meta.get("files") or {})
        out.problems += artifact_problems(folder, meta)
    return out


def verify_remote(rem: Remote) -> Verified:
    """Every record of a remote and every object its records name, each object read once."""
    out = Verified()
    checked: dict[str, str | None] = {}
    try:
        records = rem.records()
        for kind, key in track(records, "verify remote"):
            try:
                files = record_files(rem, read_record(rem, kind, key), kind, key)
            except BadArtifact as exc:
                out.problems.append(str(exc))
                out.bad_records.add((kind, key))
                continue
            for name, f in files.items():
                sha = f["sha256"]
                if sha not in checked:
                    checked[sha] = blob_problem(rem, sha, f["bytes"])
                if checked[sha]:
                    out.bad_blobs.add(sha)
                    out.problems.append(
                        f"{rem.name(rem.blob_rel(sha))}: {checked[sha]} (file {name} of {kind} {key})"
                    )
        indexed = {
            (r.get("kind"), r.get("key")) for r in rem.read_json("manifest.json") or [] if isinstance(r, dict)
        }
    except OSError as exc:
        raise PipelineError(f"remote {rem.url}: cannot read it: {exc}") from None
    out.artifacts, out.files = len(records), len(checked)
    if missing := set(records) - indexed:
        warn(
            f"{rem.name('manifest.json')}: lacks {len(missing)} of {len(records)} records "
            "(a push was interrupted; the next push rebuilds it)"
        )
    return out


def read_record(rem: Remote, kind: str, key: str) -> Any:
    """A remote record, or BadArtifact naming it when it is not readable JSON."""
    try:
        return rem.record(kind, key)
    except PipelineError as exc:
        raise BadArtifact(str(exc)) from None


def blob_problem(rem: Remote, sha: str, size: int, dest: Path | None = None) -> str | None:
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


def record_files(rem: Remote, record: Any, kind: str, key: str) -> dict[str, dict[str, Any]]:
    """The record's files, after checking it is one and names only safe relative paths."""
    where = rem.name(rem.record_rel(kind, key))
    if record is None:
        raise BadArtifact(f"{where}: missing")
    if not isinstance(record, dict) or record.get("kind") != kind or record.get("key") != key:
        raise BadArtifact(f"{where}: not the record of {kind} {key}")
    files = record.get("files")
    if not isinstance(files, dict):
        raise BadArtifact(f"{where}: has no files mapping")
    for name, f in files.items():
        parts = PurePosixPath(name).parts
        if not parts or name.startswith("/") or ".." in parts or name == META:
            raise BadArtifact(f"{where}: unsafe file name {name!r}")
        if not (
            isinstance(f, dict)
            and isinstance(f.get("sha256"), str)
            and SHA256.fullmatch(f["sha256"])
            and isinstance(f.get("bytes"), int)
            and f["bytes"] >= 0
        ):
            raise BadArtifact(f"{where}: bad entry for file {name!r}")
    return files
