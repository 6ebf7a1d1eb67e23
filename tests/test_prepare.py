import json

import numpy as np
import pytest

import pipeline.skeleton.synthetic as synthetic
from pipeline.catalog import get_dataset
from pipeline.config import Config
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.skeleton.layouts import NTU25, get_layout
from pipeline.skeleton.prepare import KIND, layout_of, load_prepared, prepare_dataset, prepared_for
from pipeline.skeleton.preprocess import preprocess_clips
from pipeline.store import Store


def tiny(tmp_path, seed: int = 0) -> Config:
    cfg = Config()
    cfg.store = str(tmp_path / "store")
    cfg.skeleton.synthetic.samples_per_class = 2
    cfg.skeleton.synthetic.subjects = 2
    cfg.skeleton.synthetic.frames = 16
    cfg.skeleton.synthetic.seed = seed
    cfg.skeleton.prepare.frames = 12
    return cfg


def no_generation(*args, **kwargs):
    raise AssertionError("generated although the prepared data is cached")


def test_prepare_stores_the_arrays_and_sets_the_ref(tmp_path, capsys):
    cfg = tiny(tmp_path)
    key = prepare_dataset(get_dataset("synthetic60"), cfg)
    store = Store(cfg.store)
    assert store.has(KIND, key) and store.get_ref("data/synthetic60") == (KIND, key)
    line = capsys.readouterr().out.strip()
    assert line == f"skeleton prepare synthetic60: 120 clips, 60 classes, x 120x2x12x25x3 float16, key {key} (new)"
    meta = store.meta(KIND, key)
    assert meta["info"]["train_subjects"] == [1] and meta["info"]["layout"] == NTU25.to_dict()
    assert meta["info"]["counts"]["two_body_clips"] == 2 * 11
    assert meta["info"]["config"]["skeleton"]["synthetic"]["samples_per_class"] == 2
    assert set(meta["files"]) == {"x.npy", "index.parquet"}


def test_cache_hit_does_no_work(tmp_path, capsys, monkeypatch):
    cfg = tiny(tmp_path)
    key = prepare_dataset(get_dataset("synthetic60"), cfg)
    monkeypatch.setattr(synthetic, "generate_clips", no_generation)
    assert prepare_dataset(get_dataset("synthetic60"), cfg) == key
    assert capsys.readouterr().out.strip().endswith("(cached)")
    assert [m["key"] for m in Store(cfg.store).entries(KIND)] == [key]


def test_key_follows_the_settings(tmp_path):
    keys = {prepare_dataset(get_dataset("synthetic60"), tiny(tmp_path))}
    cfg = tiny(tmp_path, seed=1)
    keys.add(prepare_dataset(get_dataset("synthetic60"), cfg))
    cfg.skeleton.prepare.frames = 8
    keys.add(prepare_dataset(get_dataset("synthetic60"), cfg))
    cfg.skeleton.prepare.workers = 3  # how, not what: same data
    keys.add(prepare_dataset(get_dataset("synthetic60"), cfg))
    assert len(keys) == 3 and len(Store(cfg.store).entries(KIND)) == 3


def test_load_prepared_round_trip(tmp_path):
    cfg = tiny(tmp_path)
    key = prepare_dataset(get_dataset("synthetic60"), cfg)
    loaded = load_prepared(Store(cfg.store), key)
    clips = synthetic.generate_clips(60, cfg.skeleton.synthetic)
    fresh = preprocess_clips(clips, NTU25, cfg, synthetic.train_subjects(cfg.skeleton.synthetic))
    assert isinstance(loaded.x, np.memmap) and loaded.x.dtype == np.float16
    np.testing.assert_allclose(np.asarray(loaded.x, np.float32), fresh.x, atol=4e-3)
    assert list(loaded.sample_id) == list(fresh.sample_id)
    for name in ("label", "subject", "view"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(fresh, name))
    assert loaded.layout == "ntu25" and loaded.train_subjects == (1,)
    assert layout_of(Store(cfg.store), key) == NTU25
    assert set(loaded.subject[loaded.select(range(60), "test")]) == {2}


def test_prepared_for_synthetic_prepares_once(tmp_path, monkeypatch):
    cfg = tiny(tmp_path)
    key, prepared = prepared_for(get_dataset("synthetic60"), cfg)
    assert len(prepared) == 120 and Store(cfg.store).get_ref("data/synthetic60") == (KIND, key)
    monkeypatch.setattr(synthetic, "generate_clips", no_generation)
    assert prepared_for(get_dataset("synthetic60"), cfg)[0] == key


def test_prepared_for_real_data_needs_prepare(tmp_path):
    cfg = tiny(tmp_path)
    with pytest.raises(MissingArtifactError, match="zssar skeleton prepare --dataset ntu60 --source"):
        prepared_for(get_dataset("ntu60"), cfg)
    with pytest.raises(PipelineError, match="--source"):
        prepare_dataset(get_dataset("ntu60"), cfg)


def write_folder_dataset(root, extra: int = 0):
    """A user's dataset folder with a custom 5-joint layout (see pipeline/skeleton/readers/folder.py)."""
    root.mkdir(exist_ok=True)
    (root / "dataset.toml").write_text(
        'name = "toy"\n[layout]\nname = "stick5"\njoints = ["pelvis", "chest", "head", "lhand", "rhand"]\n'
        "edges = [[0, 1], [1, 2], [1, 3], [1, 4]]\ncenter = 1\nshoulders = [3, 4]\nhips = [0, 0]\n"
    )
    (root / "classes.csv").write_text("idx,label\n0,wave\n1,bow\n")
    (root / "skeletons").mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    rows = ["sample_id,file,class_idx,subject"]
    for i in range(6 + extra):
        data = rng.normal(size=(10, 5, 3)).astype(np.float32)
        np.save(root / "skeletons" / f"s{i}.npy", data)
        rows.append(f"s{i},skeletons/s{i}.npy,{i % 2},{i % 3 + 1}")
    (root / "samples.csv").write_text("\n".join(rows) + "\n")


def test_folder_dataset_with_custom_layout(tmp_path):
    cfg = tiny(tmp_path)
    folder = tmp_path / "toy"
    write_folder_dataset(folder)
    dataset = get_dataset(str(folder))
    key = prepare_dataset(dataset, cfg)
    store = Store(cfg.store)
    layout = layout_of(store, key)
    assert layout.name == "stick5" and layout.num_joints == 5 and layout.shoulders == (3, 4)
    assert get_layout(store.meta(KIND, key)["info"]["layout"]) == layout
    prepared = load_prepared(store, key)
    assert prepared.x.shape == (6, 2, 12, 5, 3) and prepared.layout == "stick5"
    assert prepared_for(dataset, cfg)[0] == key
    assert prepare_dataset(dataset, cfg) == key
    write_folder_dataset(folder, extra=1)  # the source changed: a new key
    assert prepare_dataset(dataset, cfg) != key
    assert json.loads((tmp_path / "store" / "refs" / "data" / "toy.json").read_text())["key"] != key
