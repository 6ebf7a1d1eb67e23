"""A store that never serves damaged data: sizes and hashes checked before use, damaged artifacts rebuilt,
corrupt refs ignored with a warning, and system failures (disk full, no credentials) as messages."""

import json

import pytest
from fsvae_toy import DATASET, SPLIT, make_toy
from test_embed import folder_dataset  # noqa: F401  (a fixture: a three-class dataset folder)
from typer.testing import CliRunner

from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.catalog import get_dataset
from pipeline.cli import app
from pipeline.config import Config
from pipeline.errors import DamagedArtifactError
from pipeline.stages.embed import FILE, KIND, embed_dataset, text_features_for
from pipeline.stages.train import train_split
from pipeline.store import Store


def _flip(path, at: int = 100) -> None:
    data = bytearray(path.read_bytes())
    for i in range(at, at + 64):
        data[i % len(data)] ^= 0xFF
    path.write_bytes(bytes(data))


def test_flipped_feature_bytes_stop_training_with_a_message(tmp_path):
    store = Store(tmp_path / "store")
    key, text = make_toy(store)
    part = store.path("skeleton-features", key) / "train.parquet"
    _flip(part)
    assert not store.has("skeleton-features", key)
    with pytest.raises(DamagedArtifactError, match="train.parquet: sha256 differs"):
        load_feature_set(store, key)
    cfg = Config(store=str(store.root), results=str(tmp_path / "results"))
    cfg.train.method = "ridge"
    with pytest.raises(DamagedArtifactError, match="damaged"):
        train_split(DATASET, SPLIT, cfg, text=text)
    assert not (tmp_path / "results").exists()  # no result written from bad data


@pytest.mark.parametrize("damage", ["truncate", "flip"])
def test_embed_rebuilds_damaged_text_features_instead_of_a_cache_hit(folder_dataset, tmp_path, capsys, damage):  # noqa: F811
    cfg = Config(store=str(tmp_path / "store"))
    dataset = get_dataset(str(folder_dataset))
    key = embed_dataset(dataset, cfg)
    table = Store(cfg.store).path(KIND, key) / FILE
    whole = table.read_bytes()
    if damage == "truncate":
        table.write_bytes(whole[:1000])
    else:
        _flip(table)
    with pytest.raises(DamagedArtifactError):
        text_features_for(dataset, cfg)
    capsys.readouterr()
    assert embed_dataset(dataset, cfg) == key
    captured = capsys.readouterr()
    assert "cache hit" not in captured.out and "damaged" in captured.err
    assert table.read_bytes() == whole and Store(cfg.store).has(KIND, key)
    assert text_features_for(dataset, cfg).fused().shape == (3, 3 * 384)


def test_corrupt_ref_is_ignored_with_a_warning(tmp_path, capsys):
    store = Store(tmp_path)
    key, _ = make_toy(store)
    ref = tmp_path / "refs" / "models" / "latest.json"
    ref.parent.mkdir(parents=True)
    ref.write_text('{"key": ')
    assert store.get_ref("models/latest") is None
    assert "latest.json: unreadable ref" in capsys.readouterr().err
    result = CliRunner().invoke(app, ["models", "ls", "--set", f"store={tmp_path}"])
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_system_failures_are_messages_with_an_exit_code(tmp_path, monkeypatch, folder_dataset):  # noqa: F811
    def disk_full(cfg):
        raise OSError(28, "No space left on device", str(tmp_path / "results" / "report.md"))

    monkeypatch.setattr("pipeline.stages.report.build_report", disk_full)
    result = CliRunner().invoke(app, ["report"])
    assert result.exit_code == 1 and "report.md: No space left on device" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = CliRunner().invoke(app, ["cache", "ls", "s3://no-bucket/x"])
    assert result.exit_code == 2 and "remote s3://no-bucket/x" in result.output and "credentials" in result.output

    out_dir = tmp_path / "somewhere"
    out_dir.mkdir()
    result = CliRunner().invoke(app, ["describe", "--dataset", str(folder_dataset), "--out", str(out_dir)])
    assert result.exit_code == 2 and "names a folder" in result.output
    assert json.loads((folder_dataset / "descriptions.jsonl").read_text().splitlines()[0])["idx"] == 0


def test_a_saved_model_that_disagrees_with_its_rerun_is_replaced(tmp_path):
    """Same spec, same figures: the stored model stays (it holds the same weights). Same spec, other figures
    or gate (the code that trained it changed): it is replaced, so a model never disagrees with its result."""
    import torch

    from pipeline.artifacts.saved_models import read_saved_model, write_saved_model

    store = Store(tmp_path / "store")
    info = {"zsl_top1": 50.0, "gzsl_h": 40.0, "selected_cycle": 2, "gate": {"threshold": 0.5}}
    write_saved_model(store, "m" * 32, {"spec": 1}, info, {"w": torch.zeros(2)}, "models/x")
    write_saved_model(store, "m" * 32, {"spec": 1}, dict(info), {"w": torch.ones(2)}, "models/x")
    assert not read_saved_model(store, "m" * 32)[1]["w"].any()
    moved = {**info, "gate": {"threshold": 0.6}}
    write_saved_model(store, "m" * 32, {"spec": 1}, moved, {"w": torch.ones(2)}, "models/x")
    saved_info, weights, _ = read_saved_model(store, "m" * 32)
    assert (
        weights["w"].all()
        and saved_info["gate"] == {"threshold": 0.6}
        and store.problems("zsl-model", "m" * 32) == []
    )
