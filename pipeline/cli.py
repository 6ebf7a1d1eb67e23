"""The `zssar` command line: a thin shell over each stage's one public function.

Heavy libraries (torch, sentence-transformers, pandas) are imported inside the commands, so `--help` and
light stages start fast.
"""

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


def _run(fn, *args, **kwargs):
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


def _config(config: Optional[Path], sets: Optional[list[str]], **overrides):
    from pipeline.config import load_config, set_value

    cfg = load_config(config, sets)
    for dotted, value in overrides.items():
        if value is not None:
            set_value(cfg, dotted.replace("__", "."), value)
    return cfg


@app.command()
def describe(
    dataset: DatasetOpt,
    model: Annotated[Optional[str], typer.Option(help="LLM model name.")] = None,
    out: Annotated[
        Optional[Path], typer.Option(help="Output JSONL (default descriptions/<dataset>.jsonl).")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write a Global and a Local Description of every class with an LLM (or report the shipped ones)."""

    def go():
        from pipeline.catalog import get_dataset
        from pipeline.stages.describe import describe_dataset

        cfg = _config(config, set_, describe__model=model)
        describe_dataset(get_dataset(dataset), cfg, out=out)

    _run(go)


@app.command()
def embed(
    dataset: DatasetOpt,
    encoder: Annotated[
        Optional[str], typer.Option(help="sentence-transformers name or path, or clip:<name>.")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Embed label, LD and GD of every class into Parquet (plus the fused f_t)."""

    def go():
        from pipeline.catalog import get_dataset
        from pipeline.stages.embed import embed_dataset

        cfg = _config(config, set_, embed__encoder=encoder)
        embed_dataset(get_dataset(dataset), cfg)

    _run(go)


@skeleton_app.command("prepare")
def skeleton_prepare(
    dataset: DatasetOpt,
    source: Annotated[Optional[Path], typer.Option(help=SOURCE_HELP)] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Read (or generate) skeleton clips into one cached, preprocessed array file."""

    def go():
        from pipeline.catalog import get_dataset
        from pipeline.stages.skeleton import prepare_dataset

        prepare_dataset(get_dataset(dataset), _config(config, set_), source=source)

    _run(go)


@skeleton_app.command("fit")
def skeleton_fit(dataset: DatasetOpt, split: SplitOpt, config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Train the GCN backbone on the split's seen classes (and one on its validation carve)."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.skeleton import fit_backbones

        ds = get_dataset(dataset)
        fit_backbones(ds, get_split(ds, split), _config(config, set_))

    _run(go)


@skeleton_app.command("extract")
def skeleton_extract(dataset: DatasetOpt, split: SplitOpt, config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Write the backbone's features for every part of the split into the store."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.skeleton import extract_features

        ds = get_dataset(dataset)
        extract_features(ds, get_split(ds, split), _config(config, set_))

    _run(go)


@skeleton_app.command("import-dump")
def skeleton_import_dump(
    folder: Annotated[Path, typer.Argument(help="A SynSE/MSF/SA-DVAE split folder of .npy files.")],
    dataset: DatasetOpt,
    split: SplitOpt,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Import a released feature dump as the skeleton features of a split."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.skeleton import import_dump

        ds = get_dataset(dataset)
        import_dump(folder, ds, get_split(ds, split), _config(config, set_))

    _run(go)


@app.command()
def train(
    dataset: DatasetOpt,
    split: SplitOpt,
    method: Annotated[
        Optional[str], typer.Option(help="fsvae, cadavae, msf, sadvae or ridge (the baseline).")
    ] = None,
    seeds: Annotated[Optional[int], typer.Option(help="How many seeds to run.")] = None,
    features: Annotated[
        Optional[str], typer.Option(help="Feature set key, or a SynSE-format dump folder.")
    ] = None,
    preset: Annotated[Optional[str], typer.Option(help="Hyperparameter preset: released or paper.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Train a zero-shot model on cached features; report ZSL top-1 and GZSL seen/unseen/H."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.train import train_split

        cfg = _config(config, set_, train__method=method, train__seeds=seeds, train__preset=preset)
        ds = get_dataset(dataset)
        train_split(ds, get_split(ds, split), cfg, features=features)

    _run(go)


@app.command()
def evaluate(
    dataset: DatasetOpt,
    splits: Annotated[
        list[str],
        typer.Option(
            "--splits",
            help="Splits (repeatable); random:<n>:<a>-<b> or numpy:<n>:<a>-<b> stands for the seeds a..b.",
        ),
    ],
    methods: Annotated[str, typer.Option(help="Methods, comma-separated.")] = "ridge,fsvae,cadavae",
    seeds: Annotated[Optional[int], typer.Option(help="Seeds per split and method.")] = None,
    preset: Annotated[Optional[str], typer.Option(help="Hyperparameter preset.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Every method over several splits and seeds: mean ± std per split, cached stage by stage."""

    def go():
        from pipeline.catalog import get_dataset
        from pipeline.stages.evaluate import evaluate as run_evaluate

        cfg = _config(config, set_, train__seeds=seeds, train__preset=preset)
        names = [m.strip() for m in methods.split(",") if m.strip()]
        run_evaluate(get_dataset(dataset), cfg, splits, names)

    _run(go)


@app.command()
def predict(
    input_: Annotated[
        Path,
        typer.Option(
            "--input",
            "-i",
            help="A clip (NTU .skeleton; .npy of (T, J, 3) or (T, M, J, 3) in the model's layout), a "
            "folder of clips, or a dataset folder.",
        ),
    ],
    model: Annotated[
        str,
        typer.Option(
            help="Saved model: a key (or unique prefix), a ref "
            "models/<dataset>/<split>/<method>/<preset>/seed<n>, or latest."
        ),
    ] = "latest",
    classes: Annotated[
        Optional[Path],
        typer.Option(
            help="classes.csv (a 'label' column; descriptions.jsonl beside it is used) or a dataset "
            "folder. Default: the model's unseen classes."
        ),
    ] = None,
    labels: Annotated[
        Optional[str],
        typer.Option(help='Action labels to choose from, separated by semicolons: "wave; kick; sit down".'),
    ] = None,
    top_k: Annotated[int, typer.Option("--top-k", help="Labels per clip.")] = 5,
    out: Annotated[Optional[Path], typer.Option(help="Write all predictions to a .json or .csv file.")] = None,
    generalized: Annotated[
        bool, typer.Option("--generalized", help="Also consider the model's seen classes, through its GZSL gate.")
    ] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Label new skeleton clips with a saved model: top-k action labels and their probabilities."""

    def go():
        from pipeline.stages.predict import predict as run_predict

        run_predict(
            _config(config, set_),
            input_,
            model=model,
            classes=classes,
            labels=labels,
            top_k=top_k,
            out=out,
            generalized=generalized,
        )

    _run(go)


@models_app.command("ls")
def models_ls(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """List saved models: dataset, split, method, preset, seed, ZSL, H, date, key."""

    def go():
        from pipeline.stages.predict import list_models

        list_models(_config(config, set_))

    _run(go)


@app.command()
def report(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Tabulate every result (mean and std over seeds) beside the published numbers; write plots."""

    def go():
        from pipeline.stages.report import build_report

        build_report(_config(config, set_))

    _run(go)


@app.command()
def demo(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Run the whole pipeline on the embedded synthetic data, offline, and print the table."""

    def go():
        from pipeline.stages.demo import run_demo

        run_demo(_config(config, set_))

    _run(go)


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

        list_artifacts(_config(config, set_), kind, remote=_one_remote(target, remote))

    _run(go)


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

        verify_store(_config(config, set_), remote=_one_remote(target, remote), repair=repair)

    _run(go)


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

        gc_store(_config(config, set_))

    _run(go)


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

        push_store(_config(config, set_), remote, verify)

    _run(go)


@cache_app.command("pull")
def cache_pull(
    remote: Annotated[str, typer.Argument(help="Remote: a directory or an fsspec URL.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Download artifacts from a shared remote, checking each object's sha256."""

    def go():
        from pipeline.stages.cache import pull_store

        pull_store(_config(config, set_), remote)

    _run(go)


if __name__ == "__main__":
    app()
