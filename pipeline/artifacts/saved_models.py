"""The `zsl-model` artifact (a trained seed, for `zssar predict`) and `zsl-classifier` (its scorer over a
new class list).

`zsl-model`: `model.pt` is a torch dict of tensors: `text` (the fused f_t of every class of the dataset)
and either `members`, a list of the seed's VAE models (one, or one per cycle when its cycles were
averaged), each a dict of `vae` (the state dict) and `classifier` (`weight`, `bias` of the ZSL classifier
over the split's unseen classes; models saved before ensembles hold these two at the top level),
`ridge` (`mean`, `std`, `map`), `fusion` (every stream's `mean`, `std` and `map` stacked, the text
`center`, the number of text `fields` and, for `bodyparts`, the (map, field) `pairs` it counts) or
`direct` (`center`, the mean seen-class text the class texts
are centred on; its latents are the backbone's projection), and `gate_ridge` (`mean`, `std`, `map`, and the
whole-body fields' `text` table where the model's own adds body-part fields) when its GZSL gate reads a
ridge map's probabilities (the gate's `reads`). The info records everything
inference needs: the backbone's key and seen classes, the skeleton layout, the preprocessing (frames,
bodies), the text encoder and fused fields, the resolved hyperparameters, the GZSL gate, the headline
numbers and the resolved config.

`zsl-classifier`: `scorer.npz` holds `weight` (C, d) and `bias` (C,) of a linear scorer over latents, or
(M, C, d) and (M, C) for a model of M members.

Refs: `models/<dataset>/<split>/<method>/<preset>/seed<seed>` names each model (so `cache gc` keeps it and
what it was made from), and `models/latest` the model most recently trained; `latest` resolves through
it, falling back to the newest artifact by creation time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pipeline.artifacts.kinds import ZSL_CLASSIFIER
from pipeline.artifacts.kinds import ZSL_MODEL as KIND
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.store import Store

MODEL_FILE = "model.pt"
SCORER_FILE = "scorer.npz"
LATEST_REF = "models/latest"
VERSION = 1


def model_ref(dataset: str, split_slug: str, method: str, preset: str, seed: int) -> str:
    return f"models/{dataset}/{split_slug}/{method}/{preset}/seed{seed}"


def write_saved_model(
    store: Store, key: str, spec: dict[str, Any], info: dict[str, Any], weights: dict[str, Any], ref: str
) -> None:
    """Seal the model (unless the same spec is stored already and reports what this run does: it trained
    the same weights) and point its ref and `latest` at it. A stored model of the same spec whose figures or
    gate differ (the code that trained it changed) is replaced, so the model and its result never disagree."""
    import torch

    if not store.has(KIND, key) or _reports(store.meta(KIND, key).get("info", {})) != _reports(info):
        with store.writer(KIND, key, spec, info) as tmp:
            torch.save(weights, tmp / MODEL_FILE)
    store.set_ref(ref, KIND, key)
    store.set_ref(LATEST_REF, KIND, key)


def _reports(info: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(info.get(k) for k in ("zsl_top1", "gzsl_h", "selected_cycle", "gate"))


def read_saved_model(store: Store, key: str) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """(info, weights, path of model.pt) of a stored model."""
    import torch

    info = store.meta(KIND, key)["info"]
    path = store.file(KIND, key, MODEL_FILE)
    try:
        weights = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError) as exc:
        raise PipelineError(f"{path}: cannot load the saved model: {exc}") from None
    return info, weights, path


def model_entries(store: Store) -> list[dict[str, Any]]:
    """Saved models' metadata, newest first (to the microsecond)."""
    return sorted(
        store.entries(KIND), key=lambda m: m.get("info", {}).get("saved_at") or m.get("created", ""), reverse=True
    )


def latest_model(store: Store) -> tuple[str, str] | None:
    return store.get_ref(LATEST_REF)


def resolve_model_key(store: Store, name: str) -> str:
    """A model key, a unique prefix of one, a ref name (`models/<dataset>/...`), or `latest`."""
    if name == "latest":
        ref = store.get_ref(LATEST_REF)
        if ref is not None and ref[0] == KIND:
            return ref[1]
        entries = model_entries(store)
        if not entries:
            raise MissingArtifactError(f"{store.root}: no saved models; train one with `zssar train` (make train)")
        return entries[0]["key"]
    if store.has(KIND, name):
        return name
    ref = store.get_ref(name)
    if ref is not None and ref[0] == KIND:
        return ref[1]
    matches = [m["key"] for m in model_entries(store) if m["key"].startswith(name)] if len(name) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    what = (
        "matches several models"
        if matches
        else "is too short a key prefix (4 characters at least)"
        if len(name) < 4
        else "is no saved model"
    )
    raise MissingArtifactError(
        f"{store.path(KIND, name)}: {name!r} {what} (a key, a unique key prefix, a ref "
        f"like models/<dataset>/<split>/<method>/<preset>/seed<n>, or latest); list them "
        f"with `zssar models ls`"
    )


def write_scorer(
    store: Store, key: str, spec: dict[str, Any], info: dict[str, Any], weight: np.ndarray, bias: np.ndarray
) -> None:
    with store.writer(ZSL_CLASSIFIER, key, spec, info) as tmp:
        with open(tmp / SCORER_FILE, "wb") as fh:
            np.savez(fh, weight=weight, bias=bias)


def read_scorer(store: Store, key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(weight, bias) of a cached scorer, or None when there is none."""
    if not store.has(ZSL_CLASSIFIER, key):
        return None
    with np.load(store.file(ZSL_CLASSIFIER, key, SCORER_FILE)) as z:
        return z["weight"], z["bias"]
