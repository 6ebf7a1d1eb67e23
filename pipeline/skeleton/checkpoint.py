"""The resumable checkpoint of a backbone being trained: written atomically after every epoch, read back
by a rerun after an interruption (pipeline/skeleton/fit.py)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from pipeline.console import warn
from pipeline.errors import PipelineError
from pipeline.skeleton.device import Runtime
from pipeline.store.atomic import atomic_path


def save_resume(
    path: Path,
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    epoch: int,
    acc: float,
) -> None:
    state = {
        "epoch": epoch,
        "train_acc": acc,
        "model": model.state_dict(),
        "optimiser": optimiser.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(),
    }
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_resume(
    path: Path | None,
    model: nn.Module,
    optimiser: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    rt: Runtime,
) -> tuple[int, float]:
    """Load a resumable checkpoint into the training state; (epochs done, their last accuracy).

    An unreadable file (a crash can leave none half-written, but disks fail) means a fresh start; one
    that reads but does not fit this network is an error, since its name says it should.
    """
    if path is None or not path.is_file():
        return 0, 0.0
    try:
        state = torch.load(path, map_location=rt.device, weights_only=True)
    except (RuntimeError, OSError, EOFError, ValueError) as exc:
        if rt.main:
            warn(f"{path}: unreadable resume checkpoint ({exc}); training from scratch")
        return 0, 0.0
    try:
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        scheduler.load_state_dict(state["scheduler"])
        scaler.load_state_dict(state["scaler"])
        return int(state["epoch"]), float(state["train_acc"])
    except (RuntimeError, KeyError, ValueError, TypeError) as exc:
        raise PipelineError(
            f"{path}: resume checkpoint does not match this backbone ({exc}); delete it to train from scratch"
        ) from None
