"""The backbone's features per body part: the last GCN block's channels at each joint, grouped into the
right arm, the left arm, the legs and the trunk.

A backbone pools its last block over the joints, so which part of the body moved how is mixed into one
vector; a zero-shot map from that vector to the text space learns from a dozen seen classes which whole-body
patterns go with which texts. Kept per part, every part gets maps of its own (method `bodyparts`,
pipeline/zsl/methods/bodyparts.py), and an unseen class whose parts each move like some seen class's parts
(the arm of one, the legs of another) is scored part by part: on two real datasets this beat one map per
network on the validation carves of both (bench/NOTES.md, "Maps per body part").

Computed when read, never stored, like the motion descriptor: from the backbones a feature set records and
the prepared clips it was extracted from, so adding it re-extracts and retrains nothing. Parts are found by
joint name (a `right`/`left` prefix and an arm or leg word), so any layout whose joints are named that way
works; each part's joints lie side by side, zero-padded to the largest part, so every (network, part)
block has one width and `fusion`'s per-block maps apply unchanged (an all-zero column gets no weight).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from pipeline.artifacts.feature_sets import FeatureSet
from pipeline.bodyparts import BODY_PARTS
from pipeline.errors import PipelineError
from pipeline.skeleton.layouts import Layout
from pipeline.store import Store

_ARM = ("shoulder", "elbow", "wrist", "hand", "thumb", "finger")
_LEG = ("hip", "knee", "ankle", "foot", "toe")


def body_parts(layout: Layout) -> list[list[int]]:
    """The joints of each of BODY_PARTS, by name; a layout that leaves a part empty is refused by name."""
    groups: dict[str, list[int]] = {part: [] for part in BODY_PARTS}
    for i, name in enumerate(layout.joints):
        low = name.lower()
        side = "right" if low.startswith("right") else "left" if low.startswith("left") else None
        if side is not None and any(word in low for word in _ARM):
            groups[f"{side} arm"].append(i)
        elif side is not None and any(word in low for word in _LEG):
            groups["legs"].append(i)
        else:
            groups["trunk"].append(i)
    empty = [part for part, joints in groups.items() if not joints]
    if empty:
        raise PipelineError(
            f"layout {layout.name}: no joint named for the {', '.join(empty)}; the body parts are found by joint "
            f"name (right_/left_ with {'/'.join(_ARM)} for the arms, with {'/'.join(_LEG)} for the legs); name "
            f"them so in dataset.toml's [layout], or use a method that reads no body parts (--method fusion)"
        )
    return list(groups.values())


def bodypart_features(joints: np.ndarray, streams: int, layout: Layout) -> np.ndarray:
    """(N, S C, V) per-joint channels of S networks -> (N, S K C W): for each network and each of the K
    body parts, its joints' channels (C, W), W the largest part's joint count, zero-padded."""
    parts = body_parts(layout)
    n, width, v = joints.shape
    if width % streams or v != layout.num_joints:
        raise PipelineError(
            f"body parts: per-joint features of shape {joints.shape} do not fit {streams} networks on layout "
            f"{layout.name} ({layout.num_joints} joints)"
        )
    widest = max(len(p) for p in parts)
    per_net = joints.reshape(n, streams, width // streams, v)
    out = np.zeros((n, streams, len(parts), width // streams, widest), np.float32)
    for k, part in enumerate(parts):
        out[:, :, k, :, : len(part)] = per_net[:, :, :, part]
    return out.reshape(n, streams * len(parts) * (width // streams) * widest)


def with_bodyparts(store: Store, fs: FeatureSet, device: Any = "cpu", batch_size: int = 256) -> FeatureSet:
    """The feature set with every part's `bodyparts` filled in: each part's clips through the backbone that
    extracted it (its spec records which), the per-joint channels regrouped by body part."""
    import torch

    from pipeline.skeleton.computed import source_clips
    from pipeline.skeleton.device import Runtime
    from pipeline.skeleton.extract import run_backbone
    from pipeline.skeleton.fit import load_backbone

    clips = source_clips(store, fs, "body-part channels")
    backbones = fs.meta["info"].get("backbones")
    if not backbones:
        raise PipelineError(
            f"feature set {fs.key}: it records no backbones to compute the body-part channels with"
        )
    runtime = Runtime(torch.device(device))
    loaded: dict[str, Any] = {}
    parts = {}
    for name, part, idx in clips.parts(fs):
        key = backbones[fs.meta["spec"]["parts"][name]["backbone"]]
        if key not in loaded:
            loaded[key] = load_backbone(store, key, runtime.device)[0]
        ran = run_backbone(
            loaded[key], clips.x, idx, runtime, batch_size, False, f"body parts {name}", joints=True
        )
        parts[name] = dataclasses.replace(part, bodyparts=bodypart_features(ran.joints, fs.streams, clips.layout))
    return dataclasses.replace(fs, parts=parts)
