"""The CTR-GCN preprocessed `.npz` (`x_train`, `y_train`, `x_test`, `y_test`) -> `Clip`s.

`x` is (N, frames, 150): per frame 2 bodies x 25 joints x 3, zero-padded at the end; `y` is one-hot
(N, C). The file keeps no performer ids, only which side of the cross-subject (or cross-view) protocol a
sample is on, so that side becomes the subject: train samples get subject `TRAIN_SUBJECT` (1), test
samples `TEST_SUBJECT` (2), and the train subjects of the protocol are `(TRAIN_SUBJECT,)`. Sample ids are
`train_000012` / `test_000003` (the row in the file).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip

TRAIN_SUBJECT = 1
TEST_SUBJECT = 2
NPZ_TRAIN_SUBJECTS: tuple[int, ...] = (TRAIN_SUBJECT,)
KEYS = ("x_train", "y_train", "x_test", "y_test")
NUM_JOINTS = 25


def _labels(y: np.ndarray, where: str, n: int) -> np.ndarray:
    if y.ndim != 2 or len(y) != n:
        raise PipelineError(f"{where}: expected one-hot labels of shape ({n}, classes), got {y.shape}")
    if n and not (np.isfinite(y).all() and (y.max(axis=1) > 0).all()):
        row = int(np.flatnonzero(~(np.isfinite(y).all(axis=1) & (y.max(axis=1) > 0)))[0])
        raise PipelineError(f"{where}: row {row} is not a one-hot label")
    return y.argmax(axis=1) if n else np.zeros(0, dtype=np.int64)


def _clips(x: np.ndarray, labels: np.ndarray, side: str, subject: int, where: str) -> list[Clip]:
    if x.ndim != 3 or x.shape[2] % (NUM_JOINTS * 3):
        raise PipelineError(f"{where}: expected (N, frames, bodies*25*3) e.g. (N, 300, 150), got {x.shape}")
    bodies = x.shape[2] // (NUM_JOINTS * 3)
    clips = []
    for i in range(len(x)):
        sample = x[i]
        if not np.isfinite(sample).all():
            raise PipelineError(f"{where}: sample {i} has non-finite coordinates")
        frames = np.flatnonzero((sample != 0).any(axis=1))
        if not len(frames):
            raise PipelineError(f"{where}: sample {i} is all zeros")
        data = sample[: frames[-1] + 1].reshape(-1, bodies, NUM_JOINTS, 3).astype(np.float32, copy=False)
        clips.append(Clip(sample_id=f"{side}_{i:06d}", data=data, label=int(labels[i]), subject=subject))
    return clips


def read_npz(path: str | Path) -> tuple[list[Clip], int]:
    """All clips of the file (train then test) and the number of classes of its one-hot labels."""
    path = Path(path)
    try:
        npz = np.load(path, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise PipelineError(f"{path}: not a readable .npz file: {exc}") from None
    with npz:
        missing = [k for k in KEYS if k not in npz.files]
        if missing:
            raise PipelineError(
                f"{path}: missing arrays {missing}; a CTR-GCN-style .npz holds {', '.join(KEYS)} "
                f"(found {', '.join(npz.files) or 'none'})"
            )
        arrays = {k: npz[k] for k in KEYS}
    classes = {arrays[k].shape[1] for k in ("y_train", "y_test") if arrays[k].ndim == 2}
    if len(classes) > 1:
        raise PipelineError(f"{path}: y_train and y_test have different class counts {sorted(classes)}")
    clips = []
    for side, subject in (("train", TRAIN_SUBJECT), ("test", TEST_SUBJECT)):
        x = arrays[f"x_{side}"]
        labels = _labels(arrays[f"y_{side}"], f"{path} y_{side}", len(x))
        clips += _clips(x, labels, side, subject, f"{path} x_{side}")
    if not clips:
        raise PipelineError(f"{path}: x_train and x_test are both empty")
    return clips, classes.pop()
