"""Method `bodyparts`: the backbone's channels per body part (pipeline/skeleton/bodyparts.py), the parts of
each layout, the regrouped column and the per-joint output it comes from; the part texts read from the local
descriptions (pipeline/describe/parts.py); the pairings of maps and fields the carve picks from."""

import numpy as np
import pytest
import torch

from pipeline.artifacts.feature_sets import FeatureSet, Part
from pipeline.bodyparts import BODY_PARTS
from pipeline.describe.parts import part_descriptions
from pipeline.errors import PipelineError
from pipeline.skeleton.bodyparts import body_parts, bodypart_features, with_bodyparts
from pipeline.skeleton.layouts import Layout, get_layout
from pipeline.skeleton.model import build_model
from pipeline.store import Store
from pipeline.zsl.fusion import PAIRINGS, fused_logits, member_weights, part_pairs


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


def test_each_part_gets_the_clauses_that_name_it():
    """Clauses split at semicolons and "while"; a side and an arm word for one arm, plural arms for both, an
    arm word without a side for the side named last; the head as a place an arm goes is not the trunk's."""
    local = (
        "The left hand rises above the head, then the elbow bends; the right arm hangs still; "
        "both hands clap once while the knees bend; the torso leans forward"
    )
    parts = part_descriptions("odd wave", local)
    assert set(parts) == set(BODY_PARTS)
    assert all(text.startswith("odd wave: ") for text in parts.values())
    assert (
        parts["left arm"]
        == "odd wave: The left hand rises above the head, then the elbow bends; both hands clap once"
    )
    assert parts["right arm"] == "odd wave: the right arm hangs still; both hands clap once"
    assert parts["legs"] == "odd wave: the knees bend"
    assert parts["trunk"] == "odd wave: the torso leans forward"
    still = part_descriptions(
        "draw tick", "The right hand moves a short way down, then sweeps up; only the arm moves."
    )
    assert (
        still["right arm"]
        == "draw tick: The right hand moves a short way down, then sweeps up; only the arm moves"
    )
    assert (
        still["legs"] == "draw tick: the legs stays still" and still["trunk"] == "draw tick: the trunk stays still"
    )


def test_a_part_pairing_counts_its_maps_and_keeps_the_mean_over_them():
    """Block s * parts + k pairs with the whole-body fields, its part's field, or both; the scorers of
    the pairs left out are zero and the rest scaled, so the members' mean logit is the mean over those
    that count."""
    pairs = {p: part_pairs(2, 4, 3 + 4, p) for p in PAIRINGS}
    assert pairs["fields"].sum() == 8 * 3 and pairs["part"].sum() == 8 and pairs["both"].sum() == 8 * 4
    assert pairs["part"][5].tolist() == [False] * 3 + [False, True, False, False]  # network 1, left arm
    rng = np.random.default_rng(0)
    text, center = rng.normal(size=(5, 7 * 6)).astype(np.float32), np.zeros(7 * 6, np.float32)
    z = torch.nn.functional.normalize(torch.as_tensor(rng.normal(size=(3, 8 * 7, 6)), dtype=torch.float32), dim=2)
    weights = torch.as_tensor(member_weights(text, center, 8, 7, pairs["part"]))
    every = torch.as_tensor(member_weights(text, center, 8, 7))
    counted = torch.as_tensor(pairs["part"].reshape(-1))
    expected = torch.einsum("nmd,mcd->nc", z[:, counted], every[counted]) / int(counted.sum())
    torch.testing.assert_close(fused_logits(z, weights), expected)
