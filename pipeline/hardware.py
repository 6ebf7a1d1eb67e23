"""Where torch runs: the device a setting names, and the intra-op thread count for one block (small
matrix products run fastest on one thread on a shared CPU, so the trainer and predict pin it while they
work and restore it after)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    import torch


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Set torch to n threads (0: leave as they are) for the block."""
    import torch

    if n <= 0:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """`auto` -> cuda if available else cpu; `cuda` on a machine without one is an error, not a fallback."""
    import torch

    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise PipelineError(f"device {name!r}: CUDA is not available here; use device=cpu or device=auto")
        return torch.device("cuda", local_rank) if name == "cuda" else torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise PipelineError(f"device {name!r}: expected auto, cpu, cuda or cuda:<index>")
