"""Loading `.npy` arrays from users' folders, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError


def load_numeric_npy(path: Path, expected: str = "a numeric array") -> np.ndarray:
    """A numeric array from a .npy file (pickles refused); `expected` says what the caller wanted."""
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise PipelineError(f"{path}: not a readable .npy array: {exc}") from None
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.number):
        raise PipelineError(f"{path}: expected {expected}, got {getattr(array, 'dtype', type(array))}")
    return array
