"""Clips of any length with missing joints -> fixed arrays (M bodies, T frames, J joints, xyz).

The same steps serve `prepare` (whole datasets) and `zssar predict` (single clips). Each step works on a
batch (N, M, T, J, 3) in which NaN marks a missing joint, so clips of equal shape go through together:
1. `mark_missing`: a body's frame whose joints are all exactly zero is missing (NTU's padded formats).
2. `fill_missing`: each joint is interpolated linearly over time between its observations and held at
   its first/last observation before/after them; a joint never observed stays NaN (0 at the end).
3. `select_bodies`: absent bodies are dropped; the `max_bodies` bodies that move most are kept in their
   original order (as ST-GCN's NTU preparation does); missing ones are padded as absent.
4. `resample`: linear interpolation in time to a fixed number of frames.
5. `centre`: subtract body 0's centre joint at frame 0 (its first observation, after filling) from all
   bodies and frames, so movement over time (walking, jumping) and between two people is kept.
6. `rotate_canonical`: turn the clip so that, at frame 0, body 0's left-minus-right shoulder vector
   lies along +x and its hips-to-shoulders direction is as close to +y as that allows (the NTU
   normalisation of ST-GCN/CTR-GCN, with y up): camera view and tilt no longer matter.
7. `zero_missing`: NaN -> 0, so an absent body is all zeros, as the backbone expects.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip, Prepared
from pipeline.skeleton.layouts import Layout
from pipeline.skeleton.readers.arrays import check_coordinates

if TYPE_CHECKING:
    from pipeline.config import Config

CHUNK = 1024  # clips per vectorised batch: bounds memory for long NTU clips


def mark_missing(x: np.ndarray) -> np.ndarray:
    """A body's frame with every coordinate exactly 0 is padding, not a pose: NaN."""
    zero = np.all(x == 0, axis=(-2, -1), keepdims=True)
    return np.where(zero, np.nan, x)


def fill_missing(x: np.ndarray) -> np.ndarray:
    """Linear interpolation over time (axis -3) of each joint between its observed frames."""
    shape = x.shape
    tracks = np.moveaxis(x, -3, -2).reshape(-1, shape[-3], 3)  # (joint tracks, T, 3)
    if np.shares_memory(tracks, x):
        tracks = tracks.copy()  # never write into the caller's array
    seen = np.isfinite(tracks).all(-1)
    todo = np.flatnonzero(~seen.all(1) & seen.any(1))
    if todo.size:
        s, t = seen[todo], shape[-3]
        idx = np.arange(t, dtype=np.int32)
        prev = np.maximum.accumulate(np.where(s, idx, -1), axis=1)
        nxt = np.minimum.accumulate(np.where(s, idx, t)[:, ::-1], axis=1)[:, ::-1]
        rr, cc = np.nonzero(~s)  # only the missing entries are computed
        p, q = prev[rr, cc], nxt[rr, cc]
        lo = np.where(p < 0, q, p)
        hi = np.where(q >= t, lo, q)
        w = np.clip((cc - lo) / np.maximum(hi - lo, 1), 0.0, 1.0)[:, None].astype(x.dtype)
        rows = todo[rr]
        tracks[rows, cc] = tracks[rows, lo] * (1 - w) + tracks[rows, hi] * w
    return np.moveaxis(tracks.reshape(shape[:-3] + (shape[-2], shape[-3], 3)), -2, -3)


def select_bodies(x: np.ndarray, max_bodies: int) -> np.ndarray:
    """(N, M, T, J, 3) -> (N, max_bodies, T, J, 3): the most moving present bodies, in original order."""
    n, m = x.shape[:2]
    present = np.isfinite(x).any(axis=(2, 3, 4))
    body = np.broadcast_to(np.arange(m), (n, m))
    if m > max_bodies:
        motion = np.nan_to_num(x.std(axis=2), nan=0.0).sum(axis=(2, 3))  # after filling: no partial NaN
        keep = np.argsort(-np.where(present, motion, -np.inf), axis=1, kind="stable")[:, :max_bodies]
    else:
        keep = body
    keep_present = np.take_along_axis(present, keep, axis=1)
    order = np.argsort(np.where(keep_present, keep, m + keep), axis=1, kind="stable")
    keep = np.take_along_axis(keep, order, axis=1)
    if keep.shape[1] < m or not np.array_equal(keep, body):
        x = x[np.arange(n)[:, None], keep]  # an absent body is all NaN already
    if x.shape[1] < max_bodies:
        x = np.concatenate([x, np.full((n, max_bodies - x.shape[1]) + x.shape[2:], np.nan, dtype=x.dtype)], axis=1)
    return x


def resample(x: np.ndarray, frames: int) -> np.ndarray:
    """Linear interpolation along time (axis 2) to `frames` frames, first and last frames kept.

    A matrix product over time; NaN only ever fills whole joint tracks, so it stays where it was."""
    n, m, t, j, c = x.shape
    if t == frames:
        return x
    pos = np.linspace(0.0, t - 1, frames)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, t - 1)
    weights = np.zeros((frames, t), dtype=x.dtype)
    np.add.at(weights, (np.arange(frames), lo), 1 - (pos - lo))
    np.add.at(weights, (np.arange(frames), hi), pos - lo)
    return (weights @ x.reshape(n * m, t, j * c)).reshape(n, m, frames, j, c)


def centre(x: np.ndarray, layout: Layout) -> np.ndarray:
    """Subtract body 0's centre joint at frame 0 (else the mean of its observed joints there)."""
    first = x[:, 0, 0]  # (N, J, 3)
    seen = np.isfinite(first).all(-1, keepdims=True)
    mean = np.where(seen, first, 0.0).sum(1) / np.maximum(seen.sum(1), 1)
    origin = first[:, layout.center]
    origin = np.where(np.isfinite(origin).all(-1, keepdims=True), origin, mean)
    return x - origin[:, None, None, None, :]


def canonical_rotation(x: np.ndarray, layout: Layout) -> np.ndarray:
    """(N, 3, 3) rotations taking body 0 at frame 0 to the canonical view; identity where undefined.

    x is the left-minus-right shoulder vector exactly; y is the hips-to-shoulders direction made
    perpendicular to it (world y when the layout has no hips or they are missing); z = x cross y.
    """
    n = x.shape[0]
    eye = np.broadcast_to(np.eye(3), (n, 3, 3))
    if layout.shoulders is None:
        return eye.copy()
    first = x[:, 0, 0]
    left, right = first[:, layout.shoulders[0]], first[:, layout.shoulders[1]]
    up = np.broadcast_to(np.array([0.0, 1.0, 0.0]), (n, 3))
    if layout.hips is not None:
        spine = (left + right - first[:, layout.hips[0]] - first[:, layout.hips[1]]) / 2
        length = np.linalg.norm(spine, axis=-1, keepdims=True)
        up = np.where(np.isfinite(length) & (length > 1e-6), spine, up)
    side = left - right
    width = np.linalg.norm(side, axis=-1, keepdims=True)
    xa = side / np.where(width > 1e-6, width, 1.0)
    y = up - np.sum(up * xa, -1, keepdims=True) * xa
    height = np.linalg.norm(y, axis=-1, keepdims=True)
    ok = (np.isfinite(width) & (width > 1e-6) & (height > 1e-6))[:, 0]
    y = y / np.where(height > 1e-6, height, 1.0)
    rot = np.stack([xa, y, np.cross(xa, y)], axis=1)
    return np.where(ok[:, None, None], rot, eye)


def rotate_canonical(x: np.ndarray, layout: Layout) -> np.ndarray:
    rot = canonical_rotation(x, layout).astype(x.dtype)
    return (x.reshape(x.shape[0], -1, 3) @ rot.transpose(0, 2, 1)).reshape(x.shape)


def zero_missing(x: np.ndarray) -> np.ndarray:
    return np.nan_to_num(x, nan=0.0)


def preprocess_batch(x: np.ndarray, layout: Layout, frames: int, max_bodies: int) -> np.ndarray:
    """(N, M, T, J, 3) with NaN -> (N, max_bodies, frames, J, 3) float32: all steps in order."""
    x = fill_missing(mark_missing(x.astype(np.float32)))
    x = resample(select_bodies(x, max_bodies), frames)
    return zero_missing(rotate_canonical(centre(x, layout), layout)).astype(np.float32)


def _check_clip(data: np.ndarray, layout: Layout, sample_id: str) -> None:
    if data.ndim != 4 or data.shape[2:] != (layout.num_joints, 3):
        raise PipelineError(
            f"clip {sample_id}: expected data of shape (frames, bodies, {layout.num_joints}, 3) "
            f"for layout {layout.name}, got {data.shape}"
        )
    if data.shape[0] < 2:
        raise PipelineError(f"clip {sample_id}: {data.shape[0]} frame(s); at least 2 are needed")
    check_coordinates(data, f"clip {sample_id}")
    if not (np.isfinite(data) & (data != 0)).any():
        raise PipelineError(f"clip {sample_id}: no joint is observed in any frame (all missing)")


def _check_settings(frames: int, max_bodies: int) -> None:
    if frames < 2 or max_bodies < 1:
        raise PipelineError(
            f"skeleton.prepare: frames must be >= 2 and max_bodies >= 1 "
            f"(got frames={frames}, max_bodies={max_bodies})"
        )


def preprocess_clip(
    data: np.ndarray, layout: Layout, frames: int, max_bodies: int, sample_id: str = "clip"
) -> np.ndarray:
    """One clip (T, M, J, 3), NaN for missing joints -> (max_bodies, frames, J, 3) float32."""
    _check_settings(frames, max_bodies)
    data = np.asarray(data, dtype=np.float32)
    _check_clip(data, layout, sample_id)
    out = preprocess_batch(data.transpose(1, 0, 2, 3)[None], layout, frames, max_bodies)
    _check_result(out, [sample_id])
    return out[0]


def _check_result(x: np.ndarray, sample_ids: list[str]) -> None:
    """The backstop behind the input checks: a non-finite value here would become NaN probabilities."""
    finite = np.isfinite(x).reshape(len(x), -1).all(axis=1)
    if not finite.all():
        raise PipelineError(
            f"clip {sample_ids[int(np.flatnonzero(~finite)[0])]}: preprocessing gave non-finite "
            f"coordinates; check the clip's values"
        )


def preprocess_clips(
    clips: list[Clip],
    layout: Layout,
    cfg: Config,
    train_subjects: tuple[int, ...] = (),
    dtype: type[np.floating] = np.float32,
) -> Prepared:
    """All clips -> one `Prepared`; clips of equal shape are processed together. `dtype` is the storage
    type of `x` (prepare stores float16)."""
    from pipeline.console import track

    frames, max_bodies = cfg.skeleton.prepare.frames, cfg.skeleton.prepare.max_bodies
    _check_settings(frames, max_bodies)
    if not clips:
        raise PipelineError("no clips to preprocess")
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i, clip in enumerate(clips):
        _check_clip(np.asarray(clip.data), layout, clip.sample_id)
        groups[clip.data.shape].append(i)
    x = np.empty((len(clips), max_bodies, frames, layout.num_joints, 3), dtype=dtype)
    batches = [idx[k : k + CHUNK] for idx in groups.values() for k in range(0, len(idx), CHUNK)]
    for idx in track(batches, "preprocessing clips", total=len(batches)):
        batch = np.stack([clips[i].data for i in idx]).transpose(0, 2, 1, 3, 4)
        out = preprocess_batch(batch, layout, frames, max_bodies)
        _check_result(out, [clips[i].sample_id for i in idx])
        with np.errstate(over="raise"):
            try:
                x[idx] = out
            except FloatingPointError:
                raise PipelineError(
                    f"clips {clips[idx[0]].sample_id}...: centred coordinates beyond the range "
                    f"of {np.dtype(dtype).name}"
                ) from None
    return Prepared(
        x=x,
        label=np.array([c.label for c in clips], dtype=np.int64),
        subject=np.array([c.subject for c in clips], dtype=np.int64),
        view=np.array([c.view for c in clips], dtype=np.int64),
        sample_id=np.array([c.sample_id for c in clips]),
        layout=layout.name,
        train_subjects=tuple(int(s) for s in train_subjects),
    )
