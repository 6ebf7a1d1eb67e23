"""Loading `.npy` arrays from users' folders, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.errors import PipelineError

NPY_MAGIC = b"\x93NUMPY"


def load_numeric_npy(path: Path, expected: str = "a numeric array") -> np.ndarray:
    """A real (integer or float) array from a .npy file (pickles refused); `expected` says what the
    caller wanted. The header is checked first: numpy reads any file without one as a pickle, and would
    call a text file "pickled data"."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(NPY_MAGIC))
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if head != NPY_MAGIC:
        raise PipelineError(
            f"{path}: not a readable .npy array: no NumPy header (a text file?); expected {expected} "
            f"saved with np.save"
        )
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise PipelineError(f"{path}: not a readable .npy array: {exc}") from None
    real = np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    if not real:
        raise PipelineError(f"{path}: expected {expected}, got dtype {array.dtype}")
    return array


# Coordinates are metres or millimetres, so a body lies well within this; past it a value is a fault, and
# the difference of two such values could overflow the float16 the prepared data is stored in (65504).
MAX_COORDINATE = 30_000.0


def check_coordinates(data: np.ndarray, where: str | Path) -> None:
    """Refuse infinite or absurdly large coordinates (NaN is allowed: it marks a missing joint)."""
    with np.errstate(invalid="ignore"):
        bad = np.isinf(data) | (np.abs(data) > MAX_COORDINATE)
    if bad.any():
        value = float(data[bad].flat[0])
        raise PipelineError(
            f"{where}: coordinate {value:g} out of range (|x| <= {MAX_COORDINATE:g}; use NaN for a missing joint)"
        )
