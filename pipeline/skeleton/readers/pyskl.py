"""The pyskl / MMAction2 3D annotation pickle (`ntu60_3danno.pkl`, `ntu120_3danno.pkl`) -> `Clip`s.

The file holds `dict(split=..., annotations=[...])`. `split` maps each protocol's sides to lists of
`frame_dir` names: `xsub_train` / `xsub_val` on both NTU sets, `xview_*` on NTU-60, `xset_*` on NTU-120.
An annotation has `frame_dir` (`S001C001P001R001A001`), `label` (0-based: action - 1), `keypoint`
(M, T, V, 3) float, zeros where a body is absent, and `total_frames` (T). It is loaded with the
restricted unpickler (`safepickle`), since a pickle can run code.

Which side of the protocol (`skeleton.prepare.protocol`) a clip is on comes from `split`. When no
performer is on both sides (xsub), a clip keeps its performer as subject and the training subjects are
the train side's performers, so the result equals reading the raw files; otherwise (xview, xset) the
side becomes the subject, as in the CTR-GCN `.npz` reader: `TRAIN_SUBJECT` (1) or `TEST_SUBJECT` (2).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.console import warn
from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip
from pipeline.skeleton.readers.arrays import check_coordinates
from pipeline.skeleton.readers.npz import TEST_SUBJECT, TRAIN_SUBJECT
from pipeline.skeleton.readers.ntu import NAME_RE, parse_ntu_name
from pipeline.skeleton.readers.safepickle import load_pickle

TEST_SIDE_NAMES = ("val", "test")


@dataclass(frozen=True)
class Sides:
    """The frame_dir names on each side of one protocol of the file."""

    train: frozenset[str]
    test: frozenset[str]


def _protocols(split: dict[str, Any]) -> list[str]:
    return sorted({k.rsplit("_", 1)[0] for k in split if isinstance(k, str) and k.endswith("_train")})


def _names(split: dict[str, Any], key: str, path: Path) -> frozenset[str]:
    names = split[key]
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise PipelineError(f"{path}: split[{key!r}] must be a list of frame_dir names")
    return frozenset(names)


def _sides(split: Any, protocol: str, path: Path) -> Sides:
    if not isinstance(split, dict):
        raise PipelineError(f"{path}: 'split' must be a dict of name lists, got {type(split).__name__}")
    test_key = next((f"{protocol}_{s}" for s in TEST_SIDE_NAMES if f"{protocol}_{s}" in split), None)
    if f"{protocol}_train" not in split or test_key is None:
        raise PipelineError(
            f"{path}: no {protocol}_train and {protocol}_val lists in 'split' for protocol "
            f"{protocol!r} (skeleton.prepare.protocol); the file has: "
            f"{', '.join(_protocols(split)) or 'none'}"
        )
    sides = Sides(_names(split, f"{protocol}_train", path), _names(split, test_key, path))
    if both := sorted(sides.train & sides.test):
        raise PipelineError(f"{path}: {len(both)} sample(s) on both sides of {protocol}, e.g. {both[0]!r}")
    return sides


def _keypoint(value: Any, joints: int, where: str) -> np.ndarray:
    """(M, T, V, 3) numeric -> the clip's (T, M, V, 3) float32, checked."""
    if not isinstance(value, np.ndarray) or not (
        np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating)
    ):
        raise PipelineError(
            f"{where}: keypoint must be a real numeric array, got {getattr(value, 'dtype', type(value).__name__)}"
        )
    if value.ndim != 4 or value.shape[2:] != (joints, 3):
        raise PipelineError(f"{where}: keypoint shape {value.shape}, expected (bodies, frames, {joints}, 3)")
    if value.shape[0] < 1 or value.shape[1] < 1:
        raise PipelineError(f"{where}: keypoint has no frames or no body (shape {value.shape})")
    if np.isnan(value).any():
        raise PipelineError(f"{where}: NaN coordinates (pyskl marks an absent body with zeros)")
    check_coordinates(value, where)
    return np.ascontiguousarray(value.astype(np.float32).transpose(1, 0, 2, 3))


def _label(record: dict[str, Any], name: str, where: str) -> int:
    label = record.get("label")
    if isinstance(label, bool) or not isinstance(label, (int, np.integer)):
        raise PipelineError(f"{where}: label must be an integer, got {label!r}")
    if NAME_RE.fullmatch(name) and int(label) != parse_ntu_name(name, where).action - 1:
        raise PipelineError(
            f"{where}: label {int(label)} but its name says action "
            f"{parse_ntu_name(name, where).action} (label = action - 1)"
        )
    return int(label)


def _clip(record: Any, index: int, joints: int, path: Path) -> Clip:
    if not isinstance(record, dict) or not isinstance(record.get("frame_dir"), str):
        raise PipelineError(f"{path} annotation {index}: expected a dict with frame_dir, label and keypoint")
    name = record["frame_dir"]
    where = f"{path} annotation {index} ({name})"
    label = _label(record, name, where)
    data = _keypoint(record.get("keypoint"), joints, where)
    total = record.get("total_frames", len(data))
    if not isinstance(total, (int, np.integer)) or int(total) != len(data):
        raise PipelineError(f"{where}: total_frames {total!r} but keypoint has {len(data)} frames")
    ntu = parse_ntu_name(name, where) if NAME_RE.fullmatch(name) else None
    return Clip(
        sample_id=name,
        data=data,
        label=label,
        subject=ntu.performer if ntu else 0,
        view=ntu.camera if ntu else 0,
        setup=ntu.setup if ntu else 0,
    )


def _assign_subjects(clips: list[Clip], sides: Sides) -> tuple[int, ...]:
    """Keep performers when they separate the sides; else mark each clip's side as its subject."""
    named = all(NAME_RE.fullmatch(c.sample_id) for c in clips)
    train = {c.subject for c in clips if c.sample_id in sides.train}
    if named and not train & {c.subject for c in clips if c.sample_id in sides.test}:
        return tuple(sorted(train))
    for clip in clips:
        clip.subject = TRAIN_SUBJECT if clip.sample_id in sides.train else TEST_SUBJECT
    return (TRAIN_SUBJECT,)


def read_pyskl(
    path: str | Path, protocol: str, num_classes: int, joints: int = 25, subset: bool = False
) -> tuple[list[Clip], tuple[int, ...]]:
    """The clips on either side of `protocol` and the training subjects. Labels must lie in
    0..num_classes-1; with `subset` (NTU-60 out of an NTU-120 file) clips above that are dropped, with a
    warning."""
    path = Path(path)
    data = load_pickle(path)
    if not isinstance(data, dict) or "split" not in data or "annotations" not in data:
        raise PipelineError(f"{path}: not a pyskl annotation file: expected dict(split=..., annotations=[...])")
    sides = _sides(data["split"], protocol, path)
    records = data["annotations"]
    if not isinstance(records, (list, tuple)):
        raise PipelineError(f"{path}: 'annotations' must be a list, got {type(records).__name__}")
    clips, seen, above, outside = [], set(), 0, 0
    for index, record in enumerate(records):
        clip = _clip(record, index, joints, path)
        if clip.sample_id in seen:
            raise PipelineError(f"{path} annotation {index}: duplicate frame_dir {clip.sample_id!r}")
        seen.add(clip.sample_id)
        if not 0 <= clip.label < num_classes:
            if subset and clip.label >= 0:
                above += 1
                continue
            raise PipelineError(
                f"{path} annotation {index} ({clip.sample_id}): label {clip.label} outside "
                f"0..{num_classes - 1} ({num_classes} classes)"
            )
        if clip.sample_id not in sides.train and clip.sample_id not in sides.test:
            outside += 1
            continue
        clips.append(clip)
    if above:
        warn(f"{path}: {above} clip(s) of actions above {num_classes} skipped (an NTU-120 file read as ntu60)")
    if outside:
        warn(f"{path}: {outside} clip(s) on neither side of {protocol} skipped")
    if not clips:
        raise PipelineError(f"{path}: no annotation on either side of protocol {protocol}")
    return clips, _assign_subjects(clips, sides)
