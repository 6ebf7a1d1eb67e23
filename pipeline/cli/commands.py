"""The pipeline's stage commands: describe, embed, train, evaluate, predict, report, demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import (
    ConfigOpt,
    DatasetOpt,
    SetOpt,
    SplitOpt,
    app,
    config_from,
    run,
)


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

        ds = get_dataset(dataset)
        describe_dataset(ds, config_from(config, set_, ds, describe__model=model), out=out)

    run(go)


@app.command()
def embed(
    dataset: DatasetOpt,
    encoder: Annotated[
        Optional[str], typer.Option(help="sentence-transformers name or path, or clip:<name>.")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Embed label, LD and GD of every class into Parquet (f_t is fused from them where it is used)."""

    def go():
        from pipeline.catalog import get_dataset
        from pipeline.stages.embed import embed_dataset

        ds = get_dataset(dataset)
        embed_dataset(ds, config_from(config, set_, ds, embed__encoder=encoder))

    run(go)


@app.command()
def train(
    dataset: DatasetOpt,
    split: SplitOpt,
    method: Annotated[
        Optional[str],
        typer.Option(
            help="fsvae, cadavae, msf, sadvae, ridge (the baseline), fusion (ridge maps per network and text "
            "field; the dataset-folder default) or direct (a text-trained backbone's own)."
        ),
    ] = None,
    seeds: Annotated[Optional[int], typer.Option(help="How many seeds to run.")] = None,
    features: Annotated[
        Optional[str], typer.Option(help="Feature set key, or a SynSE-format dump folder.")
    ] = None,
    preset: Annotated[
        Optional[str],
        typer.Option(help="Hyperparameter preset: released, paper or tuned (the default for dataset folders)."),
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Train a zero-shot model on cached features; report ZSL top-1 and GZSL seen/unseen/H."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.train import train_split

        ds = get_dataset(dataset)
        cfg = config_from(config, set_, ds, train__method=method, train__seeds=seeds, train__preset=preset)
        train_split(ds, get_split(ds, split), cfg, features=features)

    run(go)


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
    methods: Annotated[
        str,
        typer.Option(help="Methods, comma-separated; two or more besides ridge are also scored together."),
    ] = "ridge,fusion,bodyparts,descriptor,fsvae,cadavae,msf,sadvae",
    seeds: Annotated[Optional[int], typer.Option(help="Seeds per split and method.")] = None,
    backbone_seeds: Annotated[
        int, typer.Option(help="Backbones per split, each with its own seed (the methods' seeds follow it).")
    ] = 1,
    preset: Annotated[Optional[str], typer.Option(help="Hyperparameter preset.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Every method over several splits and seeds: mean ± std per split, cached stage by stage."""

    def go():
        from pipeline.catalog import get_dataset
        from pipeline.stages.evaluate import evaluate as run_evaluate

        ds = get_dataset(dataset)
        cfg = config_from(config, set_, ds, train__seeds=seeds, train__preset=preset)
        names = [m.strip() for m in methods.split(",") if m.strip()]
        run_evaluate(ds, cfg, splits, names, backbone_seeds)

    run(go)


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
        Optional[list[str]],
        typer.Option(
            help="Saved model: a key (or unique prefix), a ref "
            "models/<dataset>/<split>/<method>/<preset>/seed<n>, or latest (the default). Repeat it for an "
            "ensemble of one split's models: their probabilities averaged."
        ),
    ] = None,
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
            config_from(config, set_),
            input_,
            model=model or "latest",
            classes=classes,
            labels=labels,
            top_k=top_k,
            out=out,
            generalized=generalized,
        )

    run(go)


@app.command()
def report(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Tabulate every result (mean and std over seeds) beside the published numbers; write plots."""

    def go():
        from pipeline.stages.report import build_report

        build_report(config_from(config, set_))

    run(go)


@app.command()
def demo(config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Run the whole pipeline on the embedded synthetic data, offline, and print the table."""

    def go():
        from pipeline.stages.demo import run_demo

        run_demo(config_from(config, set_))

    run(go)
