"""Training one GCN backbone: the optimiser, the warm-up + cosine schedule, the epochs (with resumable
checkpoints and DDP when launched under torchrun), and the loss of each objective.

The random streams (shuffling, augmentation, dropout) are reseeded at every epoch from (seed, epoch,
rank), so a resumed run draws exactly what the uninterrupted one would have, without RNG state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from pipeline.console import info, track
from pipeline.errors import PipelineError
from pipeline.skeleton.checkpoint import load_resume, save_resume
from pipeline.skeleton.clips import Prepared
from pipeline.skeleton.device import Runtime
from pipeline.skeleton.keys import uses_text
from pipeline.skeleton.layouts import Layout
from pipeline.skeleton.loader import augment, make_loader
from pipeline.skeleton.model import STGCN, BackboneOutput, StreamEnsemble, build_model
from pipeline.skeleton.settings import BackboneConfig


@dataclass
class TrainResult:
    model: STGCN | StreamEnsemble  # the trained network (unwrapped from DDP), on the runtime's device
    train_acc: float  # accuracy over the last epoch's (augmented) training batches
    epochs: int  # epochs trained in total, those before a resume included
    resumed_at: int  # epoch the run resumed from (0: fresh)
    seconds: float


def text_model(bcfg: BackboneConfig, targets: np.ndarray | None) -> dict[str, Any]:
    """The text objective's architecture settings (none for `ce`, so its info stays as it was)."""
    if targets is None:
        return {}
    return {"objective": bcfg.objective, "text_dim": int(targets.shape[1]), "tau": bcfg.tau}


def stream_model(bcfg: BackboneConfig) -> dict[str, Any]:
    """The multi-stream and replica settings, recorded only when on (so single-network infos stay as they
    were)."""
    if bcfg.multistream and len(bcfg.inputs) < 2:
        raise PipelineError(f"skeleton.backbone.multistream: needs two or more inputs, got {list(bcfg.inputs)}")
    if isinstance(bcfg.replicas, bool) or not isinstance(bcfg.replicas, int) or bcfg.replicas < 1:
        raise PipelineError(f"skeleton.backbone.replicas = {bcfg.replicas!r}: a whole number, 1 or more")
    return {
        **({"multistream": True} if bcfg.multistream else {}),
        **({"replicas": bcfg.replicas} if bcfg.replicas > 1 else {}),
    }


def warmup_cosine(warmup_steps: int, total_steps: int) -> Callable[[int], float]:
    """LR factor per optimiser step: linear warm-up, then cosine decay to zero."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
        return 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))

    return factor


def _epoch_seed(seed: int, epoch: int, rank: int) -> int:
    return (seed * 1_000_003 + epoch * 7_919 + rank) % (2**63)


def train_backbone(
    prepared: Prepared,
    indices: np.ndarray,
    classes: tuple[int, ...],
    layout: Layout,
    bcfg: BackboneConfig,
    seed: int,
    rt: Runtime,
    resume: Path | None = None,
    label: str = "backbone",
    class_text: np.ndarray | None = None,
) -> TrainResult:
    """Train one backbone on `prepared.x[indices]` to classify `classes` (sorted; output i = classes[i]);
    a text objective needs `class_text`, the classes' targets (class_targets), row i for classes[i]."""
    from torch.nn.parallel import DistributedDataParallel

    stream_model(bcfg)
    if bcfg.replicas != 1:  # each replica is a backbone of its own seed and artifact (fit._fit_replicas)
        raise PipelineError(f"train_backbone trains one replica; skeleton.backbone.replicas = {bcfg.replicas}")
    started = time.perf_counter()
    targets = np.searchsorted(np.asarray(classes), prepared.label[indices]).astype(np.int64)
    torch.manual_seed(seed)
    if uses_text(bcfg) and class_text is None:
        raise PipelineError(f"skeleton.backbone.objective = {bcfg.objective}: no class text vectors given")
    if not 0 < bcfg.crop <= 1:
        raise PipelineError(f"skeleton.backbone.crop = {bcfg.crop}: a fraction of the frames, in (0, 1]")
    texts = text_model(bcfg, class_text if uses_text(bcfg) else None)
    model = build_model(
        layout,
        len(classes),
        bcfg.preset,
        bcfg.embed_dim,
        bcfg.inputs,
        bcfg.dropout,
        **texts,
        **stream_model(bcfg),
    ).to(rt.device)
    if texts:
        model.set_class_text(torch.as_tensor(class_text, device=rt.device))
    net: nn.Module = model
    if rt.world > 1:
        net = DistributedDataParallel(model, device_ids=[rt.device.index] if rt.cuda else None)
    optimiser = make_optimiser(model, bcfg)
    loader, sampler = make_loader(
        prepared.x, indices, targets, bcfg.batch_size, rt, bcfg.num_workers, shuffle=True, seed=seed
    )
    steps = len(loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, warmup_cosine(bcfg.warmup_epochs * steps, bcfg.epochs * steps)
    )
    scaler = torch.amp.GradScaler(rt.device.type, enabled=rt.amp_dtype == torch.float16)
    criterion = nn.CrossEntropyLoss(label_smoothing=bcfg.label_smoothing)
    start, acc = load_resume(resume, model, optimiser, scheduler, scaler, rt)
    if start and rt.main:
        info(f"backbone {label}: resuming after epoch {start}/{bcfg.epochs} from {resume}")
    for epoch in range(start, bcfg.epochs):
        sampler.set_epoch(epoch)
        acc = _train_epoch(
            net,
            loader,
            optimiser,
            scheduler,
            scaler,
            criterion,
            bcfg,
            rt,
            seed=_epoch_seed(seed, epoch, rt.rank),
            description=f"{label} {epoch + 1}/{bcfg.epochs}",
        )
        if resume is not None and rt.main:
            save_resume(resume, model, optimiser, scheduler, scaler, epoch + 1, acc)
        rt.barrier()
    if rt.world > 1:  # parameters agree already; BN running statistics are per process until here
        for buffer in model.buffers():
            torch.distributed.broadcast(buffer, src=0)
    return TrainResult(
        model=model, train_acc=acc, epochs=bcfg.epochs, resumed_at=start, seconds=time.perf_counter() - started
    )


def make_optimiser(model: nn.Module, bcfg: BackboneConfig) -> torch.optim.Optimizer:
    """SGD with Nesterov momentum (the skeleton field's NTU recipe) or AdamW, which converges in fewer
    epochs on a few hundred clips (bench/NOTES.md, real-data figures)."""
    if bcfg.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=bcfg.lr, momentum=0.9, nesterov=True, weight_decay=bcfg.weight_decay
        )
    if bcfg.optimizer == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=bcfg.lr, weight_decay=bcfg.weight_decay)
    raise PipelineError(f"skeleton.backbone.optimizer = {bcfg.optimizer!r}: choose sgd or adamw")


def _train_epoch(
    net: nn.Module,
    loader: DataLoader,
    optimiser: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler,
    scaler: torch.amp.GradScaler,
    criterion: nn.Module,
    bcfg: BackboneConfig,
    rt: Runtime,
    seed: int,
    description: str,
) -> float:
    """One pass over the training clips; returns the accuracy over its batches (all processes)."""
    torch.manual_seed(seed)  # dropout
    generator = torch.Generator().manual_seed(seed)  # augmentation
    net.train()
    correct, total, loss_sum = 0.0, 0.0, 0.0
    batches = track(loader, f"backbone {description}", total=len(loader)) if rt.main else loader
    for x, y in batches:
        x = augment(x.to(rt.device, non_blocking=True), generator, bcfg.rotate_deg, bcfg.scale, bcfg.crop)
        y = y.to(rt.device, non_blocking=True)
        with rt.autocast():
            out = net(x)
        logits = out.logits
        loss = _loss(out, y, criterion, bcfg.objective)
        optimiser.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(optimiser)
        scaler.update()
        scheduler.step()
        correct += float((logits.argmax(dim=1) == y).sum())
        total += len(y)
        loss_sum += float(loss.detach()) * len(y)
    correct, total, loss_sum = rt.sum([correct, total, loss_sum])
    if rt.main:
        info(
            f"backbone {description}: loss {loss_sum / max(total, 1):.3f}, train acc {correct / max(total, 1):.3f}"
        )
    return correct / max(total, 1)


def _loss(out: BackboneOutput, y: torch.Tensor, criterion: nn.Module, objective: str) -> torch.Tensor:
    """Cross-entropy over the classifier's logits (ce), the text logits (text), or the sum (both); a stream
    ensemble sums its networks' own losses, so each learns as it would alone."""
    if out.members:
        return torch.stack([_loss(member, y, criterion, objective) for member in out.members]).sum()
    if objective == "ce":
        return criterion(out.logits.float(), y)
    text = criterion(out.text_logits.float(), y)
    return text if objective == "text" else text + criterion(out.logits.float(), y)
