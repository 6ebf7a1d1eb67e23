"""torch's intra-op thread count for one block: small matrix products run fastest on one thread on a
shared CPU, so the trainer and predict pin it while they work and restore it after."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


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
