"""The readers' common output, and the prepared array file that the backbone trains on.

Readers turn any source format into `Clip`s (variable length, NaN for missing joints). `prepare`
turns clips into one `Prepared` array set of fixed shape, stored once in the store as `x.npy` (float16)
plus `index.parquet`, so parsing (e.g. NTU-120's ~114k files) is never repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Clip:
    """One sample as read from disk: `data` is float32 (T, M, J, 3); NaN marks a missing joint."""

    sample_id: str
    data: np.ndarray
    label: int
    subject: int
    view: int = 0
    setup: int = 0


@dataclass
class Prepared:
    """Preprocessed clips: `x` is (N, M, T, J, 3), a float16 memory map when loaded from the store (convert
    each batch to float32 as it is read); one row of metadata per clip."""

    x: np.ndarray
    label: np.ndarray
    subject: np.ndarray
    view: np.ndarray
    sample_id: np.ndarray
    layout: str
    train_subjects: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.label)

    def select(self, classes: tuple[int, ...] | list[int], subjects: str) -> np.ndarray:
        """Indices of clips of the given classes from the `train` subjects, the `test` ones, `all`, or
        `none` (a part that takes no clip)."""
        mask = np.isin(self.label, np.asarray(classes)) & (subjects != "none")
        if subjects != "all":
            in_train = np.isin(self.subject, np.asarray(self.train_subjects))
            mask &= in_train if subjects == "train" else ~in_train
        return np.flatnonzero(mask)
