"""`zssar skeleton fit`: train the split's two GCN backbones on seen classes only.

"main" learns the split's seen classes and yields the features the zero-shot models train and test on;
"val" learns only the validation carve's pseudo-seen classes, so its pseudo-unseen classes look to it as
the real unseen ones look to "main" (the GZSL gate is fitted on that). Both learn from the training
subjects only; no unseen class ever reaches either, which is asserted on the selected clips.

Each backbone is a store artifact of kind `backbone`: `model.pt` (state dict) plus the classes (dataset
indices, in classifier-output order), subjects, data key, layout, preset, epochs, final train accuracy
and the resolved config in its info. With a text objective (`skeleton.backbone.objective`) it learns
against the seen classes' fused text vectors, centred on their mean and renormalised (`class_targets`),
which are saved with the weights and whose text features' key is part of the backbone's key.

While training, a resumable checkpoint is written atomically to
`<store>/tmp/backbone-<key>.ckpt` after every epoch; a rerun after an interruption continues from it.
The random streams (shuffling, augmentation, dropout) are reseeded at every epoch from (seed, epoch,
rank), so a resumed run draws exactly what the uninterrupted one would have, without RNG state.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from pipeline.artifacts.backbones import backbone_file, read_backbone, write_backbone
from pipeline.artifacts.kinds import BACKBONE
from pipeline.catalog import Split
from pipeline.config import Config
from pipeline.console import info, summary, track, warn
from pipeline.errors import PipelineError
from pipeline.hardware import torch_threads
from pipeline.skeleton.checkpoint import load_resume, save_resume
from pipeline.skeleton.clips import Prepared
from pipeline.skeleton.device import Runtime, runtime
from pipeline.skeleton.keys import (
    ARCH_VERSION,
    ClassTexts,
    backbone_keys,
    backbone_spec,
    roles,
    seen_subjects,
    uses_text,
)
from pipeline.skeleton.layouts import BUILTIN_LAYOUTS, Layout, get_layout
from pipeline.skeleton.loader import augment, make_loader
from pipeline.skeleton.model import STGCN, BackboneOutput, StreamEnsemble, build_model, join_replicas
from pipeline.skeleton.settings import BackboneConfig
from pipeline.store import Store


@dataclass
class TrainResult:
    model: STGCN | StreamEnsemble  # the trained network (unwrapped from DDP), on the runtime's device
    train_acc: float  # accuracy over the last epoch's (augmented) training batches
    epochs: int  # epochs trained in total, those before a resume included
    resumed_at: int  # epoch the run resumed from (0: fresh)
    seconds: float


def fit_prepared(
    prepared: Prepared,
    data_key: str,
    split: Split,
    cfg: Config,
    keys: dict[str, str] | None = None,
    text: ClassTexts | None = None,
) -> dict[str, str]:
    """Train the split's backbones (role -> store key; default: the keys the configuration gives) that the
    store lacks, on already prepared clips (`data_key` names them in the store); `text`: the class texts a
    text objective trains against."""
    if uses_text(cfg.skeleton.backbone) and text is None:
        raise PipelineError(
            f"skeleton.backbone.objective = {cfg.skeleton.backbone.objective}: no class text features given"
        )
    text = text if uses_text(cfg.skeleton.backbone) else None
    keys = keys or backbone_keys(data_key, split, cfg, text.key if text else None)
    store = Store(cfg.store)
    layout = layout_for(prepared, store, data_key)
    with runtime(cfg.device, cfg.skeleton.backbone.amp) as rt, torch_threads(backbone_threads(cfg, rt)):
        return {
            role: _fit_one(_Job(prepared, data_key, layout, split, store, rt, text), role, key, cfg)
            for role, key in keys.items()
        }


def backbone_threads(cfg: Config, rt: Runtime) -> int:
    """skeleton.backbone.threads, in a plain process; under torchrun the launcher sets the threads
    (OMP_NUM_THREADS), and changing them in a process with a gloo group aborts it at exit."""
    return cfg.skeleton.backbone.threads if rt.world == 1 else 0


def layout_for(prepared: Prepared, store: Store, data_key: str) -> Layout:
    """A built-in layout by name; a custom one is recorded with the prepared data."""
    if prepared.layout in BUILTIN_LAYOUTS:
        return BUILTIN_LAYOUTS[prepared.layout]
    from pipeline.skeleton.prepare import layout_of

    return layout_of(store, data_key)


class _Job(NamedTuple):
    """What every backbone of one `fit_prepared` call shares."""

    prepared: Prepared
    data_key: str
    layout: Layout
    split: Split
    store: Store
    rt: Runtime
    text: ClassTexts | None


def _fit_one(
    job: _Job,
    role: str,
    key: str,
    cfg: Config,
) -> str:
    prepared, data_key, layout, split, store, rt, text = job
    classes, forbidden = roles(split)[role]
    bcfg = cfg.skeleton.backbone
    if _stream_model(bcfg).get("replicas"):
        return _fit_replicas(job, role, key, cfg)
    subjects = seen_subjects(cfg)
    spec = backbone_spec(data_key, classes, split.name, bcfg, cfg.seed, text.key if text else None, subjects)
    if store.has(BACKBONE, key):
        if rt.main:
            summary(f"backbone {role}: cached, {len(classes)} classes, key {key}")
        return key
    indices = prepared.select(classes, subjects)
    leaked = np.isin(prepared.label[indices], np.asarray(forbidden, dtype=np.int64))
    if leaked.any() or not np.isin(prepared.label[indices], np.asarray(classes)).all():
        raise PipelineError(
            f"backbone {role}: the training selection holds clips of unseen classes "
            f"{sorted(set(prepared.label[indices][leaked].tolist()))}"
        )
    if len(indices) == 0:
        raise PipelineError(
            f"backbone {role} of split {split.name}: no clips of its {len(classes)} classes "
            f"from the training subjects {list(prepared.train_subjects)} in the prepared data"
        )
    missing = sorted(set(classes) - set(prepared.label[indices].tolist()))
    if missing and rt.main:
        warn(f"backbone {role}: classes {missing} have no training clips; their logits will stay untrained")
    resume = store.root / "tmp" / f"backbone-{key}.ckpt"
    targets = class_targets(text.table, classes) if text is not None else None
    result = train_backbone(
        prepared, indices, classes, layout, bcfg, cfg.seed, rt, resume=resume, label=role, class_text=targets
    )
    if rt.main:
        model = result.model
        info_ = {
            "role": role,
            "classes": list(classes),
            "subjects": [int(s) for s in prepared.train_subjects] if subjects == "train" else "all",
            "data": data_key,
            "layout": layout.to_dict(),
            "preset": bcfg.preset,
            "epochs": result.epochs,
            "train_acc": result.train_acc,
            "samples": int(len(indices)),
            "split": split.to_dict(),
            "seconds": round(result.seconds, 2),
            "resumed_at": result.resumed_at,
            "device": str(rt.device),
            "world_size": rt.world,
            "arch": ARCH_VERSION,
            "model": {
                "preset": bcfg.preset,
                "embed_dim": bcfg.embed_dim,
                "inputs": list(bcfg.inputs),
                "dropout": bcfg.dropout,
                **_text_model(bcfg, targets),
                **_stream_model(bcfg),
            },
            "config": cfg.to_dict(),
        }
        if text is not None:
            info_["text"] = text.key
        write_backbone(store, key, spec, info_, model.state_dict())
        resume.unlink(missing_ok=True)
        summary(
            f"backbone {role}: {len(classes)} classes, {len(indices)} clips, {result.epochs} epochs, "
            f"train acc {result.train_acc:.3f}, {result.seconds:.1f} s on {rt.device}"
            f"{f' x{rt.world}' if rt.world > 1 else ''}, key {key}"
        )
    rt.barrier()
    return key


def class_targets(table: np.ndarray, classes: tuple[int, ...]) -> np.ndarray:
    """The text targets of a backbone's classes (rows in classifier-output order): their fused vectors,
    centred on their mean and renormalised. Sentence embeddings share a large common direction; without
    it the cosines separate the classes instead of all sitting near one value."""
    rows = np.asarray(table, dtype=np.float64)[list(classes)]
    if not np.isfinite(rows).all():
        raise PipelineError("class text features: non-finite values in the fused vectors")
    centred = rows - rows.mean(axis=0)
    return (centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _text_model(bcfg: BackboneConfig, targets: np.ndarray | None) -> dict[str, Any]:
    """The text objective's architecture settings (none for `ce`, so its info stays as it was)."""
    if targets is None:
        return {}
    return {"objective": bcfg.objective, "text_dim": int(targets.shape[1]), "tau": bcfg.tau}


def _stream_model(bcfg: BackboneConfig) -> dict[str, Any]:
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


def replica_seed(seed: int, replica: int) -> int:
    """Replica 0 is the plain backbone; the others are far from the seeds a user or `zssar evaluate`
    (`--backbone-seeds`, 1000 apart) would give, so no two runs share a replica by accident."""
    return seed + 100_003 * replica


def _fit_replicas(
    job: _Job,
    role: str,
    key: str,
    cfg: Config,
) -> str:
    """`skeleton.backbone.replicas`: each replica is the plain backbone of its own seed, fitted (or read
    back) as an artifact of its own, so a larger ensemble reuses a smaller one's replicas; the ensemble is
    their networks joined, replica by replica."""
    data_key, split, store, rt, text = job.data_key, job.split, job.store, job.rt, job.text
    bcfg = cfg.skeleton.backbone
    if store.has(BACKBONE, key):
        if rt.main:
            summary(f"backbone {role}: cached, {bcfg.replicas} replicas, key {key}")
        return key
    members = []
    for r in range(bcfg.replicas):
        one = copy.deepcopy(cfg)
        one.seed, one.skeleton.backbone.replicas = replica_seed(cfg.seed, r), 1
        member = backbone_keys(data_key, split, one, text.key if text else None)[role]
        members.append(_fit_one(job, role, member, cfg=one))
    if rt.main:
        models, infos = zip(*(load_backbone(store, m) for m in members), strict=True)
        classes = roles(split)[role][0]
        spec = backbone_spec(
            data_key, classes, split.name, bcfg, cfg.seed, text.key if text else None, seen_subjects(cfg)
        )
        info_ = {
            **infos[0],
            "train_acc": float(np.mean([i["train_acc"] for i in infos])),
            "seconds": round(sum(i["seconds"] for i in infos), 2),
            "model": {**infos[0]["model"], **_stream_model(bcfg)},
            "replica_backbones": members,
            "config": cfg.to_dict(),
        }
        write_backbone(store, key, spec, info_, join_replicas(list(models)).state_dict())
        summary(f"backbone {role}: {bcfg.replicas} replicas joined, key {key}")
    rt.barrier()
    return key


def load_backbone(
    store: Store, key: str, device: torch.device | str = "cpu"
) -> tuple[STGCN | StreamEnsemble, dict[str, Any]]:
    """A sealed backbone in eval mode on `device`, and its info (classes, subjects, layout, ...)."""
    state, info_ = read_backbone(store, key)
    layout = get_layout(info_["layout"], where=f"{store.path(BACKBONE, key)} layout")
    model = build_model(layout, len(info_["classes"]), **info_["model"])
    try:
        model.load_state_dict(state)
    except (RuntimeError, KeyError) as exc:
        raise PipelineError(f"{backbone_file(store, key)}: cannot load the backbone weights: {exc}") from None
    return model.to(device).eval(), info_


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

    started = time.perf_counter()
    targets = np.searchsorted(np.asarray(classes), prepared.label[indices]).astype(np.int64)
    torch.manual_seed(seed)
    if uses_text(bcfg) and class_text is None:
        raise PipelineError(f"skeleton.backbone.objective = {bcfg.objective}: no class text vectors given")
    if not 0 < bcfg.crop <= 1:
        raise PipelineError(f"skeleton.backbone.crop = {bcfg.crop}: a fraction of the frames, in (0, 1]")
    text_model = _text_model(bcfg, class_text if uses_text(bcfg) else None)
    model = build_model(
        layout,
        len(classes),
        bcfg.preset,
        bcfg.embed_dim,
        bcfg.inputs,
        bcfg.dropout,
        **text_model,
        **_stream_model(bcfg),
    ).to(rt.device)
    if text_model:
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
