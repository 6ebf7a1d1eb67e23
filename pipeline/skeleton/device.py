"""Where the backbone runs: the device setting, mixed precision, determinism and torchrun's process group.

One code path for every case: `cfg.device` "auto" picks CUDA when present, else the CPU; under torchrun
(WORLD_SIZE > 1 in the environment) each process joins a process group (nccl on CUDA, gloo on the CPU)
and takes the GPU named by LOCAL_RANK. Tensors move with `.to(runtime.device)` only: no device is hard-coded.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import torch
import torch.distributed as dist

from pipeline.hardware import resolve_device


@dataclass(frozen=True)
class Runtime:
    """The device, the process's place among torchrun's processes, and the autocast dtype (None: fp32)."""

    device: torch.device
    world: int = 1
    rank: int = 0
    amp_dtype: torch.dtype | None = None

    @property
    def main(self) -> bool:
        """Only the main process writes artifacts and prints."""
        return self.rank == 0

    @property
    def cuda(self) -> bool:
        return self.device.type == "cuda"

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def sum(self, values: list[float]) -> list[float]:
        """Sum numbers over all processes (e.g. correct/total counts), on every process."""
        if self.world == 1:
            return values
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()


def _amp_dtype(device: torch.device, amp: bool) -> torch.dtype | None:
    """bf16 where the GPU has it (no loss scaling needed), else fp16; the CPU stays in fp32."""
    if not amp or device.type != "cuda":
        return None
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


@contextlib.contextmanager
def runtime(device: str, amp: bool) -> Iterator[Runtime]:
    """The runtime of this process; joins torchrun's process group when WORLD_SIZE > 1.

    Re-entrant: a group that is already up (fit, then extract in the same process) is reused and
    left for its creator to tear down.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = resolve_device(device, local_rank)
    created = False
    if world > 1 and not dist.is_initialized():
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        dist.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        created = True
    try:
        with deterministic(dev):
            yield Runtime(device=dev, world=world, rank=rank, amp_dtype=_amp_dtype(dev, amp))
        if created:  # every rank done before any tears down: a rank that leaves early aborts gloo's peers
            dist.barrier()
    finally:
        if created:
            dist.destroy_process_group()


@contextlib.contextmanager
def deterministic(device: torch.device) -> Iterator[None]:
    """Bitwise-reproducible kernels on the CPU; on CUDA, cuDNN autotuning for speed instead.

    The previous global setting is restored on exit, so callers in the same process are unaffected.
    """
    if device.type != "cpu":
        previous = torch.backends.cudnn.benchmark
        torch.backends.cudnn.benchmark = True
        try:
            yield
        finally:
            torch.backends.cudnn.benchmark = previous
        return
    previous_det = torch.are_deterministic_algorithms_enabled()
    previous_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous_det, warn_only=previous_warn)
