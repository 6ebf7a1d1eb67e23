"""Batches of prepared clips for the backbone: float32 on the fly from the float16 store array, the
positions of each batch so outputs land in place, and the training augmentation."""

from __future__ import annotations

import math

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, SequentialSampler

from pipeline.skeleton.device import Runtime


class ClipBatches(torch.utils.data.Dataset):
    """Whole batches read at once from the (maybe float16, memory-mapped) prepared array.

    An item is a list of positions into `indices`; it yields float32 clips (NaN read as 0) and their
    targets, or the positions themselves when there are no targets (extraction).
    """

    def __init__(self, x: np.ndarray, indices: np.ndarray, targets: np.ndarray | None = None) -> None:
        self.x, self.indices, self.targets = x, np.asarray(indices), targets

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, positions: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        pos = np.asarray(positions)
        rows = self.indices[pos]
        order = np.argsort(rows, kind="stable")  # ascending reads are kind to a memory map
        batch = np.empty((len(rows), *self.x.shape[1:]), dtype=np.float32)
        batch[order] = np.asarray(self.x[rows[order]], dtype=np.float32)
        x = torch.from_numpy(np.nan_to_num(batch, copy=False))
        y = torch.from_numpy(self.targets[pos]) if self.targets is not None else torch.from_numpy(pos)
        return x, y


def make_loader(
    x: np.ndarray,
    indices: np.ndarray,
    targets: np.ndarray | None,
    batch_size: int,
    rt: Runtime,
    num_workers: int,
    shuffle: bool,
    seed: int,
) -> tuple[DataLoader, DistributedSampler | None]:
    """Batches of clips; for training, a DistributedSampler shards and shuffles by (seed, epoch) on any world
    size."""
    data = ClipBatches(x, indices, targets)
    sampler: DistributedSampler | None = None
    if shuffle:
        sampler = DistributedSampler(data, num_replicas=rt.world, rank=rt.rank, shuffle=True, seed=seed)
        batches = BatchSampler(sampler, batch_size, drop_last=False)
    else:
        batches = BatchSampler(SequentialSampler(data), batch_size, drop_last=False)
    loader = DataLoader(
        data,
        sampler=batches,
        batch_size=None,
        num_workers=num_workers,
        pin_memory=rt.cuda,
        persistent_workers=num_workers > 0,
        generator=torch.Generator().manual_seed(seed),
    )
    return loader, sampler


def augment(
    x: torch.Tensor, generator: torch.Generator, rotate_deg: float, scale: float, crop: float = 1.0
) -> torch.Tensor:
    """Per clip: a random temporal crop (a window of a fraction in [crop, 1] of the frames at a random
    start, resampled back to every frame; clips are already resampled to a fixed length, so a window is
    always real motion), a random rotation about the vertical (y) axis and a random scale; absent bodies
    stay zero."""
    n = x.shape[0]
    if crop < 1.0:
        x = _crop(x, generator, crop)
    theta = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(rotate_deg)
    s = 1 + (torch.rand(n, generator=generator) * 2 - 1) * scale
    cos, sin, zero, one = torch.cos(theta), torch.sin(theta), torch.zeros(n), torch.ones(n)
    rot = (
        torch.stack(
            [
                torch.stack([cos, zero, sin], -1),
                torch.stack([zero, one, zero], -1),
                torch.stack([-sin, zero, cos], -1),
            ],
            1,
        )
        * s[:, None, None]
    )  # (N, 3, 3)
    return torch.einsum("nmtvc,ndc->nmtvd", x, rot.to(x.device, x.dtype))


def _crop(x: torch.Tensor, generator: torch.Generator, crop: float) -> torch.Tensor:
    """A window of each clip's frames, linearly resampled to the clip's length (first and last kept)."""
    n, t = x.shape[0], x.shape[2]
    length = (crop + torch.rand(n, generator=generator) * (1 - crop)) * (t - 1)  # window span, in frames
    start = torch.rand(n, generator=generator) * (t - 1 - length)
    pos = (start[:, None] + torch.linspace(0, 1, t)[None] * length[:, None]).clamp(0, t - 1).to(x.device)
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=t - 1)
    w = (pos - lo).to(x.dtype)[:, None, :, None, None]
    index = lo[:, None, :, None, None].expand(n, x.shape[1], t, x.shape[3], x.shape[4])
    upper = hi[:, None, :, None, None].expand_as(index)
    return torch.gather(x, 2, index) * (1 - w) + torch.gather(x, 2, upper) * w
