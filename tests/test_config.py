import json

import pytest

from pipeline.config import load_config
from pipeline.errors import PipelineError


def test_defaults_file_then_cli(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('seed = 3\n[embed]\nencoder = "x"\n[train]\nalpha = 0.25\n')
    cfg = load_config(f, ["train.alpha=0.75", "describe.concurrency=2"])
    assert cfg.seed == 3 and cfg.embed.encoder == "x"
    assert cfg.train.alpha == 0.75 and cfg.describe.concurrency == 2
    json.dumps(cfg.to_dict())


def test_bad_values_are_named(tmp_path):
    with pytest.raises(PipelineError, match="train.alpha"):
        load_config(None, ["train.alpha=abc"])
    with pytest.raises(PipelineError, match="unknown config key"):
        load_config(None, ["train.nope=1"])
    f = tmp_path / "bad.toml"
    f.write_text("seed = \n")
    with pytest.raises(PipelineError, match="bad.toml"):
        load_config(f)
    with pytest.raises(PipelineError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_dataset_folders_get_their_defaults_below_the_file_and_the_command_line(tmp_path, monkeypatch):
    """A dataset folder runs the project's small-data configuration unless the user says otherwise; NTU
    and the synthetic data keep the code defaults (the papers' recipes)."""
    from test_prepare import write_folder_dataset

    from pipeline.catalog import get_dataset
    from pipeline.cli.common import config_from
    from pipeline.folder_defaults import FOLDER_DEFAULTS

    monkeypatch.chdir(tmp_path)
    write_folder_dataset(tmp_path / "toy")
    folder = get_dataset(str(tmp_path / "toy"))
    cfg = config_from(None, None, folder)
    assert cfg.skeleton.backbone.multistream and cfg.skeleton.backbone.optimizer == "adamw"
    assert cfg.skeleton.prepare.frames == FOLDER_DEFAULTS["skeleton.prepare.frames"]
    assert cfg.train.method == "bodyparts" and cfg.train.gate == "crossval" and cfg.train.gate_input == "ridge"
    assert cfg.train.preset == "tuned" and config_from(
        None, None, folder, train__preset="released"
    ).train.preset == ("released")
    synthetic = config_from(None, None, get_dataset("synthetic60"))
    assert synthetic.skeleton.backbone.optimizer == "sgd" and synthetic.train.preset == "released"
    assert synthetic.train.method == "fsvae"
    (tmp_path / "c.toml").write_text("[skeleton.backbone]\nepochs = 7\n")
    cfg = config_from(tmp_path / "c.toml", ["skeleton.backbone.optimizer=sgd"], folder)
    assert cfg.skeleton.backbone.epochs == 7 and cfg.skeleton.backbone.optimizer == "sgd"
    assert cfg.skeleton.backbone.crop == FOLDER_DEFAULTS["skeleton.backbone.crop"]
