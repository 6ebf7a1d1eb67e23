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
