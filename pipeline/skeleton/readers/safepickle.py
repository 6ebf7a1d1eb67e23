"""Loading a pickle from a user's disk without letting it run code.

A pickle names the callables that rebuild its objects and `pickle.load` calls whatever it names, so a
file crafted with `__reduce__` runs a shell command as it loads. The annotation pickles this project reads
hold only dicts, lists, strings, numbers and numpy arrays, dtypes and scalars; `load_pickle` admits the
globals those are rebuilt with (under numpy 1 and 2 module names, any pickle protocol) and refuses any
other global before it is called, with an error naming the file.
"""

from __future__ import annotations

import codecs
import functools
import pickle
from pathlib import Path
from typing import Any

from pipeline.errors import PipelineError

BUILTIN_MODULES = ("builtins", "__builtin__")  # protocol 0-2 pickles written by Python 2 name `__builtin__`
BUILTIN_NAMES = ("dict", "list", "tuple", "set", "frozenset", "bytearray", "bytes", "str", "int", "float", "bool")


class RefusedPickle(pickle.UnpicklingError):
    """The pickle names a global outside the allowed set."""


@functools.cache
def _allowed() -> dict[tuple[str, str], Any]:
    """(module, name) -> the object it stands for, taken from the running numpy rather than imported by
    the name in the file, so a numpy-1 pickle (`numpy.core...`) loads under numpy 2 without its shim."""
    import builtins

    import numpy as np

    sample = np.zeros(1)
    rebuild = {
        "_reconstruct": sample.__reduce__()[0],
        "scalar": np.float32(0).__reduce__()[0],
        "_frombuffer": sample.__reduce_ex__(5)[0],
    }
    allowed: dict[tuple[str, str], Any] = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,
    }
    for core in ("numpy.core", "numpy._core"):
        allowed[(f"{core}.multiarray", "_reconstruct")] = rebuild["_reconstruct"]
        allowed[(f"{core}.multiarray", "scalar")] = rebuild["scalar"]
        allowed[(f"{core}.numeric", "_frombuffer")] = rebuild["_frombuffer"]
    for module in BUILTIN_MODULES:
        for name in BUILTIN_NAMES:
            allowed[(module, name)] = getattr(builtins, name)
    return allowed


class _Restricted(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _allowed()[(module, name)]
        except KeyError:
            raise RefusedPickle(f"{module}.{name}") from None


def load_pickle(path: str | Path) -> Any:
    """The object a pickle file holds, if it is made of builtins containers and numpy values only."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            return _Restricted(fh).load()
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    except RefusedPickle as exc:
        raise PipelineError(
            f"{path}: refused: the pickle calls {exc}, which an annotation file never holds (a "
            "pickle can run code when loaded; only numpy arrays and builtins containers are "
            "admitted)"
        ) from None
    except Exception as exc:  # a damaged pickle fails in many ways (EOFError, ValueError, ...); all mean the same
        raise PipelineError(f"{path}: not a readable pickle: {type(exc).__name__}: {exc}") from None
