"""The backbone's channels per body part (pipeline/skeleton/bodyparts.py): the parts of each layout, the
regrouped column, the backbone's per-joint output it comes from, and feature sets that cannot give it."""

import numpy as np
import pytest
import torch

from pipeline.artifacts.feature_sets import FeatureSet, Part
from pipeline.bodyparts import BODY_PARTS
from pipeline.errors import PipelineError
from pipeline.skeleton.bodyparts import body_parts, bodypart_features, with_bodyparts
from pipeline.skeleton.layouts import Layout, get_layout
from pipeline.skeleton.model import build_model
from pipeline.store import Store


def _named(layout: Layout, parts: list[list[int]]) -> dict[str, set[str]]:
    return {part: {layout.joints[j] for j in joints} for part, joints in zip(BODY_PARTS, parts)}


def test_every_builtin_layout_splits_into_the_four_parts():
    ntu = get_layout("ntu25")
    named = _named(ntu, body_parts(ntu))
    assert named["right arm"] == {
        "right_shoulder",
        "right_elbow",
        "right_wrist",
        "right_hand",
        "right_hand_tip",
        "right_thumb",
    }
    assert named["legs"] == {f"{side}_{j}" for side in ("left", "right") for j in ("hip", "knee", "ankle", "foot")}
    assert named["trunk"] == {"spine_base", "spine_mid", "neck", "head", "spine_shoulder"}
    msr = get_layout("msr20")
    named = _named(msr, body_parts(msr))
    assert named["left arm"] == {"left_shoulder", "left_elbow", "left_wrist", "left_hand"}
    assert "hip_center" in named["trunk"] and "left_hip" in named["legs"]
    assert sorted(j for p in body_parts(msr) for j in p) == list(range(msr.num_joints))


def test_a_layout_without_named_limbs_is_refused_by_name():
    blank = Layout("blank", tuple(f"j{i}" for i in range(5)), ((0, 1), (1, 2), (2, 3), (3, 4)), 0, (1, 2), (3, 4))
    with pytest.raises(PipelineError, match="layout blank: no joint named for the right arm, left arm, legs"):
        body_parts(blank)


def test_the_column_holds_each_parts_joints_zero_padded():
    msr = get_layout("msr20")
    parts = body_parts(msr)
    widest = max(len(p) for p in parts)
    channels, streams = 3, 2
    joints = np.random.default_rng(0).normal(size=(4, streams * channels, msr.num_joints)).astype(np.float32)
    out = bodypart_features(joints, streams, msr)
    blocks = out.reshape(4, streams, len(parts), channels, widest)
    for s in range(streams):
        for k, part in enumerate(parts):
            np.testing.assert_array_equal(
                blocks[:, s, k, :, : len(part)], joints[:, s * channels : (s + 1) * channels][:, :, part]
            )
            assert not blocks[:, s, k, :, len(part) :].any()
    with pytest.raises(PipelineError, match="do not fit 4 networks on layout msr20"):
        bodypart_features(joints, 4, msr)


def test_the_backbone_gives_each_joints_channels_on_request():
    """`joints` is the last block per joint, pooled over time and the bodies present: a two-stream network
    gives its networks' channels side by side, and an absent second body does not dilute the first."""
    ntu = get_layout("ntu25")
    torch.manual_seed(0)
    model = build_model(ntu, 3, "small", 32, ("joint", "velocity"), 0.0, multistream=True).eval()
    x = torch.randn(2, 2, 16, ntu.num_joints, 3)
    x[:, 1] = 0.0
    with torch.inference_mode():
        assert model(x).joints is None
        out = model(x, joints=True)
        alone = model(x[:, :1], joints=True)
    assert out.joints.shape == (2, 2 * 64, ntu.num_joints) and (out.joints >= 0).all()  # after a ReLU
    torch.testing.assert_close(out.joints, alone.joints)


def test_a_feature_set_without_backbones_or_clips_is_refused(tmp_path):
    part = Part(np.array(["a"]), np.array([0]), np.zeros((1, 4), np.float32))
    fs = FeatureSet("k" * 32, {"train": part}, {"info": {"streams": 1}})
    with pytest.raises(PipelineError, match="records none \\(an imported dump has none\\)"):
        with_bodyparts(Store(tmp_path / "store"), fs)
