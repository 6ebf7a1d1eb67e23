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
The training loop itself is training.py.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import numpy as np
import torch

from pipeline.artifacts.backbones import backbone_file, read_backbone, write_backbone
from pipeline.artifacts.kinds import BACKBONE
from pipeline.catalog import Split
from pipeline.config import Config
from pipeline.console import summary, warn
from pipeline.errors import PipelineError
from pipeline.hardware import torch_threads
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
from pipeline.skeleton.model import STGCN, StreamEnsemble, build_model, join_replicas
from pipeline.skeleton.training import stream_model, text_model, train_backbone
from pipeline.store import Store


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
    replicas = stream_model(bcfg).get("replicas")
    subjects = seen_subjects(cfg)
    spec = backbone_spec(data_key, classes, split.name, bcfg, cfg.seed, text.key if text else None, subjects)
    if store.has(BACKBONE, key):
        if rt.main:
            summary(f"backbone {role}: cached, {len(classes)} classes, key {key}")
        return key
    if replicas:
        return _fit_replicas(job, role, key, cfg, spec)
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
                **text_model(bcfg, targets),
                **stream_model(bcfg),
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


def replica_seed(seed: int, replica: int) -> int:
    """Replica 0 is the plain backbone; the others are far from the seeds a user or `zssar evaluate`
    (`--backbone-seeds`, 1000 apart) would give, so no two runs share a replica by accident."""
    return seed + 100_003 * replica


def _fit_replicas(
    job: _Job,
    role: str,
    key: str,
    cfg: Config,
    spec: dict[str, Any],
) -> str:
    """`skeleton.backbone.replicas`: each replica is the plain backbone of its own seed, fitted (or read
    back) as an artifact of its own, so a larger ensemble reuses a smaller one's replicas; the ensemble is
    their networks joined, replica by replica."""
    data_key, split, store, rt, text = job.data_key, job.split, job.store, job.rt, job.text
    bcfg = cfg.skeleton.backbone
    members = []
    for r in range(bcfg.replicas):
        one = copy.deepcopy(cfg)
        one.seed, one.skeleton.backbone.replicas = replica_seed(cfg.seed, r), 1
        member = backbone_keys(data_key, split, one, text.key if text else None)[role]
        members.append(_fit_one(job, role, member, cfg=one))
    if rt.main:
        models, infos = zip(*(load_backbone(store, m) for m in members), strict=True)
        info_ = {
            **infos[0],
            "train_acc": float(np.mean([i["train_acc"] for i in infos])),
            "seconds": round(sum(i["seconds"] for i in infos), 2),
            "model": {**infos[0]["model"], **stream_model(bcfg)},
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
