"""`zssar cache`: list, verify, clean and share the artifact store with other teams (pipeline/store)."""

from __future__ import annotations

import sys
from typing import Any

from pipeline.config import Config
from pipeline.console import human_bytes, info, literal, summary
from pipeline.errors import PipelineError
from pipeline.store import Store
from pipeline.store.gc import GC_GRACE_S, Collected, collect_garbage
from pipeline.store.reach import Artifact
from pipeline.store.remote import Remote
from pipeline.store.store import manifest_row
from pipeline.store.sync import Transfer, pull, push, repair_remote
from pipeline.store.verify import verify_local, verify_remote


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

    cells = [
        (
            str(r.get("kind")),
            str(r.get("key")),
            human_bytes(r.get("bytes") or 0),
            str(r.get("created") or "")[:16].replace("T", " "),
            ", ".join(names.get((r.get("kind"), r.get("key")), [])),
            short_spec(r.get("spec")),
        )
        for r in rows
    ]
    table = Table(title=literal(f"{where}: {len(rows)} artifacts"))
    for i, column in enumerate(("kind", "key", "size", "created", "refs", "spec")):
        fixed = column in ("key", "size")  # never folded: keys are copied from here
        table.add_column(
            column,
            justify="right" if column == "size" else "left",
            overflow="fold",
            no_wrap=fixed,
            min_width=max([len(column), *(len(c[i]) for c in cells)]) if fixed else None,
        )
    for row in cells:
        table.add_row(*map(literal, row))
    Console(width=None if sys.stdout.isatty() else 160, emoji=False).print(table)  # piped: keep rows whole
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
    return text if len(text) <= width else text[: width - 1] + "…"


def verify_store(cfg: Config, remote: str | None = None, repair: bool = False) -> None:
    """Check every cached file (or every remote object) against its recorded sha256; fail listing bad ones.
    With `repair`, re-upload each bad remote object the local store holds intact, and say so."""
    if remote is not None:
        rem = Remote(remote)
        out = verify_remote(rem)
        if out.problems and repair:
            fixed = repair_remote(Store(cfg.store), rem, out.bad_blobs, out.bad_records)
            for name in fixed.repaired:
                info(f"repaired {name}")
            bad = len(out.bad_blobs) + len(out.bad_records)
            summary(
                f"cache verify --repair: {len(fixed.repaired)} of {bad} bad objects re-uploaded "
                f"from {cfg.store} -> {rem.url}"
            )
            if fixed.problems:
                raise PipelineError(
                    f"{rem.url}: {len(fixed.problems)} bad objects could not be repaired:\n  "
                    + "\n  ".join(fixed.problems)
                )
            out = verify_remote(rem)
        if out.problems:
            raise PipelineError(f"{rem.url}: {len(out.problems)} bad objects:\n  " + "\n  ".join(out.problems))
        summary(
            f"cache verify: {out.artifacts} artifacts, {out.files} objects on {rem.url}: all match their sha256"
        )
        return
    if repair:
        raise PipelineError(
            "cache verify --repair: give the remote to repair (`zssar cache verify REMOTE --repair`); "
            "a local artifact is repaired by `zssar cache pull REMOTE`"
        )
    store = Store(cfg.store)
    out = verify_local(store)
    if out.problems:
        raise PipelineError(f"{store.root}: {len(out.problems)} bad files:\n  " + "\n  ".join(out.problems))
    summary(f"cache verify: {out.artifacts} artifacts, {out.files} files in {store.root}: all match their sha256")


def push_store(cfg: Config, remote: str, verify: bool | None = None) -> Transfer:
    """Upload the store's artifacts and refs to a remote, repairing damaged remote copies on the way."""
    rem = Remote(remote)
    done = push(Store(cfg.store), rem, verify)
    for name in done.repaired:
        info(f"repaired {name}")
    repaired = f", {len(done.repaired)} damaged objects repaired" if done.repaired else ""
    summary(
        f"cache push: {done.artifacts} artifacts pushed ({done.blobs} objects, {human_bytes(done.bytes)}), "
        f"{done.unchanged} already there{repaired}, {done.refs} refs updated -> {rem.url}"
    )
    if done.problems:
        raise PipelineError(f"{len(done.problems)} artifacts not pushed:\n  " + "\n  ".join(done.problems))
    return done


def pull_store(cfg: Config, remote: str) -> Transfer:
    """Download a remote's artifacts and refs into the store."""
    rem = Remote(remote)
    done = pull(Store(cfg.store), rem)
    summary(
        f"cache pull: {done.artifacts} artifacts pulled ({done.blobs} objects, {human_bytes(done.bytes)}), "
        f"{done.unchanged} already here, {done.refs} refs added <- {rem.url}"
    )
    if done.problems:
        raise PipelineError(
            f"{len(done.problems)} artifacts not pulled (nothing of them installed):\n  "
            + "\n  ".join(done.problems)
        )
    return done


def gc_store(cfg: Config, grace_s: float = GC_GRACE_S) -> Collected:
    """Remove unsealed temp folders and unreachable artifacts from the store (none younger than grace_s)."""
    store = Store(cfg.store)
    out = collect_garbage(store, grace_s)
    for item in out.removed:
        info(f"removed {item}")
    summary(f"cache gc: removed {len(out.removed)} items, freed {human_bytes(out.bytes)} in {store.root}")
    return out
