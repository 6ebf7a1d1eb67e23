"""`zssar skeleton ...`: prepare, fit, extract, import-dump."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.cli.common import (
    SOURCE_HELP,
    ConfigOpt,
    DatasetOpt,
    SetOpt,
    SplitOpt,
    config_from,
    run,
    skeleton_app,
)


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

        ds = get_dataset(dataset)
        prepare_dataset(ds, config_from(config, set_, ds), source=source)

    run(go)


@skeleton_app.command("fit")
def skeleton_fit(dataset: DatasetOpt, split: SplitOpt, config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Train the GCN backbone on the split's seen classes (and one on its validation carve)."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.skeleton import fit_backbones

        ds = get_dataset(dataset)
        fit_backbones(ds, get_split(ds, split), config_from(config, set_, ds))

    run(go)


@skeleton_app.command("extract")
def skeleton_extract(dataset: DatasetOpt, split: SplitOpt, config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Write the backbone's features for every part of the split into the store."""

    def go():
        from pipeline.catalog import get_dataset, get_split
        from pipeline.stages.skeleton import extract_features

        ds = get_dataset(dataset)
        extract_features(ds, get_split(ds, split), config_from(config, set_, ds))

    run(go)


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
        import_dump(folder, ds, get_split(ds, split), config_from(config, set_, ds))

    run(go)
