"""What every `zssar` command shares: the apps, the common options, and the wrapper that turns a stage's
failure into a message and an exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.errors import PipelineError

app = typer.Typer(
    help="Zero-shot skeleton action recognition: descriptions -> text features -> skeleton "
    "features -> FS-VAE and baselines -> results.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
skeleton_app = typer.Typer(help="Skeleton data, the GCN backbone and its features.", no_args_is_help=True)
cache_app = typer.Typer(help="The content-addressed artifact store.", no_args_is_help=True)
models_app = typer.Typer(
    help="Saved zero-shot models (one per trained seed), for `zssar predict`.", no_args_is_help=True
)
app.add_typer(skeleton_app, name="skeleton")
app.add_typer(cache_app, name="cache")
app.add_typer(models_app, name="models")

ConfigOpt = Annotated[
    Optional[Path], typer.Option("--config", "-c", help="TOML config file (default ./zssar.toml if present).")
]
SetOpt = Annotated[
    Optional[list[str]], typer.Option("--set", help="Override a config key: section.key=value (repeatable).")
]
DatasetOpt = Annotated[
    str,
    typer.Option(
        "--dataset", "-d", help="ntu60, ntu120, pkummd51, synthetic60, synthetic120, or a dataset folder."
    ),
]
SplitOpt = Annotated[
    str,
    typer.Option(
        "--split", "-s", help="55_5, 48_12, 110_10, 96_24, random:<n_unseen>:<seed> or unseen:<i>,<j>,..."
    ),
]

SOURCE_HELP = (
    "Raw data: an NTU .skeleton folder, a pyskl .pkl (skeleton.prepare.protocol picks xsub, xview or "
    "xset), a CTR-GCN .npz, or a PKU-MMD folder."
)
RemoteOpt = Annotated[
    Optional[str],
    typer.Option("--remote", help="Check / list a remote (directory or fsspec URL) instead of the local store."),
]
RemoteArg = Annotated[
    Optional[str],
    typer.Argument(metavar="REMOTE", help="A remote (directory or fsspec URL) instead of the local store."),
]


def run(fn, *args, **kwargs):
    """Call a stage; turn its PipelineError into a red message and a meaningful exit code, and Ctrl-C into
    'interrupted' and 130 (see `pipeline.interrupts`)."""
    from pipeline import interrupts

    interrupts.install()
    try:
        return fn(*args, **kwargs)
    except PipelineError as exc:
        from pipeline.console import error

        error(str(exc))
        raise typer.Exit(exc.exit_code) from None
    except OSError as exc:  # disk full, permissions, a vanished file: what the system said, about which file
        from pipeline.console import error

        where = f"{exc.filename}: " if exc.filename else ""
        error(f"{where}{exc.strerror or exc} (nothing half-written is left in the store)")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        if not interrupts.was_interrupted():  # raised without our handler, e.g. before it was installed
            from pipeline.console import error

            error("interrupted")
        raise typer.Exit(interrupts.EXIT_CODE) from None


def config_from(config: Optional[Path], sets: Optional[list[str]], dataset=None, **overrides):
    """The run's configuration: code defaults, those of dataset folders when `dataset` is one, the config
    file, `--set`, then the command's own options."""
    from pipeline.config import load_config, set_value
    from pipeline.folder_defaults import defaults_for

    cfg = load_config(config, sets, defaults_for(dataset) if dataset is not None else None)
    for dotted, value in overrides.items():
        if value is not None:
            set_value(cfg, dotted.replace("__", "."), value)
    return cfg
