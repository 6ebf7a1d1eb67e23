"""Clips for `zssar predict`, from any format the readers know, preprocessed as the model's data was.

An input is one clip file or a folder:
- `.skeleton`: an NTU RGB+D raw file (25 joints).
- `.npy`: float (T, J, 3) for one body or (T, M, J, 3), in the model's layout; NaN marks a missing joint.
- a bring-your-own dataset folder (it has `samples.csv`): its listed files, named by sample_id; its
  dataset.toml layout must be the model's.
- any other folder: every `.skeleton` and `.npy` file under it, named by their path inside it.

Every clip goes through `preprocess_clip` with the model's frames, bodies and layout. A clip that cannot
be used (unreadable, wrong layout, too short, no joint observed) raises a PipelineError naming its file;
`load_clips` collects those per clip so a folder's good clips are still labelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.skeleton.layouts import Layout
from pipeline.textfiles import read_csv_rows

SUFFIXES = (".skeleton", ".npy")


@dataclass(frozen=True)
class ClipFile:
    name: str  # how the output names the clip
    path: Path


@dataclass(frozen=True)
class BadClip:
    name: str
    path: str
    error: str


def find_clips(path: str | Path, layout: Layout) -> list[ClipFile]:
    """The clip files an input path stands for (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise PipelineError(f"{path}: --input does not exist")
    if path.is_file():
        if path.suffix not in SUFFIXES:
            raise PipelineError(
                f"{path}: unsupported clip file; expected an NTU .skeleton, a .npy of shape (T, J, 3) "
                f"or (T, M, J, 3), or a folder of them"
            )
        return [ClipFile(path.name, path)]
    if (path / "samples.csv").is_file():
        return _dataset_folder(path, layout)
    files = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    if not files:
        raise PipelineError(f"{path}: no .skeleton or .npy clips in this folder")
    return [ClipFile(p.relative_to(path).as_posix(), p) for p in files]


def _dataset_folder(folder: Path, layout: Layout) -> list[ClipFile]:
    from pipeline.skeleton.readers.folder import folder_layout

    own = folder_layout(folder)
    if own.num_joints != layout.num_joints or own.name != layout.name:
        raise PipelineError(
            f"{folder}: dataset layout {own.name} ({own.num_joints} joints) is not the model's "
            f"layout {layout.name} ({layout.num_joints} joints)"
        )
    samples = folder / "samples.csv"
    rows = read_csv_rows(samples)
    if not rows or not {"sample_id", "file"} <= set(rows[0]):
        raise PipelineError(f"{samples}: expected columns sample_id and file")
    out = []
    for row in rows:
        name = (row["file"] or "").strip()
        path = folder / name
        if not path.is_file() and (folder / "skeletons" / name).is_file():
            path = folder / "skeletons" / name
        out.append(ClipFile((row["sample_id"] or "").strip() or name, path))
    return out


def read_clip(clip: ClipFile, layout: Layout) -> np.ndarray:
    """The raw clip (T, M, J, 3) float32, NaN for missing joints, checked against the layout."""
    path = clip.path
    if not path.is_file():
        raise PipelineError(f"{path}: clip file not found")
    if path.suffix == ".skeleton":
        from pipeline.skeleton.readers.ntu import NUM_JOINTS, read_ntu_skeleton

        if layout.num_joints != NUM_JOINTS:
            raise PipelineError(
                f"{path}: an NTU .skeleton clip has {NUM_JOINTS} joints; the model's layout "
                f"{layout.name} has {layout.num_joints}"
            )
        return read_ntu_skeleton(path).data
    from pipeline.skeleton.readers.arrays import check_coordinates, load_numeric_npy

    data = load_numeric_npy(path, "a numeric array of shape (T, J, 3) or (T, M, J, 3)")
    shape = data.shape
    if data.ndim == 3:
        data = data[:, None]
    if data.ndim != 4 or data.shape[-2:] != (layout.num_joints, 3):
        raise PipelineError(
            f"{path}: shape {shape} does not match the model's layout {layout.name}: expected "
            f"(T, {layout.num_joints}, 3) or (T, M, {layout.num_joints}, 3)"
        )
    check_coordinates(data, path)
    return data.astype(np.float32)


def load_clips(
    clips: list[ClipFile],
    layout: Layout,
    frames: int,
    max_bodies: int,
) -> tuple[list[ClipFile], np.ndarray, list[BadClip]]:
    """Read and preprocess every clip: the good ones stacked (N, M, T, J, 3), the bad ones with their error."""
    from pipeline.skeleton.preprocess import preprocess_clip

    good, arrays, bad = [], [], []
    for clip in clips:
        try:
            data = read_clip(clip, layout)
            arrays.append(preprocess_clip(data, layout, frames, max_bodies, sample_id=str(clip.path)))
        except PipelineError as exc:
            bad.append(BadClip(clip.name, str(clip.path), str(exc)))
            continue
        good.append(clip)
    x = np.stack(arrays) if arrays else np.zeros((0, max_bodies, frames, layout.num_joints, 3), np.float32)
    return good, x, bad
