"""Hostile inputs to prepare, predict and the config: each ends in a message naming the file, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from test_cli import zssar

from pipeline.catalog import get_dataset, get_split
from pipeline.config import Config, load_config
from pipeline.console import warn
from pipeline.errors import PipelineError
from pipeline.predict import infer
from pipeline.predict.classes import ClassList
from pipeline.predict.inputs import ClipFile, find_clips, load_clips, read_clip
from pipeline.skeleton.layouts import NTU25, get_layout
from pipeline.skeleton.prepare import KIND, load_prepared, prepare_dataset
from pipeline.skeleton.preprocess import preprocess_clip
from pipeline.skeleton.readers.arrays import load_numeric_npy
from pipeline.skeleton.readers.folder import read_folder_dataset_clips
from pipeline.stages import predict as predict_stage
from pipeline.store import Store

REPO = Path(__file__).resolve().parents[1]


def dataset_folder(root: Path, shapes: list[tuple[int, ...]] | None = None) -> Path:
    """A 2-class ntu25 dataset folder; clip i has shape shapes[i] (default (10, 25, 3))."""
    shapes = shapes or [(10, 25, 3)] * 6
    (root / "skeletons").mkdir(parents=True, exist_ok=True)
    (root / "classes.csv").write_text("idx,label\n0,wave\n1,bow\n")
    rng = np.random.default_rng(0)
    rows = ["sample_id,file,class_idx,subject"]
    for i, shape in enumerate(shapes):
        np.save(root / "skeletons" / f"s{i}.npy", rng.normal(size=shape).astype(np.float32))
        rows.append(f"s{i},skeletons/s{i}.npy,{i % 2},{i % 3 + 1}")
    (root / "samples.csv").write_text("\n".join(rows) + "\n")
    return root


def small(tmp_path: Path) -> Config:
    cfg = Config()
    cfg.store = str(tmp_path / "store")
    cfg.skeleton.prepare.frames = 8
    return cfg


# ---------- row 1: the key follows the files' content ----------


def test_edited_labels_or_same_size_rewrites_give_a_new_key(tmp_path: Path, capsys) -> None:
    folder = dataset_folder(tmp_path / "ds")
    cfg = small(tmp_path)
    first = prepare_dataset(get_dataset(str(folder)), cfg)
    samples = folder / "samples.csv"
    samples.write_text(samples.read_text().replace("s0,skeletons/s0.npy,0,", "s0,skeletons/s0.npy,1,"))
    relabelled = prepare_dataset(get_dataset(str(folder)), cfg)
    assert relabelled != first
    assert load_prepared(Store(cfg.store), relabelled).label[0] == 1
    clip = folder / "skeletons" / "s1.npy"
    size = clip.stat().st_size
    np.save(clip, np.zeros((10, 25, 3), np.float32) + 0.5)
    assert clip.stat().st_size == size
    rewritten = prepare_dataset(get_dataset(str(folder)), cfg)
    assert rewritten not in (first, relabelled)
    assert "(new)" in capsys.readouterr().out.strip().splitlines()[-1]
    (folder / "descriptions.jsonl").write_text("{}\n")  # class texts do not shape the skeleton arrays
    assert prepare_dataset(get_dataset(str(folder)), cfg) == rewritten


def test_the_hash_cache_is_used_and_survives_damage(tmp_path: Path) -> None:
    folder = dataset_folder(tmp_path / "ds")
    cfg = small(tmp_path)
    key = prepare_dataset(get_dataset(str(folder)), cfg)
    cache = Path(cfg.store) / "file-hashes.json"
    cache.write_text("{not json")
    assert prepare_dataset(get_dataset(str(folder)), cfg) == key


def test_equal_folders_elsewhere_share_the_artifact_different_ones_do_not(tmp_path: Path) -> None:
    cfg = small(tmp_path)
    a = prepare_dataset(get_dataset(str(dataset_folder(tmp_path / "a" / "ds"))), cfg)
    b_folder = dataset_folder(tmp_path / "b" / "ds")
    assert prepare_dataset(get_dataset(str(b_folder)), cfg) == a
    np.save(b_folder / "skeletons" / "s2.npy", np.ones((10, 25, 3), np.float32))
    assert prepare_dataset(get_dataset(str(b_folder)), cfg) != a


# ---------- row 3: more than two bodies ----------


def test_clips_with_more_bodies_keep_the_most_active_in_prepare_and_predict(tmp_path: Path) -> None:
    folder = dataset_folder(
        tmp_path / "ds", [(40, 3, 25, 3), (12, 25, 3), (20, 4, 25, 3), (9, 25, 3), (15, 2, 25, 3), (10, 25, 3)]
    )
    cfg = small(tmp_path)
    key = prepare_dataset(get_dataset(str(folder)), cfg)
    assert load_prepared(Store(cfg.store), key).x.shape == (6, 2, 8, 25, 3)
    good, x, bad = load_clips(find_clips(folder, NTU25), NTU25, 8, 2)
    assert not bad and x.shape == (6, 2, 8, 25, 3)
    data = np.random.default_rng(1).normal(size=(30, 3, 25, 3)).astype(np.float32)
    data[:, 2] *= 10  # body 2 moves most: kept, with body 0 or 1
    out = preprocess_clip(data, NTU25, 8, 2)
    assert out.shape == (2, 8, 25, 3)
    still = data.copy()
    still[:, 2] = 0  # an absent third body
    assert preprocess_clip(still, NTU25, 8, 2).shape == (2, 8, 25, 3)


# ---------- row 4: huge and non-finite coordinates ----------


@pytest.mark.parametrize("value", [1e38, np.inf, -np.inf, 5e4])
def test_out_of_range_coordinates_name_the_file(tmp_path: Path, value: float) -> None:
    folder = dataset_folder(tmp_path / "ds")
    data = np.load(folder / "skeletons" / "s3.npy").astype(np.float64)
    data[4, 2, 1] = value
    np.save(folder / "skeletons" / "s3.npy", data)
    with pytest.raises(PipelineError, match=r"s3.npy: coordinate .* out of range"):
        prepare_dataset(get_dataset(str(folder)), small(tmp_path))
    assert not (Path(small(tmp_path).store) / "objects" / KIND).exists()
    good, _, bad = load_clips(find_clips(folder, NTU25), NTU25, 8, 2)
    assert len(good) == 5 and "s3.npy: coordinate" in bad[0].error
    with pytest.raises(PipelineError, match="out of range"):
        preprocess_clip(data[:, None], NTU25, 8, 2, sample_id="x")


# ---------- row 5 and the BOM of row 14: text files ----------


def test_non_utf8_files_name_the_file(tmp_path: Path) -> None:
    folder = dataset_folder(tmp_path / "ds")
    (folder / "samples.csv").write_bytes("sample_id,file,class_idx,subject\ns0,é,0,1\n".encode("latin-1"))
    with pytest.raises(PipelineError, match=r"samples.csv: not UTF-8 text \(byte 0xe9"):
        read_folder_dataset_clips(folder)
    with pytest.raises(PipelineError, match=r"samples.csv: not UTF-8"):
        find_clips(folder, NTU25)
    (folder / "classes.csv").write_bytes("idx,label\n0,wave\n1,b\xf6w\n".encode("latin-1"))
    with pytest.raises(PipelineError, match=r"classes.csv: not UTF-8"):
        get_dataset(str(folder))
    (folder / "dataset.toml").write_bytes(b"\xff\xfename = 'x'\n")
    (folder / "classes.csv").write_text("idx,label\n0,wave\n1,bow\n")
    with pytest.raises(PipelineError, match=r"dataset.toml: not UTF-8"):
        get_dataset(str(folder))
    (tmp_path / "zssar.toml").write_bytes(b"\xff\xfe[train]\n")
    with pytest.raises(PipelineError, match=r"zssar.toml: not UTF-8"):
        load_config(tmp_path / "zssar.toml")


def test_non_utf8_config_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / "zssar.toml").write_bytes(b"\xff\xfe[train]\n")
    run = zssar("models", "ls", cwd=tmp_path)
    assert run.returncode == 2 and "zssar.toml: not UTF-8" in run.stderr and "Traceback" not in run.stderr


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    folder = dataset_folder(tmp_path / "ds")
    for name in ("samples.csv", "classes.csv"):
        (folder / name).write_bytes(b"\xef\xbb\xbf" + (folder / name).read_bytes())
    clips, _ = read_folder_dataset_clips(folder)
    assert len(clips) == 6 and get_dataset(str(folder)).labels == ("wave", "bow")


# ---------- row 8: user text is never markup ----------


def test_messages_print_brackets_and_colons_literally(capsys) -> None:
    warn("label put on [hat] :a: [/x] [layout]")
    assert "warning: label put on [hat] :a: [/x] [layout]" in capsys.readouterr().err


def test_split_with_markup_through_the_cli(tmp_path: Path) -> None:
    run = zssar("train", "--dataset", "synthetic60", "--split", "[/x]", cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "unknown split '[/x]'" in run.stderr


def test_layout_error_keeps_its_brackets(tmp_path: Path) -> None:
    folder = dataset_folder(tmp_path / "ds")
    (folder / "dataset.toml").write_text('layout = "nope"\n')
    run = zssar("skeleton", "prepare", "--dataset", str(folder), cwd=tmp_path)
    assert run.returncode == 2 and "or give a [layout] table" in run.stderr


def test_prediction_table_shows_labels_literally(capsys) -> None:
    classes = ClassList(("put on [hat]", "[/x] :a:"), ({}, {}), "--labels")
    top = [("put on [hat]", 0.6), ("[/x] :a:", 0.4)]
    result = infer.Predictions("k", {}, classes, False, 2, [infer.ClipPrediction("c[/b]", "c.npy", top)])
    predict_stage._show(result, limit=None)
    out = capsys.readouterr().out
    assert "put on [hat]" in out and "[/x] :a: 0.40" in out and "c[/b]" in out


# ---------- row 9: custom layouts ----------


@pytest.mark.parametrize("key, value", [("shoulders", [4, 99]), ("hips", [-1, 2]), ("shoulders", "ab")])
def test_layout_shoulders_and_hips_are_checked(key: str, value: object) -> None:
    spec = {"joints": ["a", "b", "c", "d", "e"], "edges": [[0, 1]], "center": 1, key: value}
    with pytest.raises(PipelineError, match=rf"dataset.toml: {key} "):
        get_layout(spec, where="dataset.toml")


# ---------- rows 10, 11 and the config items of row 14 ----------


@pytest.mark.parametrize(
    "setting, message",
    [
        ("train.alpha=nan", "train.alpha: 'nan' is not a finite number"),
        ("train.alpha=inf", "train.alpha: 'inf' is not a finite number"),
        ("train.lam=nan", "train.lam: 'nan' is not a finite number"),
        ("train.lr=-inf", "train.lr: '-inf' is not a finite number"),
        ("skeleton.backbone.lr=nan", "skeleton.backbone.lr"),
        ("skeleton.backbone.epochs=0", "skeleton.backbone.epochs must be at least 1"),
        ("skeleton.backbone.epochs=-3", "skeleton.backbone.epochs must be at least 1"),
        ("train.seeds=0", "train.seeds must be at least 1"),
    ],
)
def test_bad_numbers_are_refused_at_validation(setting: str, message: str) -> None:
    with pytest.raises(PipelineError, match=message.replace("(", r"\(")):
        load_config(None, [setting])


@pytest.mark.parametrize(
    "text, message",
    [
        ("[train]\ncycles = 3.0\n", "train.cycles: cannot read 3.0 as int"),
        ("[train]\nseeds = true\n", "train.seeds: cannot read True as int"),
        ("[train]\nalpha = nan\n", "train.alpha: nan is not a finite number"),
        ("[train]\nlr = true\n", "train.lr: cannot read True as float"),
    ],
)
def test_toml_slips_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "c.toml").write_text(text)
    with pytest.raises(PipelineError, match=message):
        load_config(tmp_path / "c.toml")


def test_nan_through_the_cli(tmp_path: Path) -> None:
    run = zssar("train", "--dataset", "synthetic60", "--split", "55_5", "--set", "train.alpha=nan", cwd=tmp_path)
    assert run.returncode == 2 and "train.alpha" in run.stderr and "Traceback" not in run.stderr


# ---------- row 14: smaller items ----------


@pytest.mark.parametrize("spec", ["random:5", "random:5:0:junk", "unseen:1,1"])
def test_malformed_split_names(spec: str) -> None:
    with pytest.raises(PipelineError, match="split"):
        get_split(get_dataset("synthetic60"), spec)


def test_duplicate_class_labels(tmp_path: Path) -> None:
    folder = dataset_folder(tmp_path / "ds")
    (folder / "classes.csv").write_text("idx,label\n0,wave\n1,Wave\n")
    with pytest.raises(PipelineError, match=r"classes.csv line 3: label 'Wave' is also class 0"):
        get_dataset(str(folder))


def test_text_and_complex_npy(tmp_path: Path) -> None:
    (tmp_path / "t.npy").write_text("1 2 3\n")
    with pytest.raises(PipelineError, match=r"t.npy: not a readable .npy array: no NumPy header"):
        load_numeric_npy(tmp_path / "t.npy")
    np.save(tmp_path / "c.npy", np.zeros((4, 25, 3), np.complex64))
    with pytest.raises(PipelineError, match=r"c.npy: expected .* got dtype complex64"):
        read_clip(ClipFile("c", tmp_path / "c.npy"), NTU25)


def test_ntu60_reports_the_skipped_ntu120_files(tmp_path: Path, capsys) -> None:
    from pipeline.skeleton.readers.ntu import read_ntu_folder

    body = (
        "1\n1\n"
        + " ".join(["7"] + ["0"] * 9)
        + "\n25\n"
        + "".join("0.1 0.2 3.0" + " 0" * 9 + "\n" for _ in range(25))
    )
    for name in ("S001C001P001R001A001", "S018C001P008R001A061"):
        (tmp_path / f"{name}.skeleton").write_text(body)
    clips = read_ntu_folder(tmp_path, workers=1, max_action=60)
    assert [c.sample_id for c in clips] == ["S001C001P001R001A001"]
    assert "1 .skeleton file(s) of actions above 60 skipped" in capsys.readouterr().err


class FakePredictor(infer.Predictor):
    """The real run/top-k logic over a scorer that returns fixed probabilities (no model, no torch)."""

    def __init__(self, labels: tuple[str, ...]) -> None:
        info = {
            "dataset": "d",
            "split": {"name": "s"},
            "method": "ridge",
            "preset": "p",
            "seed": 0,
            "backbone": "b",
            "encoder": "e",
        }
        self.model = SimpleNamespace(key="k" * 32, info=info, describe=lambda: "model k")
        self.members = [(self.model, None)]
        self.classes = ClassList(labels, tuple({} for _ in labels), "--labels")
        self.generalized, self.layout, self.frames, self.max_bodies, self.seen_labels = False, NTU25, 8, 2, []

    def probabilities(self, x: np.ndarray) -> dict[str, np.ndarray]:
        n = len(self.classes.labels)
        return {"probs": np.tile(np.arange(1, n + 1, dtype=np.float64)[::-1] / (n * (n + 1) / 2), (len(x), 1))}


def test_top_k_is_capped_to_the_classes(tmp_path: Path, capsys) -> None:
    np.save(tmp_path / "a.npy", np.random.default_rng(0).normal(size=(10, 25, 3)))
    result = FakePredictor(("a", "b", "c")).run(tmp_path / "a.npy", top_k=1000)
    assert result.top_k == 3 and len(result.clips[0].top) == 3
    assert "--top-k 1000: there are only 3 classes" in capsys.readouterr().err


def test_every_clip_bad_still_writes_out(tmp_path: Path, monkeypatch) -> None:
    clips = tmp_path / "clips"
    clips.mkdir()
    (clips / "a.npy").write_text("text")
    np.save(clips / "b.npy", np.zeros((1, 25, 3)))
    monkeypatch.setattr(predict_stage, "load_predictor", lambda *a, **k: FakePredictor(("a", "b")))
    out = tmp_path / "p.json"
    with pytest.raises(PipelineError, match="none of its 2 clips could be used"):
        predict_stage.predict(Config(), clips, out=out)
    written = json.loads(out.read_text())
    assert written["predictions"] == [] and [e["clip"] for e in written["errors"]] == ["a.npy", "b.npy"]


def test_one_label_warns(tmp_path: Path, capsys) -> None:
    np.save(tmp_path / "a.npy", np.random.default_rng(0).normal(size=(10, 25, 3)))
    result = FakePredictor(("wave",)).run(tmp_path / "a.npy")
    assert result.clips[0].top == [("wave", 1.0)]
    assert "only one class to choose from (wave): every clip gets it with p = 1.00" in capsys.readouterr().err


def test_ctrl_c_during_a_long_stage_exits_130_with_a_message(tmp_path: Path) -> None:
    import signal

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    command = [
        sys.executable,
        "-m",
        "pipeline",
        "skeleton",
        "fit",
        "--dataset",
        "synthetic60",
        "--split",
        "55_5",
        "--set",
        "skeleton.synthetic.samples_per_class=4",
    ]
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        time.sleep(8)  # imports, the synthetic data, then the backbone's first epoch
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        elapsed = time.monotonic() - start
    finally:
        proc.kill()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    assert elapsed < 5
    assert not list((tmp_path / "features" / "objects").glob("skeleton-backbone/*/meta.json"))


def test_fingerprint_rehashes_only_changed_files(tmp_path: Path, monkeypatch) -> None:
    from pipeline.skeleton.readers import fingerprint

    root = tmp_path / "src"
    root.mkdir()
    for name in ("a.bin", "b.bin"):
        (root / name).write_bytes(b"x" * 100)
        os.utime(root / name, ns=(10**18, 10**18))  # written long ago: safe to remember
    hashed: list[str] = []
    real = fingerprint._sha256
    monkeypatch.setattr(fingerprint, "_sha256", lambda p: hashed.append(p.name) or real(p))
    cache = tmp_path / "hashes.json"
    first = fingerprint.source_fingerprint(root, cache)
    assert sorted(hashed) == ["a.bin", "b.bin"]
    assert fingerprint.source_fingerprint(root, cache) == first and len(hashed) == 2
    (root / "b.bin").write_bytes(b"y" * 100)
    os.utime(root / "b.bin", ns=(10**18 + 1, 10**18 + 1))
    second = fingerprint.source_fingerprint(root, cache)
    assert hashed[2:] == ["b.bin"] and second["digest"] != first["digest"] and second["bytes"] == first["bytes"]


def test_no_message_of_the_package_carries_rich_markup():
    """The console prints every message as written (user text is never markup), so a markup tag in the
    package's own messages would reach the terminal as literal brackets."""
    import re

    package = Path(__file__).resolve().parents[1] / "pipeline"
    tags = re.compile(r"\[/?(bold|italic|dim|red|green|yellow|blue|cyan|magenta)\]")
    found = [
        f"{p.relative_to(package)}:{i}"
        for p in package.rglob("*.py")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if tags.search(line)
    ]
    assert found == []
