"""`zssar predict` and saved models: train on synthetic clips with some classes unseen, then label new clips.

The synthetic set here is a bring-your-own dataset folder holding 30 classes of the synthetic NTU-style
data (their NTU labels and shipped descriptions), small enough that the whole pipeline (prepare, embed,
both backbones, features, training) runs once per module in well under a minute on a CPU. Two models are
trained on it: the ridge baseline, whose closed form makes its zero-shot accuracy on so little data
stable enough to assert "well above chance", and FS-VAE on a tiny schedule, whose saved model must
reproduce its evaluated predictions exactly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from fsvae_toy import DATASET, SPLIT, TINY, make_toy
from test_describe import server  # noqa: F401, F811  (a fixture: a local chat-completions server)
from test_readers import NTU_SAMPLES, ntu_text, write
from typer.testing import CliRunner

from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.artifacts.kinds import ZSL_MODEL as KIND
from pipeline.artifacts.kinds import feature_ref
from pipeline.artifacts.saved_models import LATEST_REF, model_ref
from pipeline.catalog import get_dataset, get_split
from pipeline.cli import app
from pipeline.config import Config
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.predict.infer import load_predictor
from pipeline.predict.models import load_model
from pipeline.skeleton.settings import SyntheticConfig
from pipeline.skeleton.synthetic import generate_clips
from pipeline.stages.predict import list_models, predict
from pipeline.stages.train import train_split
from pipeline.store import Store

REPO = Path(__file__).resolve().parents[1]
CLASSES = 30  # NTU classes 0..29
UNSEEN = (5, 20, 22, 26)  # pick up, take off a hat/cap, hand waving, jump up
FRAMES = 16
NEW_CLIPS = 12  # new clips per unseen class to label
TINY_TRAIN = {"cycles": 2, "steps_per_cycle": 200, "classifier_samples": 100, "classifier_epochs": 100}


def _descriptions() -> dict[int, dict]:
    lines = (REPO / "descriptions" / "ntu120.jsonl").read_text(encoding="utf-8").splitlines()
    return {r["idx"]: r for r in map(json.loads, filter(str.strip, lines))}


def _write_dataset(root: Path) -> dict[str, int]:
    """A dataset folder of the first CLASSES synthetic classes; returns sample_id -> class."""
    texts = _descriptions()
    (root / "skeletons").mkdir(parents=True)
    (root / "classes.csv").write_text(
        "idx,label\n" + "".join(f"{c},{texts[c]['label']}\n" for c in range(CLASSES))
    )
    (root / "descriptions.jsonl").write_text("".join(json.dumps(texts[c]) + "\n" for c in range(CLASSES)))
    clips = generate_clips(CLASSES, SyntheticConfig(samples_per_class=6, subjects=6, frames=FRAMES))
    rows = []
    for clip in clips:
        np.save(root / "skeletons" / f"{clip.sample_id}.npy", clip.data)
        rows.append(f"{clip.sample_id},{clip.sample_id}.npy,{clip.label},{clip.subject}\n")
    (root / "samples.csv").write_text("sample_id,file,class_idx,subject\n" + "".join(rows))
    return {c.sample_id: c.label for c in clips}


def _config(root: Path) -> Config:
    cfg = Config(store=str(root / "store"), results=str(root / "results"), device="cpu")
    cfg.skeleton.prepare.frames = FRAMES
    cfg.skeleton.backbone.epochs = 8
    cfg.skeleton.backbone.batch_size = 16
    for k, v in TINY_TRAIN.items():
        setattr(cfg.train, k, v)
    return cfg


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Prepare, embed, fit, extract and train (ridge, then fsvae: the latest) once; new clips of the unseen
    classes (another synthetic seed) saved as plain .npy files."""
    from pipeline.skeleton.prepare import prepare_dataset
    from pipeline.stages.embed import embed_dataset
    from pipeline.stages.skeleton import extract_features

    root = tmp_path_factory.mktemp("predict")
    truth = _write_dataset(root / "dataset")
    cfg = _config(root)
    dataset = get_dataset(str(root / "dataset"))
    split = get_split(dataset, "unseen:" + ",".join(map(str, UNSEEN)))
    embed_dataset(dataset, cfg)
    prepare_dataset(dataset, cfg)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: one thread is as fast, and does not stall on a shared CPU
    try:
        extract_features(dataset, split, cfg)
    finally:
        torch.set_num_threads(threads)
    cfg.train.method = "ridge"
    [ridge] = train_split(dataset, split, cfg)
    cfg.train.method, cfg.train.frequency, cfg.train.cycles, cfg.train.steps_per_cycle = (
        "fsvae",
        "temporal",
        1,
        100,
    )
    [temporal] = train_split(dataset, split, cfg)
    cfg = _config(root)
    [result] = train_split(dataset, split, cfg)
    clips, new = root / "clips", {}
    clips.mkdir()
    fresh = generate_clips(
        CLASSES, SyntheticConfig(samples_per_class=NEW_CLIPS, subjects=6, frames=FRAMES, seed=1)
    )
    for n, clip in enumerate(c for c in fresh if c.label in UNSEEN):
        np.save(
            clips / f"{clip.sample_id}.npy", clip.data[:, 0] if n % 2 else clip.data
        )  # (T, J, 3), (T, M, J, 3)
        new[clip.sample_id] = clip.label
    return {
        "root": root,
        "cfg": cfg,
        "dataset": dataset,
        "split": split,
        "result": result,
        "ridge": ridge,
        "temporal": temporal,
        "truth": truth,
        "new": new,
        "clips": clips,
    }


def _accuracy(predictions, truth, labels) -> float:
    """Top-1 accuracy of predictions whose clips are named `<sample_id>.npy`."""
    hits = [p.top[0][0] == labels[truth[Path(p.name).stem]] for p in predictions.clips]
    return 100.0 * float(np.mean(hits))


def test_train_saves_the_model_and_records_its_key(trained):
    store, result = Store(trained["cfg"].store), trained["result"]
    key = result["model_key"]
    assert store.has(KIND, key)
    on_disk = json.loads(Path(store.meta(KIND, key)["info"]["result_file"]).read_text())
    assert on_disk["model_key"] == key
    ref = model_ref(trained["dataset"].name, trained["split"].slug, "fsvae", "released", result["seed"])
    assert store.get_ref(ref) == (KIND, key) and store.get_ref(LATEST_REF) == (KIND, key)
    info = store.meta(KIND, key)["info"]
    assert info["preprocess"] == {"frames": FRAMES, "max_bodies": 2} and info["layout"]["name"] == "ntu25"
    assert info["encoder"] == "all-MiniLM-L6-v2" and info["fields"] == ["label", "local", "global"]
    assert info["unseen"] == list(UNSEEN) and store.has("backbone", info["backbone"])
    assert info["config"]["train"]["steps_per_cycle"] == 200
    assert store.has(KIND, trained["ridge"]["model_key"])


@pytest.mark.parametrize("run", ["result", "temporal", "ridge"])
def test_saved_model_reproduces_the_evaluated_zsl_predictions(trained, run):
    """The test-unseen clips, as the backbone saw them at extraction, give exactly the result's per-class ZSL
    (FS-VAE on pooled features, FS-VAE in the temporal frequency mode, ridge)."""
    from pipeline.skeleton.prepare import prepared_for

    cfg, result = trained["cfg"], trained[run]
    predictor = load_predictor(cfg, result["model_key"])
    assert (predictor.model.info["time_steps"] is not None) == (run == "temporal")
    _, prepared = prepared_for(trained["dataset"], cfg)
    rows = prepared.select(UNSEEN, "all")  # a dataset folder: every subject's clips
    probs = predictor.probabilities(np.asarray(prepared.x[rows], dtype=np.float32))["probs"]
    pred = np.asarray(UNSEEN)[probs.argmax(1)]
    truth = prepared.label[rows]
    per_class = {str(c): round(100.0 * float(np.mean(pred[truth == c] == c)), 2) for c in UNSEEN}
    assert per_class == result["per_class"]["zsl"]


def test_a_gate_that_reads_ridge_is_saved_and_routes_clips_as_evaluated(trained):
    """`train.gate_input = ridge`: the result's GZSL comes from a gate reading a ridge map on the pooled
    features (here under a temporal FS-VAE, whose own inputs are not pooled), the model keeps that map, and
    `--generalized` prediction of the test clips gives exactly the result's per-class GZSL."""
    from pipeline.skeleton.prepare import prepared_for

    cfg = _config(trained["root"])
    cfg.train.frequency, cfg.train.cycles, cfg.train.steps_per_cycle = "temporal", 1, 100
    own = _config(trained["root"])
    own.train.frequency, own.train.cycles, own.train.steps_per_cycle = "temporal", 1, 100
    cfg.train.gate_input = "ridge"
    store = Store(cfg.store)
    refs = store.refs()
    try:
        [result] = train_split(trained["dataset"], trained["split"], cfg)
        [plain] = train_split(trained["dataset"], trained["split"], own)
    finally:  # the other tests' `latest` and model refs stay the fixture's
        for name, (kind, key) in refs.items():
            store.set_ref(name, kind, key)
    assert plain["gate"]["reads"] == "own" and plain["zsl_top1"] == result["zsl_top1"]
    assert result["gate"]["reads"] == "ridge"
    assert result["config"]["train"]["gate_input"] == "ridge"
    predictor = load_predictor(cfg, result["model_key"], generalized=True)
    assert predictor.gate_reader is not None and predictor.gate_reader[0].ridge is not None
    _, prepared = prepared_for(trained["dataset"], cfg)
    seen = [c for c in range(CLASSES) if c not in UNSEEN]
    rows = np.concatenate([prepared.select(seen, "test"), prepared.select(UNSEEN, "all")])
    out = predictor.probabilities(np.asarray(prepared.x[rows], dtype=np.float32))
    backbone_classes = np.asarray(predictor.model.info["backbone_classes"])
    pred = np.where(
        out["unseen"], np.asarray(UNSEEN)[out["probs"].argmax(1)], backbone_classes[out["seen_probs"].argmax(1)]
    )
    truth = prepared.label[rows]
    per_class = {str(c): round(100.0 * float(np.mean(pred[truth == c] == c)), 2) for c in np.unique(truth)}
    assert per_class == result["per_class"]["gzsl"]
    # a new class list: the ridge map the gate reads gets its own scorer over it, cached beside the model's
    labels = "wave; kick; sit down"
    fitted = load_predictor(cfg, result["model_key"], labels=labels, generalized=True)
    reader, scorer = fitted.gate_reader
    assert scorer.weight.shape[0] == 3 and reader.key.startswith(result["model_key"])
    routed = fitted.probabilities(np.asarray(prepared.x[rows[:6]], dtype=np.float32))
    assert routed["probs"].shape == (6, 3) and routed["unseen"].dtype == bool
    cached = len(store.entries("zsl-classifier"))
    again = load_predictor(cfg, result["model_key"], labels=labels, generalized=True)
    assert len(store.entries("zsl-classifier")) == cached
    np.testing.assert_array_equal(again.gate_reader[1].weight, scorer.weight)
    # a model whose gate reads a ridge map it does not hold (a damaged artifact) is refused by name
    damaged = dataclasses.replace(load_model(store, result["model_key"]), gate_ridge=None)
    with pytest.raises(PipelineError, match=f"model {result['model_key']}: its GZSL gate reads a ridge map"):
        damaged.gate_reader()


def test_predict_unseen_clips_with_the_models_classes_labels_and_a_class_file(trained, tmp_path, capsys):
    cfg, truth, labels = trained["cfg"], trained["new"], trained["dataset"].labels
    model = trained["ridge"]["model_key"]
    chance = 100.0 / len(UNSEEN)
    own = predict(cfg, trained["clips"], model=model, top_k=3)
    assert len(own.clips) == NEW_CLIPS * len(UNSEEN) and not own.errors and len(own.clips[0].top) == 3
    assert _accuracy(own, truth, labels) >= 2 * chance
    probs = [p for _, p in own.clips[0].top]
    assert probs == sorted(probs, reverse=True) and 0.0 < sum(probs) <= 1.0 + 1e-6

    # a class file in another order, with descriptions beside it
    shuffled = [UNSEEN[i] for i in (2, 0, 3, 1)]
    folder = tmp_path / "list"
    folder.mkdir()
    (folder / "classes.csv").write_text("label\n" + "".join(f"{labels[c]}\n" for c in shuffled))
    texts = _descriptions()
    (folder / "descriptions.jsonl").write_text(
        "".join(json.dumps({**texts[c], "idx": i}) + "\n" for i, c in enumerate(shuffled))
    )
    listed = predict(cfg, trained["clips"], model=model, classes=folder / "classes.csv", out=tmp_path / "out.json")
    assert listed.classes.labels == tuple(labels[c] for c in shuffled) and listed.classes.how == "descriptions"
    assert _accuracy(listed, truth, labels) >= 2 * chance
    saved = json.loads((tmp_path / "out.json").read_text())
    assert len(saved["predictions"]) == NEW_CLIPS * len(UNSEEN)
    assert saved["predictions"][0]["top"][0]["label"] in listed.classes.labels

    # labels alone: embedded from the label, with a warning
    capsys.readouterr()
    by_label = predict(
        cfg, trained["clips"], model=model, labels="; ".join(labels[c] for c in UNSEEN), out=tmp_path / "out.csv"
    )
    assert "from the label alone" in capsys.readouterr().err
    assert _accuracy(by_label, truth, labels) >= 2 * chance
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[0] == "clip,path,rank,label,prob,route,p_unseen,error"
    assert len(lines) == 1 + NEW_CLIPS * len(UNSEEN) * len(UNSEEN)  # a row per clip and rank


def test_a_new_class_list_is_fitted_once_then_cached(trained, monkeypatch):
    cfg = trained["cfg"]
    store = Store(cfg.store)
    labels = "wave; kick; sit down"
    first = load_predictor(cfg, labels=labels)
    assert first.classes.labels == ("wave", "kick", "sit down")
    cached = len(store.entries("zsl-classifier"))

    def no_encoder(*args, **kwargs):
        raise AssertionError("a cached class list loads no encoder")

    monkeypatch.setattr("pipeline.predict.classes.fused_text", no_encoder)
    again = load_predictor(cfg, labels=labels)
    assert len(store.entries("zsl-classifier")) == cached
    np.testing.assert_array_equal(first.scorer.weight, again.scorer.weight)


def test_labels_without_descriptions_are_described_by_a_configured_llm(trained, server, tmp_path):
    """Through a real chat-completions server on 127.0.0.1 (test_describe's `server` fixture)."""
    cfg = _config(trained["root"])
    cfg.describe.cache_dir = str(tmp_path / "llm")
    predictor = load_predictor(cfg, labels="juggle balls; skip rope")
    assert len(server.requests) == 4  # a global and a local description per label
    assert predictor.classes.how == f"2 described by {cfg.describe.model}"
    assert predictor.classes.texts[0]["local"].startswith("echo: ")


def test_generalized_routes_through_the_gate(trained, tmp_path):
    cfg, truth = trained["cfg"], trained["truth"]
    seen_clips = tmp_path / "seen"
    seen_clips.mkdir()
    for sample_id in [s for s, c in sorted(truth.items()) if c in (0, 9, 23)]:
        data = np.load(trained["root"] / "dataset" / "skeletons" / f"{sample_id}.npy")
        np.save(seen_clips / f"{sample_id}.npy", data)
    result = predict(cfg, seen_clips, generalized=True, out=tmp_path / "g.json")
    labels = trained["dataset"].labels
    seen_labels = {labels[c] for c in trained["split"].seen}
    for p in result.clips:
        assert p.route in ("seen", "unseen") and 0.0 <= p.p_unseen <= 1.0
        assert (p.top[0][0] in seen_labels) == (p.route == "seen")
    assert sum(p.route == "seen" for p in result.clips) > 0
    assert "route" in json.loads((tmp_path / "g.json").read_text())["predictions"][0]


def test_bad_clips_are_named_and_a_folder_keeps_the_good_ones(trained, tmp_path):
    cfg = trained["cfg"]
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = sorted(trained["clips"].iterdir())[:2]
    for path in good:
        (folder / path.name).write_bytes(path.read_bytes())
    np.save(folder / "layout.npy", np.zeros((20, 20, 3), np.float32) + 1)  # 20 joints, model has 25
    np.save(folder / "short.npy", np.ones((1, 25, 3), np.float32))  # one frame
    np.save(folder / "empty.npy", np.full((30, 25, 3), np.nan, np.float32))  # nothing observed
    (folder / "broken.npy").write_bytes(b"not an array")
    np.save(folder / "text.npy", np.array(["a", "b"]))
    result = predict(cfg, folder)
    assert sorted(p.name for p in result.clips) == sorted(p.name for p in good)
    errors = {e.name: e.error for e in result.errors}
    assert set(errors) == {"layout.npy", "short.npy", "empty.npy", "broken.npy", "text.npy"}
    for name, error in errors.items():
        assert str(folder / name) in error
    assert "ntu25" in errors["layout.npy"] and "at least 2" in errors["short.npy"]
    assert "no joint is observed" in errors["empty.npy"] and "not a readable .npy" in errors["broken.npy"]

    for name in ("layout.npy", "short.npy", "empty.npy", "broken.npy"):
        with pytest.raises(PipelineError, match=re.escape(str(folder / name))):
            predict(cfg, folder / name)
    with pytest.raises(PipelineError, match="unsupported clip file"):
        (folder / "notes.txt").write_text("x")
        predict(cfg, folder / "notes.txt")
    with pytest.raises(PipelineError, match="does not exist"):
        predict(cfg, folder / "missing.npy")
    with pytest.raises(PipelineError, match="--out must end in .json or .csv"):
        predict(cfg, good[0], out=tmp_path / "out.txt")
    with pytest.raises(PipelineError, match="either --classes or --labels"):
        predict(cfg, good[0], classes=tmp_path, labels="a; b")


def test_ntu_skeleton_files_are_inputs(trained, tmp_path):
    folder = tmp_path / "ntu"
    clip = next(
        c
        for c in generate_clips(CLASSES, SyntheticConfig(samples_per_class=1, subjects=6, frames=FRAMES, seed=2))
        if c.label == UNSEEN[0]
    )
    body = np.nan_to_num(clip.data[:, 0]).astype(np.float64)
    write(folder / "S001C001P001R001A006.skeleton", ntu_text([[("72057594037931101", xyz)] for xyz in body]))
    if NTU_SAMPLES.is_dir():  # real NTU RGB+D files, when ../shared/data is there
        for name in ("S001C001P003R002A005.skeleton", "S001C001P004R001A017.skeleton"):
            (folder / name).write_bytes((NTU_SAMPLES / name).read_bytes())
    result = predict(trained["cfg"], folder)
    assert not result.errors and len(result.clips) == len(list(folder.iterdir()))
    assert {p.top[0][0] for p in result.clips} <= {trained["dataset"].labels[c] for c in UNSEEN}
    misnamed = write(tmp_path / "clip.skeleton", ntu_text([[("1", xyz)] for xyz in body]))
    with pytest.raises(PipelineError, match=re.escape(str(misnamed))):
        predict(trained["cfg"], misnamed)


def test_a_dataset_folder_is_an_input(trained):
    cfg, labels = trained["cfg"], trained["dataset"].labels
    result = predict(cfg, trained["root"] / "dataset", top_k=1)
    assert len(result.clips) == 6 * CLASSES and result.clips[0].name == "S001C001P001R001A001"
    assert {p.top[0][0] for p in result.clips} <= {labels[c] for c in UNSEEN}


def test_cli_predict_and_models_ls(trained, tmp_path):
    cfg = trained["cfg"]
    runner = CliRunner()
    clip = sorted(trained["clips"].iterdir())[0]
    labels = trained["dataset"].labels
    out = runner.invoke(
        app,
        [
            "predict",
            "--model",
            "latest",
            "--input",
            str(clip),
            "--labels",
            "; ".join(labels[c] for c in UNSEEN),
            "--top-k",
            "2",
            "--set",
            f"store={cfg.store}",
        ],
    )
    assert out.exit_code == 0, out.output
    assert "top-2 predictions" in out.stdout and "1 clip(s) labelled" in out.stdout
    assert any(labels[c] in out.stdout for c in UNSEEN)
    listed = runner.invoke(app, ["models", "ls", "--set", f"store={cfg.store}"])
    assert listed.exit_code == 0 and trained["result"]["model_key"] in listed.stdout
    bad = runner.invoke(app, ["predict", "--model", "nope", "--input", str(clip), "--set", f"store={cfg.store}"])
    assert bad.exit_code == 3 and "zssar models ls" in bad.output


def test_presets_ridge_and_models_without_a_backbone(tmp_path):
    """On toy features: both presets and ridge save models that reproduce their evaluated ZSL exactly;
    `models ls` tells the presets apart; a model without a backbone cannot label clips, and says why."""
    cfg = Config(store=str(tmp_path / "store"), results=str(tmp_path / "results"), seed=3)
    for k, v in TINY.items():
        setattr(cfg.train, k, v)
    store = Store(cfg.store)
    key, text = make_toy(store)
    fs = load_feature_set(store, key)
    results = {}
    for method, preset in (("fsvae", "released"), ("fsvae", "paper"), ("ridge", "released")):
        cfg.train.method, cfg.train.preset = method, preset
        [results[method, preset]] = train_split(DATASET, SPLIT, cfg, text=text)
    for (method, preset), result in results.items():
        model = load_model(store, result["model_key"])
        assert (model.info["method"], model.info["preset"]) == (method, preset) and model.info["backbone"] is None
        probs = model.unseen_scorer.probs(model.latents(torch.as_tensor(fs["test_unseen"].feature)))
        pred = np.asarray(SPLIT.unseen)[probs.argmax(1)]
        assert round(100.0 * float(np.mean(pred == fs["test_unseen"].class_idx)), 2) == result["zsl_top1"]
    assert results["fsvae", "paper"]["config"]["train"]["phi"] == 35
    assert results["fsvae", "released"]["config"]["train"]["phi"] == 30
    rows = list_models(cfg)
    assert sorted((r["method"], r["preset"]) for r in rows) == sorted(results)
    assert rows[0]["key"] == results["ridge", "released"]["model_key"] and rows[0]["latest"]
    with pytest.raises(PipelineError, match="without a backbone"):
        load_predictor(cfg, "latest")
    with pytest.raises(MissingArtifactError, match="no saved models"):
        load_predictor(Config(store=str(tmp_path / "empty")))


def test_a_second_store_pulls_features_and_models_from_the_remote(trained, tmp_path, monkeypatch):
    """Team B sets `remote` and runs the stages: features, backbones and text features arrive from the
    remote (a cache hit that never imports torch), `train` retrains on them and `predict` uses team A's
    model, with nothing recomputed."""
    from pipeline.stages.cache import push_store

    remote = str(tmp_path / "remote")
    push_store(trained["cfg"], remote)
    cfg = _config(tmp_path / "b")
    cfg.remote = remote
    folder, split = trained["dataset"].path, trained["split"].name
    code = (
        "import sys; from pipeline.catalog import get_dataset, get_split; from pipeline.config import Config; "
        "from pipeline.stages.skeleton import extract_features, fit_backbones; "
        f"cfg = Config(store={cfg.store!r}, remote={remote!r}, device='cpu'); "
        f"cfg.skeleton.prepare.frames = {FRAMES}; cfg.skeleton.backbone.epochs = 8; "
        "cfg.skeleton.backbone.batch_size = 16; "
        f"d = get_dataset({str(folder)!r}); s = get_split(d, {split!r}); fit_backbones(d, s, cfg); "
        "print(extract_features(d, s, cfg)); assert 'torch' not in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert done.returncode == 0, done.stderr
    a, b = Store(trained["cfg"].store), Store(cfg.store)
    features = a.get_ref(f"features/{trained['dataset'].name}/{trained['split'].slug}")
    assert done.stdout.split()[-1] == features[1] and b.has(*features)

    def no_compute(*args, **kwargs):
        raise AssertionError("recomputed what the remote holds")

    monkeypatch.setattr("pipeline.skeleton.fit.train_backbone", no_compute)
    monkeypatch.setattr("pipeline.text.encoders.load_encoder", no_compute)
    predictions = load_predictor(cfg).run(trained["clips"])  # team A's latest model, pulled
    assert predictions.model == trained["result"]["model_key"] and b.has(KIND, predictions.model)
    cfg.train.method = "ridge"
    [again] = train_split(trained["dataset"], trained["split"], cfg)
    assert again["feature_key"] == features[1] and again["zsl_top1"] == trained["ridge"]["zsl_top1"]


@pytest.mark.parametrize("objective, multistream", [("text", False), ("both", True)])
def test_direct_models_of_a_text_trained_backbone_label_clips(trained, tmp_path, objective, multistream):
    """A backbone trained against the class texts (skeleton.backbone.objective=text, or both with one
    network per input stream), its `direct` model: predict reproduces the evaluated ZSL, labels new clips
    with any class list, and routes through the gate."""
    from pipeline.skeleton.prepare import prepared_for
    from pipeline.stages.skeleton import extract_features

    cfg, dataset, split = _config(trained["root"]), trained["dataset"], trained["split"]
    cfg.skeleton.backbone.objective, cfg.skeleton.backbone.epochs = objective, 4
    if multistream:
        cfg.skeleton.backbone.inputs, cfg.skeleton.backbone.multistream = ["joint", "velocity"], True
    cfg.train.method, cfg.train.cycles = "direct", None
    store = Store(cfg.store)
    features_ref = feature_ref(dataset.name, split.slug)
    latest, ce_features = store.get_ref(LATEST_REF), store.get_ref(features_ref)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        features = extract_features(dataset, split, cfg)
        assert load_feature_set(store, features)["test_unseen"].projection is not None
        [result] = train_split(dataset, split, cfg, features=features)
        if multistream:  # and `fusion` on the same features: a ridge map per network and text field
            assert load_feature_set(store, features).streams == 2
            cfg.train.method = "fusion"
            [fusion] = train_split(dataset, split, cfg, features=features)
            cfg.train.method = "direct"
    finally:
        torch.set_num_threads(threads)
        store.set_ref(LATEST_REF, *latest)  # the other tests' `latest` stays the fixture's model,
        store.set_ref(features_ref, *ce_features)  # and the split's features its features
    predictor = load_predictor(cfg, result["model_key"])
    assert predictor.model.uses_projection and predictor.model.info["method"] == "direct"
    _, prepared = prepared_for(dataset, cfg)
    rows = prepared.select(UNSEEN, "all")
    pred = np.asarray(UNSEEN)[predictor.probabilities(np.asarray(prepared.x[rows], np.float32))["probs"].argmax(1)]
    truth = prepared.label[rows]
    per_class = {str(c): round(100.0 * float(np.mean(pred[truth == c] == c)), 2) for c in UNSEEN}
    assert per_class == result["per_class"]["zsl"]

    labels = dataset.labels
    own = predict(cfg, trained["clips"], model=result["model_key"], top_k=2)
    assert len(own.clips) == NEW_CLIPS * len(UNSEEN) and not own.errors
    assert {label for p in own.clips for label, _ in p.top} <= {labels[c] for c in UNSEEN}
    # a new class list gets the same centred-text scorer the evaluation used
    refit = predictor.model.fit_scorer(predictor.model.text[list(UNSEEN)], seed=0)
    np.testing.assert_allclose(refit.weight, predictor.model.unseen_scorer.weight, rtol=1e-6)
    routed = predict(cfg, trained["clips"], model=result["model_key"], generalized=True)
    assert all(p.route in ("seen", "unseen") for p in routed.clips)
    if multistream:  # the fusion model reproduces its evaluation too, with 2 streams x 3 fields as members
        fused = load_predictor(cfg, fusion["model_key"])
        assert fused.model.fusion is not None and fused.model.unseen_scorer.weight.shape[0] == 6
        probs = fused.probabilities(np.asarray(prepared.x[rows], np.float32))["probs"]
        pred = np.asarray(UNSEEN)[probs.argmax(1)]
        per_class = {str(c): round(100.0 * float(np.mean(pred[truth == c] == c)), 2) for c in UNSEEN}
        assert per_class == fusion["per_class"]["zsl"]
        refit = fused.model.fit_scorer(fused.model.text[list(UNSEEN)], seed=0)
        np.testing.assert_allclose(refit.weight, fused.model.unseen_scorer.weight, rtol=1e-6)


def test_direct_refuses_a_cross_entropy_backbone(trained, tmp_path):
    cfg = _config(trained["root"])
    cfg.train.method, cfg.train.cycles = "direct", None
    with pytest.raises(PipelineError, match="skeleton.backbone.objective=text or both"):
        train_split(trained["dataset"], trained["split"], cfg)


def test_a_text_scored_model_labels_clips_and_caches_a_new_class_list(trained, monkeypatch):
    """`train.scorer = text` (the tuned preset's): the model's own classes score as evaluated, a new list is
    scored by cosine with its texts (no classifier trained) and read back from the cache."""
    cfg = _config(trained["root"])
    cfg.train.scorer, cfg.train.text_decoder_relu = "text", False
    [result] = train_split(trained["dataset"], trained["split"], cfg)
    own = load_predictor(cfg, model=result["model_key"])
    out = own.run(trained["clips"], top_k=1)
    assert len(out.clips) == len(trained["new"]) and not out.errors
    assert {c.top[0][0] for c in out.clips} <= set(own.classes.labels)
    labels = "wave; kick; sit down"
    first = load_predictor(cfg, model=result["model_key"], labels=labels)
    assert first.scorer.weight.shape[:2] == (1, 3) and not first.scorer.bias.any()
    monkeypatch.setattr("pipeline.predict.classes.fused_text", lambda *a, **k: pytest.fail("cache missed"))
    again = load_predictor(cfg, model=result["model_key"], labels=labels)
    np.testing.assert_array_equal(first.scorer.weight, again.scorer.weight)
    assert [c.top for c in again.run(trained["clips"], top_k=3).clips] == [
        c.top for c in first.run(trained["clips"], top_k=3).clips
    ]


def test_an_ensemble_of_one_splits_models_averages_their_probabilities(trained, tmp_path):
    """Several --model: the models of one backbone and split scored together (the evaluation's ensemble
    row), their class probabilities averaged, for the models' own classes and for a new list."""
    from pipeline.predict.inputs import find_clips, load_clips

    cfg = trained["cfg"]
    keys = [trained["result"]["model_key"], trained["temporal"]["model_key"], trained["ridge"]["model_key"]]
    for labels in (None, "wave; kick; sit down"):
        both = load_predictor(cfg, model=keys, labels=labels)
        alone = [load_predictor(cfg, model=key, labels=labels) for key in keys]
        _, x, _ = load_clips(find_clips(trained["clips"], both.layout), both.layout, both.frames, both.max_bodies)
        np.testing.assert_allclose(
            both.probabilities(x)["probs"],
            np.mean([p.probabilities(x)["probs"] for p in alone], axis=0),
            rtol=1e-5,
            atol=1e-6,
        )
    out = tmp_path / "p.json"
    result = predict(cfg, trained["clips"], model=keys, out=out, top_k=2)
    written = json.loads(out.read_text())
    assert written["model"] == "+".join(keys) and len(written["model_info"]["members"]) == 3
    assert len(result.clips) == len(trained["new"])
    with pytest.raises(PipelineError, match="--generalized with several models needs the one gate they share"):
        load_predictor(cfg, model=keys, generalized=True)


def test_models_of_another_split_or_backbone_are_refused_as_an_ensemble(trained, monkeypatch):
    """An ensemble averages one class list's probabilities from one backbone's features: a model of other
    unseen classes or another backbone is named and refused, in predict and in the evaluation's row."""
    import dataclasses

    from pipeline.predict import infer
    from pipeline.stages.ensemble import ensemble_scores

    cfg, ridge = trained["cfg"], trained["ridge"]["model_key"]
    real = infer.load_model

    def moved(info):
        def load(store, name, remote=None):
            model = real(store, name, remote)
            return dataclasses.replace(model, info={**model.info, **info}) if model.key == ridge else model

        return load

    keys = [trained["result"]["model_key"], ridge]
    for info in ({"unseen": trained["ridge"]["split"]["unseen"][::-1]}, {"backbone": "0" * 32}):
        monkeypatch.setattr(infer, "load_model", moved(info))
        monkeypatch.setattr("pipeline.predict.models.load_model", moved(info))
        with pytest.raises(PipelineError, match=f"models .* and {ridge}: an ensemble's models must share"):
            load_predictor(cfg, model=keys)
        parts = load_feature_set(Store(cfg.store), trained["result"]["feature_key"])
        with pytest.raises(PipelineError, match="must share a backbone and unseen classes"):
            ensemble_scores(Store(cfg.store), keys, parts["test_seen"], parts["test_unseen"])


@pytest.mark.parametrize("method", ["descriptor", "bodyparts"])
def test_a_model_of_a_computed_column_labels_clips_as_evaluated_and_joins_an_ensemble(
    trained, method, monkeypatch
):
    """Methods `descriptor` (ridge on the hand-crafted motion descriptor) and `bodyparts` (maps per body
    part): predict computes the column from the clips it prepares, so the test clips give exactly the
    result's per-class ZSL and, through its gate, GZSL; with a model of the backbone's features it is an
    ensemble whose probabilities are the mean."""
    from pipeline.skeleton.prepare import prepared_for

    cfg = _config(trained["root"])
    cfg.train.method, cfg.train.cycles = method, None
    store = Store(cfg.store)
    refs = store.refs()
    try:
        [result] = train_split(trained["dataset"], trained["split"], cfg)
    finally:  # the other tests' `latest` and model refs stay the fixture's
        for name, (kind, key) in refs.items():
            store.set_ref(name, kind, key)
    assert result["method"] == method and result["gzsl"] is not None
    predictor = load_predictor(cfg, result["model_key"], generalized=True)
    assert predictor.model.reads == method
    _, prepared = prepared_for(trained["dataset"], cfg)
    seen = [c for c in range(CLASSES) if c not in UNSEEN]
    rows = np.concatenate([prepared.select(seen, "test"), prepared.select(UNSEEN, "all")])
    x = np.asarray(prepared.x[rows], dtype=np.float32)
    out = predictor.probabilities(x)
    truth = prepared.label[rows]
    unseen = np.isin(truth, UNSEEN)
    pred = np.asarray(UNSEEN)[out["probs"].argmax(1)]
    zsl = {str(c): round(100.0 * float(np.mean(pred[truth == c] == c)), 2) for c in UNSEEN}
    assert zsl == result["per_class"]["zsl"] and unseen.any() and (~unseen).any()
    backbone_classes = np.asarray(predictor.model.info["backbone_classes"])
    routed = np.where(out["unseen"], pred, backbone_classes[out["seen_probs"].argmax(1)])
    gzsl = {str(c): round(100.0 * float(np.mean(routed[truth == c] == c)), 2) for c in np.unique(truth)}
    assert gzsl == result["per_class"]["gzsl"]
    keys = [result["model_key"], trained["ridge"]["model_key"]]
    both = load_predictor(cfg, model=keys)
    alone = [load_predictor(cfg, model=key).probabilities(x[:8])["probs"] for key in keys]
    np.testing.assert_allclose(both.probabilities(x[:8])["probs"], np.mean(alone, axis=0), rtol=1e-5, atol=1e-6)

    # read back (the evaluation's reuse): a cache hit neither computes the column nor embeds part texts
    def untouched(*args, **kwargs):
        raise AssertionError("computed on a cache hit")

    for name in ("pipeline.skeleton.descriptor.with_descriptors", "pipeline.skeleton.bodyparts.with_bodyparts"):
        monkeypatch.setattr(name, untouched)
    monkeypatch.setattr("pipeline.stages.embed.with_part_fields", untouched)
    [again] = train_split(trained["dataset"], trained["split"], cfg, reuse=True)
    assert again["zsl_top1"] == result["zsl_top1"] and again["model_key"] == result["model_key"]
    monkeypatch.undo()
    # a new revision of the method's code serves no cached result: it trains again, under new keys
    from pipeline.zsl import methods

    revised = dataclasses.replace(methods.METHODS[method], revision=methods.METHODS[method].revision + 1)
    monkeypatch.setitem(methods.METHODS, method, revised)
    [renewed] = train_split(trained["dataset"], trained["split"], cfg, reuse=True)
    assert renewed["zsl_top1"] == result["zsl_top1"] and renewed["model_key"] != result["model_key"]
    assert len(list(Path(cfg.results).rglob(f"{method}/*seed*.json"))) == 2
    monkeypatch.undo()
    # a new class list: `bodyparts` reads its part fields from each class's local text (here the label's)
    listed = load_predictor(cfg, result["model_key"], labels="wave; kick; sit down")
    probs = listed.probabilities(x[:4])["probs"]
    assert probs.shape == (4, 3) and np.allclose(probs.sum(1), 1.0, atol=1e-5)


def test_an_ensemble_sharing_a_gate_that_reads_ridge_routes_clips_as_evaluated(trained):
    """Models of one split and seed trained with train.gate_input = ridge share their gate: `--generalized`
    with several of them routes through it and labels the unseen-routed clips by their mean probabilities,
    which gives exactly the evaluation's ensemble row (stages/ensemble.py) on the same clips."""
    from pipeline.artifacts.feature_sets import load_feature_set
    from pipeline.skeleton.computed import with_computed
    from pipeline.skeleton.prepare import prepared_for
    from pipeline.stages.ensemble import ensemble_scores
    from pipeline.zsl.evaluate import accuracy, harmonic_mean

    cfg = _config(trained["root"])
    cfg.train.gate_input, cfg.train.cycles = "ridge", None
    store = Store(cfg.store)
    refs = store.refs()
    results = []
    try:
        for method in ("descriptor", "bodyparts", "fusion"):
            cfg.train.method = method
            results += train_split(trained["dataset"], trained["split"], cfg)
    finally:  # the other tests' `latest` and model refs stay the fixture's
        for name, (kind, key) in refs.items():
            store.set_ref(name, kind, key)
    keys = [r["model_key"] for r in results]
    assert all(r["gate"]["reads"] == "ridge" for r in results)
    predictor = load_predictor(cfg, model=keys, generalized=True)
    _, prepared = prepared_for(trained["dataset"], cfg)
    seen = [c for c in range(CLASSES) if c not in UNSEEN]
    rows = {"seen": prepared.select(seen, "test"), "unseen": prepared.select(UNSEEN, "all")}
    backbone_classes = np.asarray(predictor.model.info["backbone_classes"])
    figures = {}
    for side, idx in rows.items():
        out = predictor.probabilities(np.asarray(prepared.x[idx], dtype=np.float32))
        pred = np.where(
            out["unseen"],
            np.asarray(UNSEEN)[out["probs"].argmax(1)],
            backbone_classes[out["seen_probs"].argmax(1)],
        )
        figures[side] = accuracy(pred, prepared.label[idx])
    fs = with_computed(store, load_feature_set(store, results[0]["feature_key"]), ("descriptor", "bodyparts"))
    _, evaluated = ensemble_scores(store, keys, fs["test_seen"], fs["test_unseen"])
    assert evaluated is not None
    assert figures["seen"] == pytest.approx(evaluated["seen"], abs=1e-6)
    assert figures["unseen"] == pytest.approx(evaluated["unseen"], abs=1e-6)
    assert harmonic_mean(figures["seen"], figures["unseen"]) == pytest.approx(evaluated["h"], abs=1e-6)


def test_a_ridge_gate_is_shared_up_to_float_noise_and_not_beyond(trained):
    """Models whose ridge gates differ only in the last digits (a gate fitted by an earlier run) share the gate;
    a gate with another threshold, or one that reads its own model, is not shared."""
    import copy

    from pipeline.predict.models import shared_ridge_gate

    model = load_model(Store(_config(trained["root"]).store), trained["ridge"]["model_key"])
    gate = {"reads": "ridge", "threshold": 0.53, "coef": [0.8922210335731506, -0.67018061876297], "k": 5}
    first = dataclasses.replace(
        model, info={**model.info, "gate": gate}, gate=dataclasses.replace(model.gate, reads="ridge")
    )
    noisy = copy.deepcopy(gate) | {"coef": [0.89222252368927, -0.670177161693573]}
    other = copy.deepcopy(gate) | {"threshold": 0.6}
    assert shared_ridge_gate([first, dataclasses.replace(first, info={**first.info, "gate": noisy})])
    assert not shared_ridge_gate([first, dataclasses.replace(first, info={**first.info, "gate": other})])
    own = dataclasses.replace(first, gate=dataclasses.replace(first.gate, reads="own"))
    assert not shared_ridge_gate([own, first])
