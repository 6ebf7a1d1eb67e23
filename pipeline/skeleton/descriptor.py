"""A hand-crafted motion descriptor of prepared clips: a view of the skeleton that no seen class shaped.

A backbone trained on a dozen seen classes learns what tells those classes apart, and an unseen class's
motion may lie outside it; a descriptor built from the joints alone carries every motion the same way,
and its errors differ from the backbone's (bench/NOTES.md, "A hand-crafted descriptor"). It reads the
prepared arrays the backbone reads (centred on body 0's centre joint at frame 0, turned to the canonical
view, resampled), so `zssar predict` computes it from the same clips.

Per body: the pose (every joint relative to the frame's centre joint), the centre joint's path, the joints'
velocity and its magnitude, each averaged over a temporal pyramid (the whole clip, its halves, its quarters),
and each joint's range over the clip; coordinates in units of body 0's mean bone length, so body size does
not count. An absent body (all zeros) gives zeros.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from pipeline.artifacts.feature_sets import FeatureSet
from pipeline.errors import PipelineError
from pipeline.skeleton.layouts import Layout
from pipeline.store import Store

LEVELS = (1, 2, 4)  # the temporal pyramid: the whole clip, halves, quarters
CHUNK = 2048  # clips per batch when a whole feature set's descriptors are computed: bounds the float64 copies


def _pyramid(a: np.ndarray) -> list[np.ndarray]:
    """(N, T, ...) -> the mean over each segment of each level, flattened: one (N, prod(...)) per segment."""
    width = int(np.prod(a.shape[2:]))
    return [seg.mean(axis=1).reshape(len(a), width) for n in LEVELS for seg in np.array_split(a, n, axis=1)]


def motion_descriptor(x: np.ndarray, layout: Layout) -> np.ndarray:
    """Prepared clips (N, M, T, J, 3) -> (N, M (3 S 3J + 3 S + 3J)) float32, S = sum(LEVELS) segments."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 5 or x.shape[3:] != (layout.num_joints, 3):
        raise PipelineError(f"the descriptor: clips of shape {x.shape} do not fit layout {layout.name}")
    if x.shape[2] <= max(LEVELS):
        raise PipelineError(
            f"the descriptor: clips of {x.shape[2]} frames; its finest level needs more than {max(LEVELS)} "
            f"(skeleton.prepare.frames)"
        )
    edges = np.asarray(layout.edges)
    bones = np.linalg.norm(x[:, 0, :, edges[:, 0]] - x[:, 0, :, edges[:, 1]], axis=-1)  # (E, N, T)
    scale = bones.mean(axis=(0, 2))
    x = x / np.where(scale > 1e-9, scale, 1.0)[:, None, None, None, None]
    out = []
    for body in np.moveaxis(x, 1, 0):  # (N, T, J, 3)
        centre = body[:, :, layout.center : layout.center + 1]
        velocity = np.diff(body, axis=1)
        out += _pyramid(body - centre) + _pyramid(centre) + _pyramid(velocity) + _pyramid(np.abs(velocity))
        out.append(np.ptp(body, axis=1).reshape(len(body), layout.num_joints * 3))
    return np.concatenate(out, axis=1).astype(np.float32)


def with_descriptors(store: Store, fs: FeatureSet) -> FeatureSet:
    """The feature set with every part's `descriptor` filled in from the prepared clips it was extracted
    from (its info's `data`): computed, not stored, so adding it re-extracts and retrains nothing."""
    from pipeline.skeleton.computed import source_clips

    clips = source_clips(store, fs, "descriptor")
    parts = {}
    for name, part, idx in clips.parts(fs):
        starts = range(0, max(len(idx), 1), CHUNK)  # an empty part gives one empty chunk of the right width
        chunks = [motion_descriptor(clips.x[idx[i : i + CHUNK]], clips.layout) for i in starts]
        parts[name] = dataclasses.replace(part, descriptor=np.concatenate(chunks))
    return dataclasses.replace(fs, parts=parts)
