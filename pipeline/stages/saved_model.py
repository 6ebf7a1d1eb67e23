"""The model `zssar train` keeps of each seed for `zssar predict`: the selected model's tensors
(pipeline/zsl/export.py) with everything inference needs in its info (pipeline/artifacts/saved_models.py
gives the format)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.artifacts.feature_sets import FeatureSet
from pipeline.artifacts.kinds import BACKBONE, SKELETON_DATA, ZSL_MODEL
from pipeline.artifacts.saved_models import VERSION, model_ref, write_saved_model
from pipeline.catalog import Dataset, Split
from pipeline.store import Store, hash_spec
from pipeline.zsl.methods import METHODS, revision_key
from pipeline.zsl.presets import Hyper

if TYPE_CHECKING:
    from pipeline.stages.train import TextTable
    from pipeline.zsl.protocol import Branch, SeedOutcome


def save_trained_model(
    store: Store,
    dataset: Dataset,
    split: Split,
    hp: Hyper,
    fs: FeatureSet,
    text: TextTable,
    table: np.ndarray,
    outcome: SeedOutcome,
    result: dict[str, Any],
    result_file: Path,
) -> str | None:
    """Save one seed's trained model; returns its key, or None (with a note in `result["notes"]`) for a
    method that left no model to save."""
    import torch

    from pipeline.zsl.export import model_weights

    weights = model_weights(outcome, hp)
    if weights is None:
        result.setdefault("notes", []).append(
            f"method {hp.method}: no trained model to save; zssar predict cannot use this run"
        )
        return None
    weights["text"] = torch.as_tensor(np.asarray(table, dtype=np.float32))
    main = outcome.branch
    backbone = fs.meta.get("info", {}).get("backbones", {}).get("main")
    spec = {
        "version": VERSION,
        "dataset": dataset.name,
        "split": split.name,
        "feature_key": fs.key,
        "text_key": text.key,
        "backbone": backbone,
        "train": hp.to_dict(),
        "seed": result["seed"],
        "device": str(main.data.features.device),
    } | revision_key(hp.method)
    key = hash_spec(ZSL_MODEL, spec)
    info = {
        "dataset": dataset.name,
        "synthetic": dataset.synthetic,
        "labels": list(dataset.labels),
        "split": result["split"],
        "method": hp.method,
        "reads": METHODS[hp.method].inputs,
        "preset": hp.preset,
        "seed": result["seed"],
        "hyper": hp.to_dict(),
        "fields": list(hp.fields),
        "encoder": text.encoder,
        "text_key": text.key,
        "descriptions_sha256": text.descriptions_sha256,
        "feature_key": fs.key,
        **_backbone_info(store, backbone, main),
        "d_skeleton": int(main.data.features.shape[1]),
        "time_steps": int(main.data.inputs.shape[-1]) if main.data.inputs.dim() == 3 else None,
        "seen": [int(c) for c in sorted(split.seen)],
        "unseen": [int(c) for c in main.unseen_classes],
        "gate": outcome.gate.to_dict() if outcome.gate is not None else None,
        "selected_cycle": outcome.selected,
        "zsl_top1": result["zsl_top1"],
        "gzsl_h": result["gzsl"]["h"] if result["gzsl"] else None,
        "result_file": str(result_file),
        "saved_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds"),
        "config": result["config"],
    }
    write_saved_model(
        store, key, spec, info, weights, model_ref(dataset.name, split.slug, hp.method, hp.preset, result["seed"])
    )
    return key


def _backbone_info(store: Store, backbone: str | None, main: Branch) -> dict[str, Any]:
    """The backbone's key, seen classes, layout and the preprocessing of the data it learned from; None
    fields when the features did not come from a backbone in this store (an imported dump)."""
    if backbone is None or not store.has(BACKBONE, backbone):
        return {
            "backbone": None,
            "backbone_classes": [int(c) for c in main.seen_classes],
            "layout": None,
            "preprocess": None,
        }
    binfo = store.meta(BACKBONE, backbone)["info"]
    prepare = None
    if binfo.get("data") and store.has(SKELETON_DATA, binfo["data"]):
        prepare = store.meta(SKELETON_DATA, binfo["data"])["spec"].get("prepare")
    if prepare is None:
        prepare = {k: binfo["config"]["skeleton"]["prepare"][k] for k in ("frames", "max_bodies")}
    return {
        "backbone": backbone,
        "backbone_classes": [int(c) for c in binfo["classes"]],
        "layout": binfo["layout"],
        "preprocess": {"frames": int(prepare["frames"]), "max_bodies": int(prepare["max_bodies"])},
    }
