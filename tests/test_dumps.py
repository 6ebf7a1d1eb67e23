"""Importing SynSE/MSF/SA-DVAE feature dumps into the store and reading them back as a feature set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.artifacts.feature_sets import KIND, load_feature_set
from pipeline.artifacts.kinds import feature_ref
from pipeline.catalog import get_dataset, get_split
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.skeleton.dumps import import_dump
from pipeline.store import Store

DIM = 16


def save(folder: Path, name: str, array: np.ndarray) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{name}.npy", array)


def write_set(
    folder: Path,
    stem: str,
    label_name: str,
    labels: list[int],
    rng: np.random.Generator,
    logits_cols: int | None = None,
) -> None:
    save(folder, stem, rng.normal(size=(len(labels), DIM)).astype(np.float32))
    save(folder, label_name, np.asarray(labels, dtype=np.int64))
    if logits_cols:
        save(folder, f"{stem}_out", rng.normal(size=(len(labels), logits_cols)).astype(np.float32))


@pytest.fixture
def setup(tmp_path: Path):
    dataset = get_dataset("ntu60")
    split = get_split(dataset, "55_5")
    cfg = Config()
    cfg.store = str(tmp_path / "store")
    return dataset, split, cfg


def make_dump(root: Path, split, relative_val_train: bool = False) -> Path:
    rng = np.random.default_rng(0)
    seen, unseen = list(split.seen), list(split.unseen)
    write_set(root, "train", "train_label", seen[:20] * 2, rng)
    write_set(root, "ztest", "z_label", unseen * 3, rng, logits_cols=60)
    write_set(root, "gtest", "g_label", seen[:10] + unseen * 3, rng, logits_cols=60)
    val = root / "val"
    v_seen, v_unseen = list(split.val_seen), list(split.val_unseen)
    train_labels = list(range(len(v_seen))) if relative_val_train else v_seen
    write_set(val, "train", "train_label", train_labels, rng)
    write_set(val, "ztest", "z_label", v_unseen * 2, rng, logits_cols=len(v_seen))
    write_set(val, "val", "val_label", v_seen[:7], rng, logits_cols=len(v_seen))
    return root


def test_import_dump_round_trip(tmp_path: Path, setup, capsys) -> None:
    dataset, split, cfg = setup
    folder = make_dump(tmp_path / "dump", split, relative_val_train=True)
    key = import_dump(folder, dataset, split, cfg)
    store = Store(cfg.store)
    assert store.get_ref(feature_ref(dataset.name, split.slug)) == (KIND, key)
    fs = load_feature_set(store, key)
    assert fs.has_validation
    assert {n: len(p) for n, p in fs.parts.items()} == {
        "train": 40,
        "test_seen": 10,
        "test_unseen": 15,
        "val_train": len(split.val_seen),
        "val_test_seen": 7,
        "val_test_unseen": 2 * len(split.val_unseen),
    }
    assert fs["train"].feature.shape == (40, DIM) and fs["train"].logits is None
    assert set(fs["test_seen"].class_idx) <= set(split.seen)
    assert set(fs["test_unseen"].class_idx) == set(split.unseen)
    assert fs["test_seen"].logits.shape == (10, len(split.seen))  # 60 columns cut to the seen classes
    assert fs["test_seen"].seen_classes == split.seen
    assert list(fs["val_train"].class_idx) == sorted(split.val_seen)  # relative labels mapped
    assert fs["val_test_unseen"].logits.shape == (2 * len(split.val_unseen), len(split.val_seen))
    assert fs["val_test_seen"].seen_classes == split.val_seen
    assert fs["test_seen"].sample_id[0] == "gtest_000000" and fs["val_train"].sample_id[0] == "val/train_000000"
    gtest = np.load(folder / "gtest.npy")
    np.testing.assert_allclose(fs["test_seen"].feature, gtest[:10])
    info = store.meta(KIND, key)["info"]
    assert info["label_mapping"]["val/train_label.npy"] == "relative"
    assert info["label_mapping"]["g_label.npy"] == "dataset"
    assert info["config"]["store"] == cfg.store
    assert "imported" in capsys.readouterr().out

    assert import_dump(folder, dataset, split, cfg) == key
    assert "already imported" in capsys.readouterr().out
    np.save(folder / "ztest.npy", np.zeros((15, DIM), np.float32))
    assert import_dump(folder, dataset, split, cfg) != key  # new file content, new key


def test_import_without_val_folder(tmp_path: Path, setup) -> None:
    dataset, split, cfg = setup
    folder = make_dump(tmp_path / "dump", split)
    for f in (folder / "val").iterdir():
        f.unlink()
    (folder / "val").rmdir()
    fs = load_feature_set(Store(cfg.store), import_dump(folder, dataset, split, cfg))
    assert not fs.has_validation and set(fs.parts) == {"train", "test_seen", "test_unseen"}
    # a dump holds features, not clips: the hand-crafted descriptor has nothing to be computed from
    from pipeline.skeleton.descriptor import with_descriptors

    with pytest.raises(
        PipelineError, match=f"feature set {fs.key}: the descriptor is computed from the prepared skeleton"
    ):
        with_descriptors(Store(cfg.store), fs)


def test_dump_errors(tmp_path: Path, setup) -> None:
    dataset, split, cfg = setup
    folder = make_dump(tmp_path / "dump", split)

    np.save(folder / "z_label.npy", np.asarray([59] * 15))
    with pytest.raises(PipelineError, match="z_label.npy: labels \\[59\\] are neither"):
        import_dump(folder, dataset, split, cfg)
    np.save(folder / "z_label.npy", np.asarray(list(split.unseen) * 3))

    np.save(folder / "train_label.npy", np.zeros(39, np.int64) + split.seen[0])
    with pytest.raises(PipelineError, match="train_label.npy: expected 40 labels"):
        import_dump(folder, dataset, split, cfg)
    np.save(folder / "train_label.npy", np.asarray(list(split.seen[:20]) * 2))

    np.save(folder / "gtest_out.npy", np.zeros((25, 7), np.float32))
    with pytest.raises(PipelineError, match="gtest_out.npy: 7 logit columns"):
        import_dump(folder, dataset, split, cfg)
    np.save(folder / "gtest_out.npy", np.zeros((25, 60), np.float32))

    np.save(folder / "val" / "train.npy", np.zeros((len(split.val_seen), DIM + 1), np.float32))
    with pytest.raises(PipelineError, match="feature sizes differ"):
        import_dump(folder, dataset, split, cfg)

    (folder / "train.npy").unlink()
    with pytest.raises(PipelineError, match="no train.npy"):
        import_dump(folder, dataset, split, cfg)
    with pytest.raises(PipelineError, match="not a folder"):
        import_dump(tmp_path / "nope", dataset, split, cfg)
    assert not Store(cfg.store).entries(KIND)
