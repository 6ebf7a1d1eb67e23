"""The ST-GCN backbone: graph, network shapes, `fit` and `extract` end to end through a Store."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from backbone_data import tiny_config, tiny_prepared, tiny_split

from pipeline.artifacts.backbones import MODEL_FILE
from pipeline.artifacts.feature_sets import KIND as FEATURES
from pipeline.artifacts.feature_sets import load_feature_set
from pipeline.artifacts.kinds import BACKBONE as KIND
from pipeline.errors import PipelineError
from pipeline.skeleton import fit as fit_module
from pipeline.skeleton import training as training_module
from pipeline.skeleton.extract import extract_prepared
from pipeline.skeleton.fit import class_targets, fit_prepared, load_backbone
from pipeline.skeleton.graph import CENTRIFUGAL, CENTRIPETAL, SELF, adjacency, hop_distance, spatial_partitions
from pipeline.skeleton.keys import ClassTexts, backbone_keys, backbone_spec
from pipeline.skeleton.layouts import MSR20, NTU25, Layout
from pipeline.skeleton.model import STGCN
from pipeline.store import Store, hash_spec

DATA_KEY = "tiny-data"


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Shared cores: one thread avoids OpenMP oversubscription stalls. Module scope, so it is in force
    before `fitted` (bitwise reproducibility holds for a fixed thread count)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """One fit + extract on the tiny data, shared by the tests that only read it."""
    store = tmp_path_factory.mktemp("fitted")
    cfg, prepared, split = tiny_config(store), tiny_prepared(), tiny_split()
    keys = fit_prepared(prepared, DATA_KEY, split, cfg)
    features = extract_prepared(prepared, DATA_KEY, split, cfg, keys, ref="features/tiny/tiny")
    return cfg, prepared, split, keys, features


# ---- graph -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [NTU25, MSR20])
def test_partitions_sum_to_the_row_normalised_adjacency_with_self_loops(layout):
    a = spatial_partitions(layout)
    assert a.shape == (3, layout.num_joints, layout.num_joints) and a.dtype == np.float32
    total = a.sum(axis=0)
    np.testing.assert_allclose(total.sum(axis=1), 1.0, rtol=1e-6)
    support = adjacency(layout) + np.eye(layout.num_joints)
    np.testing.assert_array_equal(total > 0, support > 0)
    np.testing.assert_allclose(total, support / support.sum(axis=1, keepdims=True), rtol=1e-6)
    # The partitions are disjoint: every (i, j) entry belongs to exactly one.
    assert ((a > 0).sum(axis=0) <= 1).all()


def test_ntu25_partitions_are_mirror_images():
    a = spatial_partitions(NTU25) > 0
    adj = adjacency(NTU25)
    np.testing.assert_array_equal(adj, adj.T)
    # Joint i reads j inward exactly when j reads i outward; the self partition is the diagonal.
    np.testing.assert_array_equal(a[CENTRIPETAL], a[CENTRIFUGAL].T)
    np.testing.assert_array_equal(a[SELF], np.eye(25, dtype=bool))
    assert a[CENTRIPETAL].sum() == len(NTU25.edges) == a[CENTRIFUGAL].sum()
    # Every joint but the centre has exactly one parent (an inward neighbour): the skeleton is a tree.
    inward = a[CENTRIPETAL].sum(axis=1)
    assert inward[NTU25.center] == 0 and (np.delete(inward, NTU25.center) == 1).all()
    dist = hop_distance(NTU25)
    assert dist[NTU25.center] == 0 and dist[3] == 3  # spine_mid -> spine_shoulder -> neck -> head


def test_joints_cut_off_from_the_centre_only_read_themselves():
    layout = Layout(name="split", joints=("a", "b", "c", "d"), edges=((0, 1), (2, 3)), center=0)
    a = spatial_partitions(layout)
    assert np.isinf(hop_distance(layout)[2:]).all()
    np.testing.assert_allclose(a.sum(axis=0).sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(a[SELF][2:, 2:], [[0.5, 0.5], [0.5, 0.5]])


# ---- model -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "preset,layout,bodies", [("small", NTU25, 2), ("base", NTU25, 2), ("small", MSR20, 1), ("base", MSR20, 1)]
)
def test_model_shapes(preset, layout, bodies):
    torch.manual_seed(0)
    model = STGCN(layout, num_classes=7, preset=preset, embed_dim=256).eval()
    x = torch.randn(3, bodies, 32, layout.num_joints, 3)
    with torch.inference_mode():
        out = model(x, temporal=True)
        pooled_only = model(x)
    assert out.logits.shape == (3, 7) and out.feature.shape == (3, 256)
    assert out.temporal.shape == (3, 8, 256)  # time halved twice
    torch.testing.assert_close(out.temporal.mean(dim=1), out.feature)
    assert pooled_only.temporal is None


def test_absent_bodies_do_not_change_the_features():
    torch.manual_seed(0)
    model = STGCN(NTU25, num_classes=4, preset="small").eval()
    one = torch.randn(2, 1, 16, 25, 3)
    padded = torch.cat([one, torch.zeros_like(one)], dim=1)
    with torch.inference_mode():
        torch.testing.assert_close(model(padded).feature, model(one).feature)
        both = model(torch.cat([one, one], dim=1)).feature
    torch.testing.assert_close(both, model(one).feature)


def test_bone_and_velocity_streams():
    torch.manual_seed(0)
    model = STGCN(NTU25, num_classes=3, preset="small", inputs=("joint", "bone", "velocity")).eval()
    assert model.inputs.channels == 9
    with torch.inference_mode():
        assert model(torch.randn(2, 2, 16, 25, 3)).feature.shape == (2, 256)
    with pytest.raises(PipelineError, match="inputs"):
        STGCN(NTU25, num_classes=3, inputs=("acceleration",))
    with pytest.raises(PipelineError, match="preset"):
        STGCN(NTU25, num_classes=3, preset="huge")


# ---- fit and extract ---------------------------------------------------------------------------------


def test_fit_and_extract_end_to_end(fitted):
    cfg, prepared, split, keys, features_key = fitted
    store = Store(cfg.store)
    assert set(keys) == {"main", "val"} and all(store.has(KIND, k) for k in keys.values())
    main, val = store.meta(KIND, keys["main"])["info"], store.meta(KIND, keys["val"])["info"]
    assert main["classes"] == [0, 1, 2, 3, 4] and val["classes"] == [0, 1, 3, 4]
    assert not set(main["classes"]) & set(split.unseen)
    assert not set(val["classes"]) & (set(split.val_unseen) | set(split.unseen))
    assert main["subjects"] == [0, 1] and main["data"] == DATA_KEY and main["layout"]["name"] == "ntu25"
    assert main["epochs"] == 2 and 0.0 <= main["train_acc"] <= 1.0 and main["samples"] == 20
    assert main["config"]["skeleton"]["backbone"]["epochs"] == 2
    assert not list((store.root / "tmp").glob("backbone-*.ckpt"))  # resume files removed after sealing

    fs = load_feature_set(store, features_key)
    assert store.get_ref("features/tiny/tiny") == (FEATURES, features_key)
    assert fs.has_validation
    expect = {
        "train": ({0, 1, 2, 3, 4}, {0, 1}),
        "test_seen": ({0, 1, 2, 3, 4}, {2, 3}),
        "test_unseen": ({5}, {2, 3}),
        "val_train": ({0, 1, 3, 4}, {0, 1}),
        "val_test_seen": ({0, 1, 3, 4}, {2, 3}),
        "val_test_unseen": ({2}, {0, 1, 2, 3}),
    }
    subject_of = dict(zip(prepared.sample_id, prepared.subject))
    for name, (classes, subjects) in expect.items():
        part = fs[name]
        assert set(part.class_idx.tolist()) == classes, name
        assert {subject_of[s] for s in part.sample_id} == subjects, name
        n_seen = 4 if name.startswith("val") else 5
        assert part.feature.shape == (len(part), 256) and part.logits.shape == (len(part), n_seen)
        assert part.temporal.shape == (len(part), 4, 256)
        assert part.seen_classes == (tuple(val["classes"]) if name.startswith("val") else tuple(main["classes"]))
        assert np.isfinite(part.feature).all() and np.isfinite(part.logits).all()


def test_saved_backbone_reproduces_the_stored_features(fitted):
    cfg, prepared, split, keys, features_key = fitted
    store = Store(cfg.store)
    model, info = load_backbone(store, keys["main"])
    part = load_feature_set(store, features_key)["test_unseen"]
    rows = np.searchsorted(prepared.sample_id, part.sample_id)
    with torch.inference_mode():
        out = model(torch.from_numpy(prepared.x[rows].astype(np.float32)))
    np.testing.assert_allclose(out.feature.numpy(), part.feature, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out.logits.numpy(), part.logits, rtol=1e-4, atol=1e-5)
    assert tuple(info["classes"]) == part.seen_classes


def test_cache_hit_does_no_work(fitted, monkeypatch):
    cfg, prepared, split, keys, features_key = fitted

    def no_training(*args, **kwargs):
        raise AssertionError("a cached backbone was trained again")

    def no_extraction(*args, **kwargs):
        raise AssertionError("cached features were extracted again")

    monkeypatch.setattr(fit_module, "train_backbone", no_training)
    monkeypatch.setattr("pipeline.skeleton.extract._extract", no_extraction)
    assert fit_prepared(prepared, DATA_KEY, split, cfg) == keys
    assert extract_prepared(prepared, DATA_KEY, split, cfg, keys) == features_key


def test_key_changes_with_what_determines_the_weights(fitted):
    cfg, prepared, split, keys, _ = fitted
    other = tiny_config(cfg.store, seed=1)
    spec = backbone_spec(DATA_KEY, (0, 1, 2, 3, 4), split.name, other.skeleton.backbone, other.seed)
    assert hash_spec(KIND, spec) != keys["main"]
    other.skeleton.backbone.num_workers = 3  # how data is loaded does not change the weights
    spec = backbone_spec(DATA_KEY, (0, 1, 2, 3, 4), split.name, other.skeleton.backbone, cfg.seed)
    assert hash_spec(KIND, spec) == keys["main"]


def test_same_seed_gives_identical_features(fitted, tmp_path):
    cfg, prepared, split, keys, features_key = fitted
    again = tiny_config(tmp_path)
    keys2 = fit_prepared(prepared, DATA_KEY, split, again)
    assert keys2 == keys
    key2 = extract_prepared(prepared, DATA_KEY, split, again, keys2)
    assert key2 == features_key
    a, b = load_feature_set(Store(cfg.store), features_key), load_feature_set(Store(again.store), key2)
    for name in a.parts:
        np.testing.assert_array_equal(a[name].feature, b[name].feature)
        np.testing.assert_array_equal(a[name].logits, b[name].logits)
        np.testing.assert_array_equal(a[name].temporal, b[name].temporal)


class Interrupted(Exception):
    """Stands for a crash or a killed job in the middle of training."""


def test_resume_after_interruption_gives_the_uninterrupted_weights(fitted, tmp_path, monkeypatch):
    cfg, prepared, split, keys, _ = fitted
    resumed = tiny_config(tmp_path)
    real_epoch = training_module._train_epoch
    calls, crash_at = [], ["main 2/2"]

    def interrupted(*args, **kwargs):
        calls.append(kwargs["description"])
        if calls[-1] in crash_at:
            crash_at.clear()
            raise Interrupted("simulated crash in the second epoch")
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(training_module, "_train_epoch", interrupted)
    with pytest.raises(Interrupted):
        fit_prepared(prepared, DATA_KEY, split, resumed)
    store = Store(resumed.store)
    assert not store.has(KIND, keys["main"])
    assert (store.root / "tmp" / f"backbone-{keys['main']}.ckpt").is_file()

    calls.clear()
    assert fit_prepared(prepared, DATA_KEY, split, resumed) == keys
    assert calls == ["main 2/2", "val 1/2", "val 2/2"]  # main picked up after its first epoch
    assert store.meta(KIND, keys["main"])["info"]["resumed_at"] == 1
    assert not (store.root / "tmp" / f"backbone-{keys['main']}.ckpt").exists()
    for role in ("main", "val"):
        want = torch.load(Store(cfg.store).file(KIND, keys[role], MODEL_FILE), weights_only=True)
        got = torch.load(store.file(KIND, keys[role], MODEL_FILE), weights_only=True)
        assert want.keys() == got.keys()
        for name in want:
            torch.testing.assert_close(got[name], want[name], rtol=0, atol=0, msg=f"{role} {name}")


def test_unseen_classes_never_reach_a_backbone(fitted, tmp_path):
    cfg, prepared, split, _, _ = fitted
    leaky = type(split)("leaky", unseen=(4, 5), seen=(0, 1, 2, 3, 4), val_unseen=(2,), val_seen=(0, 1, 3))
    with pytest.raises(PipelineError, match="both seen and unseen"):
        fit_prepared(prepared, DATA_KEY, leaky, tiny_config(tmp_path))
    assert not list(Store(tmp_path).entries(KIND))


def test_extract_refuses_a_backbone_that_does_not_match_the_split(fitted, tmp_path):
    cfg, prepared, split, keys, _ = fitted
    swapped = {"main": keys["val"], "val": keys["main"]}
    with pytest.raises(PipelineError, match="does not match the split"):
        extract_prepared(prepared, DATA_KEY, split, cfg, swapped)
    with pytest.raises(PipelineError, match="does not match the split"):
        extract_prepared(prepared, "other-data", split, cfg, keys)


def test_msr20_fits_and_extracts_without_temporal_features(tmp_path):
    cfg = tiny_config(tmp_path, epochs=1)
    cfg.skeleton.backbone.temporal_features = False
    prepared = tiny_prepared(per_class=4, joints=20, layout="msr20")
    keys = fit_prepared(prepared, "msr", tiny_split(), cfg)
    fs = load_feature_set(Store(tmp_path), extract_prepared(prepared, "msr", tiny_split(), cfg, keys))
    assert fs["train"].temporal is None and fs["train"].feature.shape == (len(fs["train"]), 256)
    assert Store(tmp_path).meta(KIND, keys["main"])["info"]["layout"]["name"] == "msr20"


def test_extract_features_on_prepared_synthetic_data(tmp_path):
    """The CLI path: prepare (synthetic) -> fit both backbones -> extract -> ref; then all cached."""
    pytest.importorskip("pipeline.skeleton.prepare")
    from pipeline.artifacts.kinds import feature_ref
    from pipeline.catalog import get_dataset, get_split
    from pipeline.stages.skeleton import extract_features, fit_backbones

    cfg = tiny_config(tmp_path, epochs=1)
    cfg.skeleton.synthetic.samples_per_class = 4
    cfg.skeleton.synthetic.frames = cfg.skeleton.prepare.frames = 16
    dataset = get_dataset("synthetic60")
    split = get_split(dataset, "random:5:0")
    key = extract_features(dataset, split, cfg)
    store = Store(tmp_path)
    assert store.get_ref(feature_ref("synthetic60", split.slug)) == (FEATURES, key)
    fs = load_feature_set(store, key)
    assert set(fs["test_unseen"].class_idx.tolist()) <= set(split.unseen)
    assert not set(fs["train"].class_idx.tolist()) & set(split.unseen)
    keys = fit_backbones(dataset, split, cfg)
    assert store.meta(FEATURES, key)["spec"]["backbones"] == keys
    # a full cache hit of either stage, in a fresh process, never imports torch
    code = (
        "import sys; from backbone_data import tiny_config; from pipeline.catalog import get_dataset, get_split; "
        "from pipeline.stages.skeleton import extract_features, fit_backbones; "
        f"cfg = tiny_config({str(tmp_path)!r}, epochs=1); cfg.skeleton.synthetic.samples_per_class = 4; "
        "cfg.skeleton.synthetic.frames = cfg.skeleton.prepare.frames = 16; d = get_dataset('synthetic60'); "
        "s = get_split(d, 'random:5:0'); fit_backbones(d, s, cfg); print(extract_features(d, s, cfg)); "
        "assert 'torch' not in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == key


# ---- text objective ----------------------------------------------------------------------------------

TINY_TEXT = ClassTexts("tiny-text", np.random.default_rng(0).normal(size=(6, 16)).astype(np.float32))


def test_cross_entropy_keys_are_those_before_the_text_objective(fitted):
    """objective=ce keeps its keys (and with them every cached backbone): the text settings stay out."""
    cfg, _, split, keys, _ = fitted
    assert keys == {"main": "43806e50e62fb637e4ece044fe1449d3", "val": "b3e2b1fd33440bb09e4ca8b5dfd8db15"}
    assert backbone_keys(DATA_KEY, split, cfg, "any-text-key") == keys
    cfg = copy.deepcopy(cfg)
    cfg.skeleton.backbone.tau = 0.5  # unused by ce
    assert backbone_keys(DATA_KEY, split, cfg) == keys


def test_text_keys_follow_the_objective_tau_and_text(fitted):
    cfg, _, split, keys, _ = fitted
    text = copy.deepcopy(cfg)
    text.skeleton.backbone.objective = "text"
    with pytest.raises(PipelineError, match="needs the class text features"):
        backbone_keys(DATA_KEY, split, text)
    first = backbone_keys(DATA_KEY, split, text, "text-a")
    both, warmer = copy.deepcopy(text), copy.deepcopy(text)
    both.skeleton.backbone.objective = "both"
    warmer.skeleton.backbone.tau = 0.2
    others = [keys, backbone_keys(DATA_KEY, split, text, "text-b"), backbone_keys(DATA_KEY, split, both, "text-a")]
    others.append(backbone_keys(DATA_KEY, split, warmer, "text-a"))
    assert all(first["main"] != other["main"] for other in others)
    text.skeleton.backbone.objective = "clip"
    with pytest.raises(PipelineError, match="skeleton.backbone.objective"):
        backbone_keys(DATA_KEY, split, text, "text-a")


def test_text_targets_are_centred_on_the_mean_class_text():
    targets = class_targets(TINY_TEXT.table, (0, 1, 3, 4))
    np.testing.assert_allclose(np.linalg.norm(targets, axis=1), 1.0, rtol=1e-5)
    centred = TINY_TEXT.table[[0, 1, 3, 4]] - TINY_TEXT.table[[0, 1, 3, 4]].mean(0)
    np.testing.assert_allclose(targets, centred / np.linalg.norm(centred, axis=1, keepdims=True), rtol=1e-5)


@pytest.mark.parametrize("objective", ["text", "both"])
def test_text_objective_trains_and_extracts_a_projection(tmp_path, objective):
    cfg, prepared, split = tiny_config(tmp_path), tiny_prepared(), tiny_split()
    cfg.skeleton.backbone.objective = objective
    with pytest.raises(PipelineError, match="no class text features"):
        fit_prepared(prepared, DATA_KEY, split, cfg)
    keys = fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT)
    assert keys == backbone_keys(DATA_KEY, split, cfg, TINY_TEXT.key)
    store = Store(tmp_path)
    info = store.meta(KIND, keys["main"])["info"]
    assert info["text"] == "tiny-text" and info["model"]["objective"] == objective
    assert info["model"]["text_dim"] == 16 and info["model"]["tau"] == 0.1
    assert store.meta(KIND, keys["main"])["spec"]["text"] == "tiny-text"
    fs = load_feature_set(store, extract_prepared(prepared, DATA_KEY, split, cfg, keys))
    for name, part in fs.parts.items():
        n_seen = 4 if name.startswith("val") else 5
        assert part.projection.shape == (len(part), 16) and part.logits.shape == (len(part), n_seen), name
        np.testing.assert_allclose(np.linalg.norm(part.projection, axis=1), 1.0, rtol=1e-4)
    part = fs["test_seen"]
    model, _ = load_backbone(store, keys["main"])
    rows = np.searchsorted(prepared.sample_id, part.sample_id)
    with torch.inference_mode():
        out = model(torch.from_numpy(prepared.x[rows].astype(np.float32)))
    np.testing.assert_allclose(out.projection.numpy(), part.projection, rtol=1e-4, atol=1e-5)
    cosines = part.projection @ class_targets(TINY_TEXT.table, split.seen).T / 0.1
    np.testing.assert_allclose(out.text_logits.numpy(), cosines, rtol=1e-3, atol=1e-3)
    if objective == "text":  # the logits the GZSL gate reads are the scaled cosines
        np.testing.assert_allclose(part.logits, cosines, rtol=1e-3, atol=1e-3)
        assert model.classifier is None


def test_new_settings_stay_out_of_the_key_at_their_defaults(fitted):
    """optimizer, crop, multistream and replicas at their defaults keep every cached backbone's key;
    changed, each gives a new one."""
    cfg, _, split, keys, _ = fitted
    changed = []
    for name, value in (("optimizer", "adamw"), ("crop", 0.8), ("multistream", True), ("replicas", 2)):
        other = copy.deepcopy(cfg)
        setattr(other.skeleton.backbone, name, value)
        changed.append(backbone_keys(DATA_KEY, split, other)["main"])
    assert len(set(changed)) == 4 and keys["main"] not in changed


def test_temporal_crop_resamples_a_window_of_each_clip():
    from pipeline.skeleton.loader import augment

    t = torch.linspace(0, 1, 17)
    x = t[None, None, :, None, None].expand(3, 2, 17, 4, 3).clone()  # every coordinate is the time
    same = augment(x, torch.Generator().manual_seed(0), 0.0, 0.0, crop=1.0)
    torch.testing.assert_close(same, x)
    out = augment(x, torch.Generator().manual_seed(0), 0.0, 0.0, crop=0.5)
    steps = out[:, 0, 1:, 0, 0] - out[:, 0, :-1, 0, 0]
    span = out[:, 0, -1, 0, 0] - out[:, 0, 0, 0, 0]
    assert (span >= 0.5 - 1e-5).all() and (span <= 1 + 1e-5).all() and (span < 1 - 1e-3).any()
    torch.testing.assert_close(steps, (span / 16)[:, None].expand_as(steps))  # a linear resampling
    assert (out[:, 0, 0, 0, 0] >= 0).all() and (out[:, 0, -1, 0, 0] <= 1 + 1e-6).all()


def test_multistream_trains_one_network_per_stream_and_fuses_late(tmp_path):
    cfg, prepared, split = tiny_config(tmp_path), tiny_prepared(), tiny_split()
    bcfg = cfg.skeleton.backbone
    bcfg.inputs, bcfg.multistream, bcfg.objective, bcfg.optimizer, bcfg.lr = (
        ["joint", "bone"],
        True,
        "both",
        "adamw",
        1e-3,
    )
    keys = fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT)
    store = Store(tmp_path)
    model, info = load_backbone(store, keys["main"])
    assert info["model"]["multistream"] is True and len(model.networks) == 2
    assert [net.inputs.streams for net in model.networks] == [("joint",), ("bone",)]
    fs = load_feature_set(store, extract_prepared(prepared, DATA_KEY, split, cfg, keys))
    part = fs["test_seen"]
    assert part.feature.shape == (len(part), 2 * bcfg.embed_dim)
    rows = np.searchsorted(prepared.sample_id, part.sample_id)
    x = torch.from_numpy(prepared.x[rows].astype(np.float32))
    with torch.inference_mode():
        outs = [net(x) for net in model.networks]
    np.testing.assert_allclose(part.feature, torch.cat([o.feature for o in outs], 1).numpy(), rtol=1e-4, atol=1e-5)
    cosines = sum(o.projection for o in outs) @ torch.from_numpy(class_targets(TINY_TEXT.table, split.seen)).T
    fused = torch.from_numpy(part.projection) @ torch.from_numpy(class_targets(TINY_TEXT.table, split.seen)).T
    assert (cosines.argmax(1) == fused.argmax(1)).all()  # the fused projection ranks as the summed cosines
    single = copy.deepcopy(cfg)
    single.skeleton.backbone.inputs = ["joint"]
    with pytest.raises(PipelineError, match="multistream: needs two or more inputs"):
        fit_prepared(prepared, DATA_KEY, split, single, text=TINY_TEXT)


def test_replicas_train_the_backbone_again_from_other_seeds_and_keep_every_network(tmp_path, monkeypatch):
    cfg, prepared, split = tiny_config(tmp_path), tiny_prepared(), tiny_split()
    bcfg = cfg.skeleton.backbone
    bcfg.inputs, bcfg.multistream, bcfg.objective = ["joint", "bone"], True, "both"
    plain = fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT)
    bcfg.replicas = 2
    keys = fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT)
    store = Store(tmp_path)
    model, info = load_backbone(store, keys["main"])
    assert info["model"]["replicas"] == 2 and len(model.networks) == 4
    assert [net.inputs.streams for net in model.networks] == [("joint",), ("bone",)] * 2
    # replica 0 is the plain backbone, read back from the store; replica 1 is trained from another seed
    # and stored as a plain backbone of its own, which a larger ensemble reads back too
    assert info["replica_backbones"][0] == plain["main"] and store.has(KIND, info["replica_backbones"][1])
    single, _ = load_backbone(store, plain["main"])
    for i, net in enumerate(single.networks):
        for name, w in net.state_dict().items():
            torch.testing.assert_close(model.networks[i].state_dict()[name], w, rtol=0, atol=0)
    first, second = (torch.cat([p.flatten() for p in model.networks[i].parameters()]) for i in (0, 2))
    assert not torch.equal(first, second)
    assert not list((tmp_path / "tmp").glob("backbone-*"))  # every replica's checkpoint removed
    with monkeypatch.context() as m:  # a rerun reads the joined backbone back and trains nothing
        m.setattr(fit_module, "train_backbone", lambda *a, **k: pytest.fail("a cached replica was trained again"))
        assert fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT) == keys
    bcfg.replicas = 3
    larger = load_backbone(store, fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT)["main"])[1]
    assert larger["replica_backbones"][:2] == info["replica_backbones"] and len(larger["replica_backbones"]) == 3
    bcfg.replicas = 2
    fs = load_feature_set(store, extract_prepared(prepared, DATA_KEY, split, cfg, keys))
    assert fs.streams == 4 and fs["test_seen"].feature.shape[1] == 4 * bcfg.embed_dim
    for bad in (0, -1):
        bcfg.replicas = bad
        with pytest.raises(PipelineError, match=f"skeleton.backbone.replicas = {bad}"):
            fit_prepared(prepared, DATA_KEY, split, cfg, text=TINY_TEXT)


def test_unknown_optimiser_is_refused(tmp_path):
    cfg, prepared, split = tiny_config(tmp_path), tiny_prepared(), tiny_split()
    cfg.skeleton.backbone.optimizer = "lbfgs"
    with pytest.raises(PipelineError, match="optimizer = 'lbfgs': choose sgd or adamw"):
        fit_prepared(prepared, DATA_KEY, split, cfg)
    cfg.skeleton.backbone.optimizer, cfg.skeleton.backbone.crop = "sgd", 1.5
    with pytest.raises(PipelineError, match=r"crop = 1.5: a fraction of the frames, in \(0, 1\]"):
        fit_prepared(prepared, DATA_KEY, split, cfg)
