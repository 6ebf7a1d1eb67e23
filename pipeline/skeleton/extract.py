"""`zssar skeleton extract`: the split's backbones turn every clip of every part into features.

The parts, and the backbone, classes and subjects of each, are listed in keys.py. Rows carry the
pooled feature, the backbone's logits over its own seen classes (`Part.seen_classes` gives their order),
with `temporal_features` the time-resolved (T', D) features, and for a backbone with a text objective the
projection into the text space (L2-normalised).
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np
import torch

from pipeline.artifacts.feature_sets import Part, write_part
from pipeline.artifacts.kinds import BACKBONE
from pipeline.artifacts.kinds import SKELETON_FEATURES as KIND
from pipeline.catalog import Split
from pipeline.config import Config
from pipeline.console import summary, track, warn
from pipeline.errors import PipelineError
from pipeline.hardware import torch_threads
from pipeline.skeleton.clips import Prepared
from pipeline.skeleton.device import Runtime, runtime
from pipeline.skeleton.fit import backbone_threads, load_backbone
from pipeline.skeleton.keys import features_spec, roles, seen_subjects
from pipeline.skeleton.loader import make_loader
from pipeline.store import Store


def extract_prepared(
    prepared: Prepared, data_key: str, split: Split, cfg: Config, backbones: dict[str, str], ref: str | None = None
) -> str:
    """Write the split's feature set from already prepared clips and fitted backbones (role -> key);
    `ref` names the result."""
    store = Store(cfg.store)
    bcfg = cfg.skeleton.backbone
    spec, key = features_spec(data_key, split, cfg, backbones)
    if store.has(KIND, key):  # sealed meanwhile (another process): nothing to compute, no runtime needed
        return key
    with runtime(cfg.device, bcfg.amp) as rt, torch_threads(backbone_threads(cfg, rt)):
        if rt.main:
            _extract(prepared, data_key, split, cfg, backbones, spec, key, store, rt)
            if ref:
                store.set_ref(ref, KIND, key)
        rt.barrier()
    return key


def _extract(
    prepared: Prepared,
    data_key: str,
    split: Split,
    cfg: Config,
    backbones: dict[str, str],
    spec: dict[str, Any],
    key: str,
    store: Store,
    rt: Runtime,
) -> None:
    started = time.perf_counter()
    parts = spec["parts"]
    bcfg = cfg.skeleton.backbone
    models = {}
    for role, (classes, _) in roles(split).items():
        model, binfo = load_backbone(store, backbones[role], rt.device)
        _check_backbone(
            binfo, role, classes, prepared, data_key, store.path(BACKBONE, backbones[role]), seen_subjects(cfg)
        )
        models[role] = (model, tuple(binfo["classes"]))
    selected = {name: prepared.select(p["classes"], p["subjects"]) for name, p in parts.items()}
    for name in ("train", "val_train"):
        if len(selected[name]) == 0:
            raise PipelineError(
                f"part {name}: no clips of classes {parts[name]['classes']} from the training "
                f"subjects {list(prepared.train_subjects)}"
            )
    counts = {name: int(len(idx)) for name, idx in selected.items()}
    streams = (len(bcfg.inputs) if bcfg.multistream else 1) * bcfg.replicas
    info_ = {
        "split": split.to_dict(),
        "backbones": backbones,
        "data": data_key,
        "layout": prepared.layout,
        "embed_dim": bcfg.embed_dim * streams,
        "streams": streams,
        "counts": counts,
        "device": str(rt.device),
        "config": cfg.to_dict(),
    }
    with store.writer(KIND, key, spec, info_) as tmp:
        for name, p in parts.items():
            model, seen = models[p["backbone"]]
            indices = selected[name]
            if len(indices) == 0 and p["subjects"] != "none":
                warn(f"part {name}: no clips of its classes from the {p['subjects']} subjects; writing it empty")
            out = run_backbone(
                model,
                prepared.x,
                indices,
                rt,
                bcfg.eval_batch_size,
                bcfg.temporal_features,
                f"extract {name}",
                bcfg.num_workers,
            )
            write_part(
                tmp,
                name,
                Part(
                    sample_id=prepared.sample_id[indices],
                    class_idx=prepared.label[indices],
                    feature=out.feature,
                    logits=out.logits,
                    temporal=out.temporal,
                    seen_classes=seen,
                    projection=out.projection,
                ),
                info={"backbone": backbones[p["backbone"]], "split": split.name},
            )
    summary(
        f"skeleton features {split.name}: "
        + ", ".join(f"{n} {c}" for n, c in counts.items())
        + f"; {time.perf_counter() - started:.1f} s, key {key}"
    )


def _check_backbone(
    binfo: dict[str, Any],
    role: str,
    classes: tuple[int, ...],
    prepared: Prepared,
    data_key: str,
    where: Any,
    subjects: str,
) -> None:
    """The checkpoint must have learned exactly the classes and subjects the split says, on this data."""
    problems = []
    if tuple(binfo.get("classes", ())) != tuple(classes):
        problems.append(f"classes {binfo.get('classes')} != the split's {list(classes)}")
    learned = binfo.get("subjects", ())
    if subjects == "all" and learned != "all":
        problems.append(f"subjects {learned} != every subject (skeleton.seen_train = all)")
    if subjects == "train" and (
        learned == "all" or [int(s) for s in learned] != [int(s) for s in prepared.train_subjects]
    ):
        problems.append(f"subjects {learned} != training subjects {list(prepared.train_subjects)}")
    if binfo.get("data") != data_key:
        problems.append(f"data {binfo.get('data')} != {data_key}")
    if problems:
        raise PipelineError(f"{where}: the {role} backbone does not match the split: {'; '.join(problems)}")


class Extracted(NamedTuple):
    """A backbone's outputs for a set of clips, float32 numpy."""

    feature: np.ndarray  # (N, D)
    logits: np.ndarray  # (N, classes)
    temporal: np.ndarray | None  # (N, T', D), when asked for
    projection: np.ndarray | None  # (N, d_text), for a backbone with a text objective
    joints: np.ndarray | None = None  # (N, C, V) the last block's channels per joint, when asked for


def run_backbone(
    model: torch.nn.Module,
    x: np.ndarray,
    indices: np.ndarray,
    rt: Runtime,
    batch_size: int,
    temporal: bool,
    description: str = "extract",
    num_workers: int = 0,
    joints: bool = False,
) -> Extracted:
    """Pooled features, logits, maybe temporal features and the text projection of clips `x[indices]`.

    Eval mode, no augmentation, batched, autocast on CUDA.
    """
    model.eval()
    if len(indices) == 0:  # one blank clip gives the shapes of an empty part
        blank = np.zeros((1, *x.shape[1:]), np.float32)
        one = run_backbone(model, blank, np.arange(1), rt, 1, temporal, description, joints=joints)
        return Extracted(*(None if a is None else a[:0] for a in one))
    loader, _ = make_loader(x, indices, None, batch_size, rt, num_workers, shuffle=False, seed=0)
    # Each batch is written at its positions into arrays allocated once: concatenating a list of batches
    # would hold the largest output (the temporal features) twice.
    out: dict[str, np.ndarray] = {}
    with torch.inference_mode():
        for xb, positions in track(loader, description, total=len(loader)):
            with rt.autocast():
                result = model(xb.to(rt.device, non_blocking=True), temporal=temporal, joints=joints)
            batch = {name: getattr(result, name) for name in Extracted._fields}
            for name, b in batch.items():
                if b is None:
                    continue
                if name not in out:
                    out[name] = np.empty((len(indices), *b.shape[1:]), np.float32)
                out[name][positions.numpy()] = b.float().cpu().numpy()
    return Extracted(**{name: out.get(name) for name in Extracted._fields})
