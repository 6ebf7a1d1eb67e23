"""A saved model (pipeline/artifacts/saved_models.py) back in memory, ready to score new clips.

The skeleton side is a latent map (the VAE's skeleton encoder, ridge's projection, `fusion`'s maps, one
per stream and text field, or for `direct` the backbone's own text projection, unchanged) and the class
side a linear `Scorer` over those latents: for a VAE the ZSL classifier (for a seed that averaged its
cycles, one encoder and classifier per cycle, their logits averaged), or with `train.scorer = text` each
member's latent decoded into the text space and its cosine with each class's centred text; for ridge the
cosine with each class's normalised f_t over the baseline's temperature, for `fusion` each map's cosine
with its centred field text (the maps' logits averaged), for `direct` the cosine with each class's f_t
centred on the mean seen-class text. A new class list gets a scorer fitted the same way.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from pipeline.artifacts.kinds import ZSL_MODEL
from pipeline.artifacts.saved_models import LATEST_REF, read_saved_model, resolve_model_key
from pipeline.bodyparts import BODY_PARTS
from pipeline.catalog import Dataset
from pipeline.errors import PipelineError
from pipeline.store import Store
from pipeline.store.sync import pull_if_configured, pull_ref_if_configured
from pipeline.zsl.gate import Gate, softmax

if TYPE_CHECKING:
    import torch

    from pipeline.zsl.fusion import FusionMaps
    from pipeline.zsl.model import FSVAE
    from pipeline.zsl.presets import Hyper


class BackboneOutputs(Protocol):
    """What a backbone gives per clip: a feature-set part, or the backbone run on new clips."""

    feature: np.ndarray  # pooled (N, D)
    temporal: Any  # (N, T', D) or None
    projection: Any  # (N, d_text) or None
    descriptor: Any  # (N, D') the hand-crafted motion descriptor, or None where no model reads it
    bodyparts: Any  # (N, D'') the backbone's channels per body part, or None where no model reads them


@dataclass
class Scorer:
    """Class probabilities from skeleton latents: softmax(latents @ weight.T + bias), one row per class;
    for M members (latents (N, M, d), weight (M, C, d), bias (M, C)) the members' logits averaged, which
    is the softmax of their mean log-probabilities, as the seed was scored (cycles.ensemble)."""

    weight: np.ndarray  # (C, d), or (M, C, d)
    bias: np.ndarray  # (C,), or (M, C)
    relu: bool = False  # logits ReLU(W z + b), as the released classifier of the model's preset computes them

    def probs(self, latents: np.ndarray) -> np.ndarray:
        z = latents if latents.ndim == 3 else latents[:, None]
        w = self.weight if self.weight.ndim == 3 else self.weight[None]
        b = self.bias if self.bias.ndim == 2 else self.bias[None]
        logits = np.einsum("nmd,mcd->nmc", z, w) + b
        return softmax((np.maximum(logits, 0.0) if self.relu else logits).mean(axis=1), 1.0)


@dataclass
class SavedModel:
    """A saved model in memory: the skeleton side as a latent map, the class side as text vectors."""

    key: str
    info: dict[str, Any]
    text: np.ndarray  # fused f_t of every class of the training dataset
    unseen_scorer: Scorer  # the split's unseen classes, as evaluated
    gate: Gate | None  # None without a validation carve
    vaes: list[FSVAE] | None = None  # VAE methods: the seed's models (one, or one per averaged cycle)
    hyper: Hyper | None = None
    ridge: dict[str, torch.Tensor] | None = None
    direct: dict[str, torch.Tensor] | None = None  # `center`: the mean seen-class text
    fusion: dict[str, torch.Tensor] | None = None  # every stream's mean, std and map; center; fields
    gate_ridge: dict[str, torch.Tensor] | None = None  # the ridge map a gate that reads ridge reads

    def gate_reader(self) -> SavedModel | None:
        """The ridge map the gate reads as a model of its own (its latents from the pooled features, its
        scorer ridge's), when the gate reads ridge (train.gate_input); None when it reads this model."""
        if self.gate is None or self.gate.reads != "ridge":
            return None
        if self.gate_ridge is None:
            raise PipelineError(f"model {self.key}: its GZSL gate reads a ridge map the model does not hold")
        # the whole-body fields' table the map reads, saved beside it where the model's own adds body parts
        text = self.gate_ridge["text"].numpy() if "text" in self.gate_ridge else self.text
        fields = [f for f in self.info["fields"] if f not in BODY_PARTS]
        return SavedModel(
            f"{self.key}-gate-ridge",
            {**self.info, "time_steps": None, "reads": "feature", "fields": fields},  # ridge on pooled features
            text,
            _ridge_scorer(text[self.info["unseen"]]),
            None,
            ridge=self.gate_ridge,
        )

    @property
    def uses_projection(self) -> bool:
        """Whether its latents come from the backbone's text projection rather than its features."""
        return self.direct is not None

    @property
    def reads(self) -> str:
        """What of a clip its latents come from: `feature` (pooled or time-resolved), `projection`,
        `descriptor` (the hand-crafted motion descriptor) or `bodyparts` (the backbone's channels per part)."""
        return str(self.info.get("reads", "feature"))

    @property
    def labels(self) -> list[str]:
        return list(self.info["labels"])

    def describe(self) -> str:
        i = self.info
        return (
            f"{i['method']} ({i['preset']}) {i['dataset']} {i['split']['name']} seed {i['seed']}, key {self.key}"
        )

    def inputs(self, out: BackboneOutputs) -> torch.Tensor:
        """The backbone output this model reads, as its training read it: the text projection (`direct`),
        the time-resolved features (temporal frequency mode), or the pooled features."""
        import torch

        if self.uses_projection:
            x = out.projection
        elif self.reads in ("descriptor", "bodyparts"):
            x = getattr(out, self.reads)
        elif self.info["time_steps"] is not None:
            x = np.ascontiguousarray(out.temporal.transpose(0, 2, 1))
        else:
            x = out.feature
        return torch.as_tensor(x, dtype=torch.float32)

    def latents(self, inputs: torch.Tensor) -> np.ndarray:
        """Skeleton latents of encoder inputs (a float tensor: pooled (N, D), temporal (N, D, T') or the
        backbone's projection (N, d_text))."""
        import torch

        with torch.inference_mode():
            if self.direct is not None:
                return torch.nn.functional.normalize(inputs, dim=1).numpy()
            if self.vaes is not None and self.hyper is not None and self.hyper.scorer == "text":
                from pipeline.zsl.classifier import decoded_text

                return torch.stack(
                    [decoded_text(vae, vae.skeleton_encoder(inputs)[0]) for vae in self.vaes], dim=1
                ).numpy()
            if self.vaes is not None:
                return torch.stack([vae.skeleton_encoder(inputs)[0] for vae in self.vaes], dim=1).numpy()
            if self.fusion is not None:
                from pipeline.zsl.fusion import member_latents

                return member_latents(inputs, _fusion_maps(self.fusion), 0).numpy()
            from pipeline.zsl.ridge import project

            r = self.ridge
            return project(inputs, r["mean"], r["std"], r["map"]).numpy()

    def fit_scorer(self, text: np.ndarray, seed: int) -> Scorer:
        """A scorer over new classes from their fused f_t: the ZSL classifier trained on text latents with
        the model's classifier settings (VAE), or the cosine scores of ridge and direct (no training)."""
        import torch

        if self.direct is not None:
            return _direct_scorer(text, self.direct["center"].numpy())
        if self.fusion is not None:
            return _fusion_scorer(text, self.fusion)
        if self.vaes is None or self.hyper is None:
            return _ridge_scorer(text)
        if self.hyper.scorer == "text":
            return _text_scorer(text, self.vaes)
        from pipeline.zsl.classifier import fit_zsl_classifier

        hp = self.hyper
        gen = torch.Generator().manual_seed(seed)
        fitted = [
            fit_zsl_classifier(
                vae,
                torch.as_tensor(text, dtype=torch.float32),
                np.arange(len(text)),
                hp.classifier_samples,
                hp.classifier_epochs,
                hp.classifier_lr,
                gen,
            ).linear
            for vae in self.vaes
        ]
        return Scorer(
            np.stack([c.weight.detach().numpy() for c in fitted]),
            np.stack([c.bias.detach().numpy() for c in fitted]),
            hp.classifier_relu,
        )


def _text_scorer(text: np.ndarray, vaes: list[FSVAE]) -> Scorer:
    """Every member's decoded latents against the classes' texts centred on the model's mean seen-class
    text (the same for every member: they trained on one split)."""
    from pipeline.zsl.classifier import text_scorer_weights

    weight = text_scorer_weights(vaes[0], text)
    return Scorer(np.stack([weight] * len(vaes)), np.zeros((len(vaes), len(weight)), np.float32))


def _ridge_scorer(text: np.ndarray) -> Scorer:
    from pipeline.zsl.ridge import class_weights

    weight = class_weights(text)
    return Scorer(weight, np.zeros(len(weight), np.float32))


def _direct_scorer(text: np.ndarray, center: np.ndarray) -> Scorer:
    from pipeline.zsl.methods.direct import class_weights

    weight = class_weights(text, center)
    return Scorer(weight, np.zeros(len(weight), np.float32))


def _fusion_maps(w: dict[str, torch.Tensor]) -> FusionMaps:
    """The saved maps as fusion.FusionMaps with the one selected penalty (kernel maps with their landmarks)."""
    from pipeline.zsl.fusion import FusionMaps

    return FusionMaps(
        len(w["mean"]),
        int(w["fields"]),
        w["center"],
        w["mean"],
        w["std"],
        [w["map"]],
        w.get("landmarks"),
        w.get("bandwidth"),
    )


def _fusion_scorer(text: np.ndarray, w: dict[str, torch.Tensor]) -> Scorer:
    from pipeline.zsl.fusion import member_weights

    pairs = w["pairs"].numpy() if "pairs" in w else None
    weight = member_weights(text, w["center"].numpy(), len(w["mean"]), int(w["fields"]), pairs)
    return Scorer(weight, np.zeros(weight.shape[:2], np.float32))


def load_model(store: Store, name: str, remote: str | None = None) -> SavedModel:
    """A saved model (a key, a unique prefix, a ref or `latest`), ready for inference on the CPU; one
    this store lacks is pulled from `remote` (with its backbone) when that has it."""
    if remote:
        _pull_model(store, remote, name)
    key = resolve_model_key(store, name)
    info, weights, path = read_saved_model(store, key)
    text = weights["text"].numpy()
    gate = Gate.from_dict(info["gate"]) if info["gate"] is not None else None
    unseen_text = text[info["unseen"]]
    reads = weights.get("gate_ridge")
    if "direct" in weights:
        center = weights["direct"]["center"].numpy()
        return SavedModel(
            key, info, text, _direct_scorer(unseen_text, center), gate, direct=weights["direct"], gate_ridge=reads
        )
    if "ridge" in weights:
        return SavedModel(
            key, info, text, _ridge_scorer(unseen_text), gate, ridge=weights["ridge"], gate_ridge=reads
        )
    if "fusion" in weights:
        fusion = weights["fusion"]
        return SavedModel(
            key, info, text, _fusion_scorer(unseen_text, fusion), gate, fusion=fusion, gate_ridge=reads
        )
    # a model saved before ensembles holds its one member's `vae` and `classifier` at the top level
    members = weights.get("members") or [{"vae": weights["vae"], "classifier": weights["classifier"]}]
    rebuilt = [_rebuild(info, m["vae"], text, path) for m in members]
    hp, vaes = rebuilt[0][0], [vae for _, vae in rebuilt]
    scorer = (
        _text_scorer(unseen_text, vaes)
        if hp.scorer == "text"
        else Scorer(
            np.stack([m["classifier"]["weight"].numpy() for m in members]),
            np.stack([m["classifier"]["bias"].numpy() for m in members]),
            hp.classifier_relu,
        )
    )
    return SavedModel(key, info, text, scorer, gate, vaes=vaes, hyper=hp, gate_ridge=reads)


def _pull_model(store: Store, remote: str, name: str) -> None:
    ref = LATEST_REF if name == "latest" else name
    if pull_ref_if_configured(store, remote, ref) is None and len(name) == 32:
        pull_if_configured(store, remote, ZSL_MODEL, name)


def check_ensemble(models: list[SavedModel]) -> None:
    """Models scored together must read one backbone and score one list of unseen classes (one split)."""
    for other in models[1:]:
        if (
            other.info["backbone"] != models[0].info["backbone"]
            or other.info["unseen"] != models[0].info["unseen"]
        ):
            raise PipelineError(
                f"models {models[0].key} and {other.key}: an ensemble's models must share a backbone and unseen "
                f"classes (one split's features); train them on the same split"
            )


def shared_ridge_gate(models: list[SavedModel]) -> bool:
    """Whether the models share one GZSL gate: one that reads ridge's probabilities, fitted on the same carve,
    features and seed, is the same for every method; a gate that reads a model's own probabilities is that
    model's alone."""
    first = models[0]
    return (
        first.gate is not None
        and first.gate.reads == "ridge"
        and all(_same(m.info["gate"], first.info["gate"]) for m in models[1:])
    )


def _same(a: Any, b: Any) -> bool:
    """Equal records, their floats up to their last digits: the same gate fitted by an earlier run (another
    host or build of the numeric libraries) differs from today's fit in the sixth digit."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, (int, float))
            and isinstance(b, (int, float))
            and math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6)
        )
    return bool(a == b)


def ensemble_probs(members: list[tuple[SavedModel, Scorer]], out: BackboneOutputs) -> np.ndarray:
    """The members' class probabilities of the same clips, averaged: one model's, or an ensemble's."""
    return np.mean([scorer.probs(model.latents(model.inputs(out))) for model, scorer in members], axis=0)


# Settings a model saved before they existed was trained with (its record lacks them; a preset's value today
# may differ, e.g. the tuned preset's scorer).
SAVED_BEFORE_SETTING: dict[str, Any] = {"scorer": "classifier", "text_decoder_relu": True}


def _rebuild(info: dict[str, Any], state: dict[str, Any], text: np.ndarray, path: Path) -> tuple[Hyper, FSVAE]:
    """The model through presets.resolve (every saved value set, so the preset only supplies the schedule)
    and train.build_model, with the saved weights."""
    import torch

    from pipeline.zsl.presets import resolve
    from pipeline.zsl.settings import TrainConfig
    from pipeline.zsl.train import TrainData, build_model

    names = {f.name for f in dataclasses.fields(TrainConfig)}
    train = TrainConfig(**(SAVED_BEFORE_SETTING | {k: v for k, v in info["hyper"].items() if k in names}))
    hp = resolve(train, Dataset(name=info["dataset"], labels=tuple(info["labels"])))
    d, t = info["d_skeleton"], info["time_steps"]
    features = torch.zeros(1, d)
    seen = sorted(int(c) for c in info["seen"])
    data = TrainData(
        inputs=torch.zeros(1, d, t) if t else features,
        features=features,
        rows=torch.zeros(1, dtype=torch.long),
        text=torch.as_tensor(text[seen]),
        classes=tuple(seen),
    )
    model = build_model(data, hp, 0)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise PipelineError(
            f"{path}: the saved weights do not fit the {info['method']} model this code builds "
            f"({str(exc)[:300]}); retrain with `zssar train`"
        ) from None
    return hp, model.eval()
