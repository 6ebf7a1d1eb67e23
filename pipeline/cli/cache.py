"""`zssar cache ...` (the store and its remotes) and `zssar models ls`."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from pipeline.cli.common import (
    ConfigOpt,
    RemoteArg,
    RemoteOpt,
    SetOpt,
    cache_app,
    config_from,
    models_app,
    run,
)
from pipeline.errors import PipelineError


@models_app.command("ls")
def models_ls(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """List saved models: dataset, split, method, preset, seed, ZSL, H, date, key."""

    def go():
        from pipeline.stages.predict import list_models

        list_models(config_from(config, set_))

    run(go)


@cache_app.command("ls")
def cache_ls(
    target: RemoteArg = None,
    kind: Annotated[Optional[str], typer.Option(help="Only this artifact kind.")] = None,
    remote: RemoteOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """List cached artifacts: kind, key, size, date and what they were made from."""

    def go():
        from pipeline.stages.cache import list_artifacts

        list_artifacts(config_from(config, set_), kind, remote=_one_remote(target, remote))

    run(go)


@cache_app.command("verify")
def cache_verify(
    target: RemoteArg = None,
    remote: RemoteOpt = None,
    repair: Annotated[
        bool, typer.Option("--repair", help="Re-upload every bad remote object the local store holds intact.")
    ] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Check every cached file (or a remote's objects) against its recorded sha256."""

    def go():
        from pipeline.stages.cache import verify_store

        verify_store(config_from(config, set_), remote=_one_remote(target, remote), repair=repair)

    run(go)


def _one_remote(target: Optional[str], remote: Optional[str]) -> Optional[str]:
    """The remote given as an argument or with --remote (the same, if both)."""
    if target is not None and remote is not None and target != remote:
        raise PipelineError(f"two remotes given ({target!r} and --remote {remote!r}): give one")
    return target if target is not None else remote


@cache_app.command("gc")
def cache_gc(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Remove unsealed temp folders and artifacts no ref points to, directly or through their inputs."""

    def go():
        from pipeline.stages.cache import gc_store

        gc_store(config_from(config, set_))

    run(go)


@cache_app.command("push")
def cache_push(
    remote: Annotated[str, typer.Argument(help="Remote: a directory or an fsspec URL (file://, s3://, ...).")],
    verify: Annotated[
        Optional[bool],
        typer.Option(
            "--verify/--no-verify",
            help="Read every remote object back to check its hash, re-uploading damaged ones (default: on "
            "for a directory remote).",
        ),
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Upload cached artifacts to a shared remote, repairing remote copies that are missing or damaged."""

    def go():
        from pipeline.stages.cache import push_store

        push_store(config_from(config, set_), remote, verify)

    run(go)


@cache_app.command("pull")
def cache_pull(
    remote: Annotated[str, typer.Argument(help="Remote: a directory or an fsspec URL.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Download artifacts from a shared remote, checking each object's sha256."""

    def go():
        from pipeline.stages.cache import pull_store

        pull_store(config_from(config, set_), remote)

    run(go)
