"""Saved models: what `zssar train` keeps in the store so `zssar predict` can label new clips.

One artifact of kind `zsl-model` per trained seed: `model.pt` holds the trained weights and the fused
text vectors f_t of every class of the dataset; the info records everything else inference needs: the
backbone checkpoint's key and seen classes, the skeleton layout, the preprocessing (frames, bodies), the
text encoder's name and fused fields, the resolved hyperparameters (to rebuild the model through
`presets.resolve` and `train.build_model`), the GZSL gate, the headline numbers and the resolved config.

What is saved per method:
- VAE methods (fsvae, cadavae, ...): the main model's state dict after the selected cycle, and the ZSL
  classifier over the split's unseen classes, refitted from the generator state that cycle's evaluation
  used, so it is exactly the classifier the result was scored with.
- ridge: no network; its projection at the selected penalty (standardisation and map), recomputed from
  the training features (a closed form, so identical to the evaluated one).

Scores are a linear layer over skeleton latents for both (`Scorer`): for a VAE the classifier, for ridge
the cosine with each class's normalised f_t divided by the baseline's temperature.

Refs: `models/<dataset>/<split>/<method>/<preset>/seed<seed>` names each model (so `cache gc` keeps it and
what it was made from), and `models/latest` the model most recently trained; `latest` resolves through
it, falling back to the newest artifact by creation time.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.catalog import Dataset, Split
from pipeline.config import Config
from pipeline.console import warn
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.store import Store, hash_spec

KIND = "zsl-model"
MODEL_FILE = "model.pt"
LATEST_REF = "models/latest"
VERSION = 1
DATA_KIND = "skeleton-data"


def model_ref(dataset: str, split_slug: str, method: str, preset: str, seed: int) -> str:
    return f"models/{dataset}/{split_slug}/{method}/{preset}/seed{seed}"


@dataclass
class Scorer:
    """Class probabilities from skeleton latents: softmax(latents @ weight.T + bias), one row per class."""

    weight: np.ndarray  # (C, d)
    bias: np.ndarray    # (C,)

    def probs(self, latents: np.ndarray) -> np.ndarray:
        z = latents @ self.weight.T + self.bias
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


# --- saving ---------------------------------------------------------------------------------------------

def save_trained_model(store: Store, dataset: Dataset, split: Split, hp: Any, fs: Any, text: Any, table: np.ndarray,
                       outcome: Any, result: dict[str, Any], result_file: Path) -> str | None:
    """Save one seed's trained model (see the module docstring); returns its key, or None (with a note in
    `result["notes"]`) for a method that left no model to save."""
    import torch

    if hp.method == "ridge":
        weights = _ridge_weights(outcome)
    elif outcome.model is not None:
        weights = _vae_weights(outcome, hp)
    else:
        result.setdefault("notes", []).append(f"method {hp.method}: no trained model to save; zssar predict "
                                              f"cannot use this run")
        return None
    weights["text"] = torch.as_tensor(np.asarray(table, dtype=np.float32))
    main = outcome.branch
    backbone = fs.meta.get("info", {}).get("backbones", {}).get("main")
    spec = {"version": VERSION, "dataset": dataset.name, "split": split.name, "feature_key": fs.key,
            "text_key": text.key, "backbone": backbone, "train": hp.to_dict(), "seed": result["seed"],
            "device": str(main.data.features.device)}
    key = hash_spec(KIND, spec)
    info = {
        "dataset": dataset.name, "synthetic": dataset.synthetic, "labels": list(dataset.labels),
        "split": result["split"], "method": hp.method, "preset": hp.preset, "seed": result["seed"],
        "hyper": hp.to_dict(), "fields": list(hp.fields), "encoder": text.encoder, "text_key": text.key,
        "descriptions_sha256": text.descriptions_sha256, "feature_key": fs.key,
        **_backbone_info(store, backbone, main),
        "d_skeleton": int(main.data.features.shape[1]),
        "time_steps": int(main.data.inputs.shape[-1]) if main.data.inputs.dim() == 3 else None,
        "seen": [int(c) for c in sorted(split.seen)], "unseen": [int(c) for c in main.unseen_classes],
        "gate": _gate_dict(outcome.gate),
        "selected_cycle": outcome.selected, "zsl_top1": result["zsl_top1"],
        "gzsl_h": result["gzsl"]["h"] if result["gzsl"] else None, "result_file": str(result_file),
        "saved_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds"),
        "config": result["config"],
    }
    if not store.has(KIND, key):  # the same spec trains the same weights: an identical re-run saves nothing new
        with store.writer(KIND, key, spec, info) as tmp:
            torch.save(weights, tmp / MODEL_FILE)
    store.set_ref(model_ref(dataset.name, split.slug, hp.method, hp.preset, result["seed"]), KIND, key)
    store.set_ref(LATEST_REF, KIND, key)
    return key


def _vae_weights(outcome: Any, hp: Any) -> dict[str, Any]:
    """The selected model's state, and its unseen-class classifier refitted from the recorded generator."""
    import torch

    from pipeline.fsvae.classifier import fit_zsl_classifier
    from pipeline.fsvae.train import build_model

    main = outcome.branch
    model = build_model(main.data, hp, 0)
    model.load_state_dict(outcome.model.state)
    model.eval()
    gen = torch.Generator(device=main.data.features.device)
    gen.set_state(outcome.model.classifier_rng)
    cls = fit_zsl_classifier(model, main.unseen_text, main.unseen_classes, hp.classifier_samples,
                             hp.classifier_epochs, hp.classifier_lr, gen)
    return {"vae": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "classifier": {"weight": cls.linear.weight.detach().cpu(), "bias": cls.linear.bias.detach().cpu()}}


def _ridge_weights(outcome: Any) -> dict[str, Any]:
    from pipeline.fsvae.ridge import fit_ridge

    data = outcome.branch.data
    mean, std, maps = fit_ridge(data.features, data.text[data.rows])
    return {"ridge": {"mean": mean.cpu(), "std": std.cpu(), "map": maps[outcome.selected].cpu()}}


def _backbone_info(store: Store, backbone: str | None, main: Any) -> dict[str, Any]:
    """The backbone's key, seen classes, layout and the preprocessing of the data it learned from; None
    fields when the features did not come from a backbone in this store (an imported dump)."""
    if backbone is None or not store.has("backbone", backbone):
        return {"backbone": None, "backbone_classes": [int(c) for c in main.seen_classes], "layout": None,
                "preprocess": None}
    binfo = store.meta("backbone", backbone)["info"]
    prepare = None
    if binfo.get("data") and store.has(DATA_KIND, binfo["data"]):
        prepare = store.meta(DATA_KIND, binfo["data"])["spec"].get("prepare")
    if prepare is None:
        prepare = {k: binfo["config"]["skeleton"]["prepare"][k] for k in ("frames", "max_bodies")}
    return {"backbone": backbone, "backbone_classes": [int(c) for c in binfo["classes"]], "layout": binfo["layout"],
            "preprocess": {"frames": int(prepare["frames"]), "max_bodies": int(prepare["max_bodies"])}}


def _gate_dict(gate: Any) -> dict[str, Any] | None:
    if gate is None:
        return None
    return {"coef": np.asarray(gate.model.coef_, dtype=float).ravel().tolist(),
            "intercept": float(np.asarray(gate.model.intercept_).ravel()[0]), "temperature": gate.temperature,
            "threshold": gate.threshold, "k": gate.k, "held_out_h": gate.held_out_h,
            "fit_classes": list(gate.fit_classes)}


# --- loading --------------------------------------------------------------------------------------------

class _Logistic:
    """The gate's logistic regression from its saved coefficients (label 1 = unseen), without sklearn."""

    def __init__(self, coef: list[float], intercept: float) -> None:
        self.coef, self.intercept = np.asarray(coef, dtype=np.float64), float(intercept)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))
        return np.stack([1 - p, p], axis=1)


@dataclass
class SavedModel:
    """A saved model in memory: the skeleton side as a latent map, the class side as text vectors."""

    key: str
    info: dict[str, Any]
    text: np.ndarray            # fused f_t of every class of the training dataset
    unseen_scorer: Scorer       # the split's unseen classes, as evaluated
    gate: Any                   # a fsvae.gate.Gate, or None without a validation carve
    vae: Any = None             # torch module (VAE methods)
    hyper: Any = None           # its Hyper
    ridge: dict[str, Any] | None = None

    @property
    def labels(self) -> list[str]:
        return list(self.info["labels"])

    def describe(self) -> str:
        i = self.info
        return f"{i['method']} ({i['preset']}) {i['dataset']} {i['split']['name']} seed {i['seed']}, key {self.key}"

    def latents(self, inputs: Any) -> np.ndarray:
        """Skeleton latents of encoder inputs (a float tensor: pooled (N, D) or temporal (N, D, T'))."""
        import torch

        with torch.inference_mode():
            if self.vae is not None:
                return self.vae.skeleton_encoder(inputs)[0].numpy()
            r = self.ridge
            return torch.nn.functional.normalize(((inputs - r["mean"]) / r["std"]) @ r["map"], dim=1).numpy()

    def fit_scorer(self, text: np.ndarray, seed: int) -> Scorer:
        """A scorer over new classes from their fused f_t: the ZSL classifier trained on text latents with
        the model's classifier settings (VAE), or the ridge baseline's cosine scores (no training)."""
        import torch

        if self.vae is None:
            return _ridge_scorer(text)
        from pipeline.fsvae.classifier import fit_zsl_classifier

        hp = self.hyper
        gen = torch.Generator().manual_seed(seed)
        cls = fit_zsl_classifier(self.vae, torch.as_tensor(text, dtype=torch.float32), np.arange(len(text)),
                                 hp.classifier_samples, hp.classifier_epochs, hp.classifier_lr, gen)
        return Scorer(cls.linear.weight.detach().numpy().copy(), cls.linear.bias.detach().numpy().copy())


def _ridge_scorer(text: np.ndarray) -> Scorer:
    from pipeline.fsvae.ridge import TEMPERATURE

    t = np.asarray(text, dtype=np.float32)
    t = t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
    return Scorer(t / TEMPERATURE, np.zeros(len(t), np.float32))


def resolve_model_key(store: Store, name: str) -> str:
    """A model key, a unique prefix of one, a ref name (`models/<dataset>/...`), or `latest`."""
    if name == "latest":
        ref = store.get_ref(LATEST_REF)
        if ref is not None and ref[0] == KIND:
            return ref[1]
        entries = _entries(store)
        if not entries:
            raise MissingArtifactError(f"{store.root}: no saved models; train one with `zssar train` (make train)")
        return entries[0]["key"]
    if store.has(KIND, name):
        return name
    ref = store.get_ref(name)
    if ref is not None and ref[0] == KIND:
        return ref[1]
    matches = [m["key"] for m in _entries(store) if m["key"].startswith(name)] if len(name) >= 4 else []
    if len(matches) == 1:
        return matches[0]
    what = ("matches several models" if matches else "is too short a key prefix (4 characters at least)"
            if len(name) < 4 else "is no saved model")
    raise MissingArtifactError(f"{store.path(KIND, name)}: {name!r} {what} (a key, a unique key prefix, a ref "
                               f"like models/<dataset>/<split>/<method>/<preset>/seed<n>, or latest); list them "
                               f"with `zssar models ls`")


def load_model(store: Store, name: str) -> SavedModel:
    """A saved model, ready for inference on the CPU."""
    import torch

    key = resolve_model_key(store, name)
    info = store.meta(KIND, key)["info"]
    path = store.file(KIND, key, MODEL_FILE)
    try:
        weights = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError) as exc:
        raise PipelineError(f"{path}: cannot load the saved model: {exc}") from None
    text = weights["text"].numpy()
    gate = _gate(info["gate"])
    unseen_text = text[info["unseen"]]
    if "ridge" in weights:
        return SavedModel(key, info, text, _ridge_scorer(unseen_text), gate, ridge=weights["ridge"])
    hp, vae = _rebuild(info, weights["vae"], text, path)
    cls = weights["classifier"]
    return SavedModel(key, info, text, Scorer(cls["weight"].numpy(), cls["bias"].numpy()), gate, vae=vae, hyper=hp)


def _rebuild(info: dict[str, Any], state: dict[str, Any], text: np.ndarray, path: Path) -> tuple[Any, Any]:
    """The model through presets.resolve (every saved value set, so the preset only supplies the schedule)
    and train.build_model, with the saved weights."""
    import torch

    from pipeline.fsvae.presets import resolve
    from pipeline.fsvae.settings import TrainConfig
    from pipeline.fsvae.train import TrainData, build_model

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    train = TrainConfig(**{k: v for k, v in info["hyper"].items() if k in names})
    hp = resolve(train, Dataset(name=info["dataset"], labels=tuple(info["labels"])))
    d, t = info["d_skeleton"], info["time_steps"]
    features = torch.zeros(1, d)
    seen = sorted(int(c) for c in info["seen"])
    data = TrainData(inputs=torch.zeros(1, d, t) if t else features, features=features,
                     rows=torch.zeros(1, dtype=torch.long), text=torch.as_tensor(text[seen]), classes=tuple(seen))
    model = build_model(data, hp, 0)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise PipelineError(f"{path}: the saved weights do not fit the {info['method']} model this code builds "
                            f"({str(exc)[:300]}); retrain with `zssar train`") from None
    return hp, model.eval()


def _gate(saved: dict[str, Any] | None) -> Any:
    if saved is None:
        return None
    from pipeline.fsvae.gate import Gate

    return Gate(_Logistic(saved["coef"], saved["intercept"]), saved["temperature"], saved["threshold"], saved["k"],
                saved["held_out_h"], tuple(saved["fit_classes"]))


# --- listing --------------------------------------------------------------------------------------------

def _entries(store: Store) -> list[dict[str, Any]]:
    """Saved models' metadata, newest first (to the microsecond)."""
    return sorted(store.entries(KIND), key=lambda m: m.get("info", {}).get("saved_at") or m.get("created", ""),
                  reverse=True)


def list_models(cfg: Config) -> list[dict[str, Any]]:
    """Print the saved models as a table (newest first); return one row per model."""
    from rich.console import Console
    from rich.table import Table

    store = Store(cfg.store)
    latest = store.get_ref(LATEST_REF)
    rows = []
    for m in _entries(store):
        i = m.get("info", {})
        rows.append({"dataset": i.get("dataset"), "split": (i.get("split") or {}).get("name"),
                     "method": i.get("method"), "preset": i.get("preset"), "seed": i.get("seed"),
                     "zsl_top1": i.get("zsl_top1"), "gzsl_h": i.get("gzsl_h"), "created": m.get("created"),
                     "key": m["key"], "backbone": i.get("backbone"), "latest": latest == (KIND, m["key"])})
    notes = ["* = latest (what --model latest picks)"]
    if without := [r["key"][:8] for r in rows if not r["backbone"]]:
        notes.append(f"no backbone in this store (imported features), so no clips can be labelled: "
                     f"{', '.join(without)}")
    table = Table(title=f"{store.root}: {len(rows)} saved models", caption="; ".join(notes) if rows else None)
    for column in ("dataset", "split", "method", "preset", "seed", "ZSL", "H", "date"):
        table.add_column(column, justify="right" if column in ("seed", "ZSL", "H") else "left")
    table.add_column("key", no_wrap=True)  # whole, so it can be copied
    for r in rows:
        table.add_row(str(r["dataset"]), str(r["split"]), str(r["method"]), str(r["preset"]), str(r["seed"]),
                      _number(r["zsl_top1"]), _number(r["gzsl_h"]), str(r["created"] or "")[:16].replace("T", " "),
                      r["key"] + (" *" if r["latest"] else ""))
    console = Console(soft_wrap=True)
    if not console.is_terminal:  # a pipe or file has no width to respect: keep rows on one line
        console = Console(soft_wrap=True, width=200)
    console.print(table)
    if not rows:
        warn(f"{store.root}: no saved models; `zssar train` saves one per seed")
    return rows


def _number(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f}"
