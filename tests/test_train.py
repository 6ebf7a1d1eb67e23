import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fsvae_toy import DATASET, SPLIT, TINY, make_toy

from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.catalog import Split
from pipeline.config import Config
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.stages.train import train_split
from pipeline.store import Store


def _cfg(tmp_path, results="results", **train):
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / results), seed=3)
    for k, v in {**TINY, **train}.items():
        setattr(cfg.train, k, v)
    return cfg


def _stable(result):
    return {k: v for k, v in result.items() if k not in ("wall_time_s", "created", "config")}


def test_end_to_end_writes_full_result_and_is_deterministic(tmp_path):
    cfg = _cfg(tmp_path)
    key, text = make_toy(Store(cfg.store))
    [result] = train_split(DATASET, SPLIT, cfg, text=text)

    files = sorted((tmp_path / "results" / "toy" / SPLIT.slug / "fsvae").iterdir())
    assert [f.suffix for f in files] == [".json", ".npz"] and files[0].name.startswith("released_")
    assert files[0].name.endswith("_seed3.json")
    on_disk = json.loads(files[0].read_text())
    for field in (
        "dataset",
        "synthetic",
        "split",
        "method",
        "preset",
        "seed",
        "protocol",
        "zsl_top1",
        "gzsl",
        "selection",
        "test_selected",
        "per_class",
        "confusion",
        "latents",
        "config",
        "feature_key",
        "text_key",
        "encoder",
        "descriptions_sha256",
        "wall_time_s",
        "created",
        "results_version",
    ):
        assert field in on_disk, field
    assert (
        on_disk["feature_key"] == key and on_disk["protocol"] == "toy protocol" and on_disk["synthetic"] is False
    )
    assert on_disk["config"]["train"]["steps_per_cycle"] == 120 and on_disk["config"]["train"]["alpha"] == 0.5
    assert on_disk["selection"]["rule"] == "validation carve" and 0 <= on_disk["selection"]["cycle"] < 2
    assert on_disk["test_selected"]["note"] == "selected on test; for comparison only"
    assert set(on_disk["gzsl"]) == {"seen", "unseen", "h"}
    assert set(on_disk["per_class"]["zsl"]) == {str(c) for c in SPLIT.unseen}
    assert set(on_disk["per_class"]["gzsl"]) == {str(c) for c in SPLIT.seen + SPLIT.unseen}
    n_test = 10 * len(SPLIT.seen) + 15 * len(SPLIT.unseen)
    assert np.asarray(on_disk["confusion"]["matrix"]).sum() == n_test
    assert result["zsl_top1"] > 100 / len(SPLIT.unseen) + 10  # well above chance
    # the gate saw only the validation carve's classes, never the split's unseen ones
    assert set(on_disk["gate"]["fit_classes"]) <= set(SPLIT.val_seen + SPLIT.val_unseen)
    assert set(on_disk["gate"]["fit_classes"]).isdisjoint(SPLIT.unseen)
    latents = np.load(files[0].parent / on_disk["latents"])
    assert latents["skeleton_mu"].shape == (15 * len(SPLIT.unseen), 100)
    assert sorted(set(latents["skeleton_label"])) == list(SPLIT.unseen)
    assert latents["text_mu"].shape == (len(SPLIT.unseen), 100)

    # the validation model in a second process (the default) or in this one: the same result
    [again] = train_split(DATASET, SPLIT, _cfg(tmp_path, results="again", processes=1), text=text)
    assert _stable(again) == _stable(json.loads(json.dumps(result)))


def test_missing_features_name_the_stage(tmp_path):
    cfg = _cfg(tmp_path)
    _, text = make_toy(Store(tmp_path / "elsewhere"))
    with pytest.raises(MissingArtifactError, match="zssar skeleton extract --dataset toy --split unseen:1,5,9,13"):
        train_split(DATASET, SPLIT, cfg, text=text)
    with pytest.raises(MissingArtifactError, match="no feature set with key 'nope'"):
        train_split(DATASET, SPLIT, cfg, features="nope", text=text)


def test_no_validation_and_no_logits_skip_the_gate(tmp_path):
    cfg = _cfg(tmp_path, cycles=1)
    key, text = make_toy(Store(cfg.store), logits=False, validation=False)
    assert not load_feature_set(Store(cfg.store), key).has_validation
    [result] = train_split(DATASET, SPLIT, cfg, features=key, text=text)
    assert result["gzsl"] is None and result["gate"] is None and result["per_class"]["gzsl"] is None
    assert result["selection"]["rule"].startswith("last cycle") and "no GZSL gate" in result["notes"][0]
    assert result["zsl_top1"] > 25


def test_temporal_mode_cadavae_and_ablations_run(tmp_path):
    cfg = _cfg(tmp_path, cycles=1, frequency="temporal", fields=["local"], calibrated=False)
    _, text = make_toy(Store(cfg.store), temporal=True)
    [fs] = train_split(DATASET, SPLIT, cfg, text=text)
    assert fs["config"]["train"]["frequency"] == "temporal" and fs["config"]["train"]["fields"] == ["local"]
    # the other modes leave the time-resolved column unread; the pooled columns are the same
    full, pooled = (load_feature_set(Store(cfg.store), fs["feature_key"], temporal=t) for t in (True, False))
    assert full["train"].temporal.shape[1:] == (8, 256) and pooled["train"].temporal is None
    np.testing.assert_array_equal(pooled["train"].feature, full["train"].feature)
    np.testing.assert_array_equal(pooled["test_unseen"].logits, full["test_unseen"].logits)
    cfg = _cfg(tmp_path, cycles=1, method="cadavae")
    [cada] = train_split(DATASET, SPLIT, cfg, text=text)
    assert cada["method"] == "cadavae" and cada["config"]["train"]["frequency"] == "off"
    cfg = _cfg(tmp_path, cycles=1, frequency="feature")  # toy feature set has no temporal part needed here
    cfg.train.frequency = "temporal"
    store_without_temporal = tmp_path / "plain"
    cfg.store = str(store_without_temporal)
    make_toy(Store(cfg.store))
    with pytest.raises(PipelineError, match="train.frequency=temporal"):
        train_split(DATASET, SPLIT, cfg, text=text)


def test_features_of_another_split_are_refused(tmp_path):
    cfg = _cfg(tmp_path)
    key, text = make_toy(Store(cfg.store))
    other = Split(
        "unseen:0,5,9,13",
        unseen=(0, 5, 9, 13),
        seen=tuple(c for c in range(16) if c not in (0, 5, 9, 13)),
        val_unseen=SPLIT.val_unseen,
        val_seen=SPLIT.val_seen,
    )
    with pytest.raises(PipelineError, match="outside split"):
        train_split(DATASET, other, cfg, features=key, text=text)


def test_dump_folder_is_imported(tmp_path):
    cfg = _cfg(tmp_path, cycles=1)
    key, text = make_toy(Store(tmp_path / "source"))
    fs = load_feature_set(Store(tmp_path / "source"), key)
    dump = tmp_path / "dump"
    dump.mkdir()
    np.save(dump / "train.npy", fs["train"].feature)
    np.save(dump / "train_label.npy", fs["train"].class_idx)
    np.save(dump / "ztest.npy", fs["test_unseen"].feature)
    np.save(dump / "z_label.npy", fs["test_unseen"].class_idx)
    np.save(dump / "gtest.npy", np.concatenate([fs["test_seen"].feature, fs["test_unseen"].feature]))
    np.save(dump / "g_label.npy", np.concatenate([fs["test_seen"].class_idx, fs["test_unseen"].class_idx]))
    [result] = train_split(DATASET, SPLIT, cfg, features=str(dump), text=text)
    assert result["protocol"] == "imported dump" and result["gzsl"] is None and result["zsl_top1"] > 25


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to find the worker")
def test_killed_trainer_takes_its_validation_worker_with_it(tmp_path):
    """An interrupted `zssar train` (the parent killed outright) leaves no worker training on."""
    code = (
        f"from pathlib import Path; from fsvae_toy import DATASET, SPLIT, make_toy; "
        f"from pipeline.config import Config; from pipeline.stages.train import train_split; "
        f"from pipeline.store import Store; cfg = Config(store={str(tmp_path / 'store')!r}, "
        f"results={str(tmp_path / 'results')!r}); cfg.train.cycles = 1; cfg.train.steps_per_cycle = 10**7; "
        f"_, text = make_toy(Store(cfg.store)); train_split(DATASET, SPLIT, cfg, text=text)"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=Path(__file__).parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
    )
    try:
        deadline = time.monotonic() + 120
        while not _children(parent.pid) and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.2)
        workers = _children(parent.pid)
        assert workers, "the trainer never started its validation worker"
        time.sleep(1)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 30
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers)


def test_gate_settings_key_only_runs_that_have_a_gate():
    """A run without a seen test part has no gate: its gate settings leave its key alone (a rerun under a
    new gate default reads it back), while a gated run's key moves with them; `gate_input = own` keys
    like a result from before the setting existed."""
    from types import SimpleNamespace

    from pipeline.catalog import Dataset
    from pipeline.stages.train import _keyed
    from pipeline.zsl.presets import resolve

    dataset = Dataset(name="toy", labels=tuple(f"c{i}" for i in range(8)))

    class Features(SimpleNamespace):  # what the key reads of a feature set: its carve, its parts
        def __getitem__(self, name):
            return self.parts[name]

    def key(seen_test: int, **train) -> dict:
        cfg = Config()
        for k, v in train.items():
            setattr(cfg.train, k, v)
        part = SimpleNamespace(class_idx=np.arange(seen_test))
        fs = Features(has_validation=True, parts={"test_seen": part, "val_test_seen": part})
        return _keyed(resolve(cfg.train, dataset), fs, cfg, dataset)

    assert key(0, gate="crossval", gate_input="ridge") == key(0)
    assert key(5, gate="crossval", gate_input="ridge") != key(5, gate="crossval") != key(5)
    assert "gate_input" not in key(5) and key(5, gate_input="ridge")["gate_input"] == "ridge"
