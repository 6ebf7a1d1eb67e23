"""`zssar predict`: new clips -> top-k action labels, with a saved model (docs/architecture.md, "Predict").

Path of a clip: read it (`inputs`), preprocess it with the model's frames, bodies and layout, run the
saved backbone (eval mode, batched) for its pooled feature (and its time-resolved features when the
model's frequency mode is temporal), its seen-class logits and (text objective) its text projection, map
that to the skeleton latent (the VAE's encoder mean, ridge's projection, or for `direct` the backbone's
projection itself), and score the latent against the class list (`classes`).

`--generalized` puts the model's seen classes beside the given ones: the saved GZSL gate decides per clip
whether it belongs to a seen class (top-k from the backbone's seen classifier) or to one of the given
classes (top-k from the ZSL scorer, or from the ridge map saved with the model when its gate reads ridge:
`train.gate_input`), as the GZSL evaluation does. The gate was fitted with the split's
number of unseen classes; with a list of another size its decision is an approximation (a warning says so).

The model, backbone and scorer load once (`load_predictor`); a folder's clips go through together.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import Config
from pipeline.console import warn
from pipeline.errors import PipelineError
from pipeline.hardware import torch_threads
from pipeline.predict.classes import ClassList, model_classes, parse_labels, read_class_file, scorer_for
from pipeline.predict.inputs import BadClip, ClipFile, find_clips, load_clips
from pipeline.predict.models import (
    SavedModel,
    Scorer,
    check_ensemble,
    ensemble_probs,
    load_model,
    shared_ridge_gate,
)
from pipeline.store import Store
from pipeline.store.atomic import write_text

READ_CHUNK = 1024  # clips read and preprocessed at a time, so a large folder never sits in memory whole
# Up to this many clips run on one torch thread: each op has too little work to split, and on a busy CPU
# every parallel op waits for its slowest thread (one clip: ~4 ms on one thread, 10-500 ms on two, measured
# on a shared 2-core machine).
ONE_THREAD_CLIPS = 32


@dataclass
class ClipPrediction:
    name: str
    path: str
    top: list[tuple[str, float]]  # (label, probability), best first
    route: str | None = None  # --generalized: "seen" or "unseen" (the gate's decision)
    p_unseen: float | None = None  # --generalized: the gate's probability that the clip is of an unseen class


@dataclass
class Predictions:
    model: str
    model_info: dict[str, Any]
    classes: ClassList
    generalized: bool
    top_k: int
    clips: list[ClipPrediction] = field(default_factory=list)
    errors: list[BadClip] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "model_info": self.model_info,
            "classes": {
                "source": self.classes.source,
                "texts": self.classes.how,
                "labels": list(self.classes.labels),
            },
            "generalized": self.generalized,
            "top_k": self.top_k,
            "predictions": [
                {
                    "clip": c.name,
                    "path": c.path,
                    "top": [{"label": label, "prob": round(p, 6)} for label, p in c.top],
                    **({"route": c.route, "p_unseen": round(c.p_unseen or 0.0, 6)} if self.generalized else {}),
                }
                for c in self.clips
            ],
            "errors": [{"clip": e.name, "path": e.path, "error": e.error} for e in self.errors],
        }

    def to_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["clip", "path", "rank", "label", "prob", "route", "p_unseen", "error"])
        for c in self.clips:
            for rank, (label, p) in enumerate(c.top, start=1):
                w.writerow(
                    [
                        c.name,
                        c.path,
                        rank,
                        label,
                        f"{p:.6f}",
                        c.route or "",
                        "" if c.p_unseen is None else f"{c.p_unseen:.6f}",
                        "",
                    ]
                )
        for e in self.errors:
            w.writerow([e.name, e.path, "", "", "", "", "", e.error])
        return buf.getvalue()

    def write(self, path: str | Path) -> Path:
        """JSON or CSV by the file's suffix, written atomically."""
        import json

        path = Path(path)
        if path.suffix.lower() == ".json":
            write_text(path, json.dumps(self.to_dict(), indent=2) + "\n")
        elif path.suffix.lower() == ".csv":
            write_text(path, self.to_csv())
        else:
            raise PipelineError(f"{path}: --out must end in .json or .csv")
        return path


@dataclass
class ClipOutputs:
    """What the models read of a batch of clips: the backbone's outputs, and the descriptor and the
    body-part channels where one reads them (models.BackboneOutputs)."""

    feature: np.ndarray
    temporal: np.ndarray | None
    projection: np.ndarray | None
    descriptor: np.ndarray | None
    bodyparts: np.ndarray | None


class Predictor:
    """Saved models of one backbone, each with its scorer over a class list, loaded once for any number of
    clips. Several models are an ensemble (the evaluation's ensemble row, stages/ensemble.py): their class
    probabilities averaged, routed by the gate they share where they share one (models.shared_ridge_gate).
    The first model leads: its layout, preprocessing and gate."""

    def __init__(
        self,
        members: list[tuple[SavedModel, Scorer]],
        backbone: Any,
        classes: ClassList,
        generalized: bool,
        device: Any,
        batch_size: int,
        gate_reader: tuple[SavedModel, Scorer] | None = None,
    ) -> None:
        from pipeline.skeleton.layouts import get_layout

        self.members, self.backbone, self.classes = members, backbone, classes
        self.gate_reader = gate_reader  # the ridge map the gate reads, when it reads one (train.gate_input)
        self.model, self.scorer = members[0]
        self.generalized, self.device, self.batch_size = generalized, device, batch_size
        self.layout = get_layout(self.model.info["layout"], where=f"model {self.model.key} layout")
        self.frames = int(self.model.info["preprocess"]["frames"])
        self.max_bodies = int(self.model.info["preprocess"]["max_bodies"])
        self.seen_labels = [self.model.labels[c] for c in self.model.info["backbone_classes"]]

    def describe(self) -> str:
        if len(self.members) == 1:
            return self.model.describe()
        return f"an ensemble of {len(self.members)} models ({'; '.join(m.describe() for m, _ in self.members)})"

    def probabilities(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Preprocessed clips (N, M, T, J, 3) -> class-list probabilities `probs` (N, C); with --generalized
        also the seen classes' `seen_probs`, the gate's `p_unseen` and decision `unseen`."""

        from pipeline.skeleton.device import Runtime
        from pipeline.skeleton.extract import run_backbone

        temporal = any(model.info["time_steps"] is not None for model, _ in self.members)
        joints = any(model.reads == "bodyparts" for model, _ in self.members)
        with torch_threads(1 if len(x) <= ONE_THREAD_CLIPS else 0):
            ran = run_backbone(
                self.backbone,
                x,
                np.arange(len(x)),
                Runtime(self.device),
                self.batch_size,
                temporal,
                "predict",
                joints=joints,
            )
            clips = ClipOutputs(
                ran.feature, ran.temporal, ran.projection, self._descriptor(x), self._bodyparts(ran.joints)
            )
            out = {"probs": ensemble_probs(self.members, clips)}
            logits = ran.logits
        if self.generalized:
            from pipeline.zsl.gate import gate_features, softmax

            gate = self.model.gate
            probs = ensemble_probs([self.gate_reader], clips) if self.gate_reader is not None else out["probs"]
            if probs.shape[1] < gate.k:  # missing classes have probability 0: the top-k stays defined
                probs = np.pad(probs, ((0, 0), (0, gate.k - probs.shape[1])))
            out["p_unseen"] = gate.model.predict_proba(gate_features(logits, probs, gate.temperature, gate.k))[
                :, 1
            ]
            out["unseen"] = out["p_unseen"] > gate.threshold
            out["seen_probs"] = softmax(logits, 1.0)
        return out

    def _descriptor(self, x: np.ndarray) -> np.ndarray | None:
        """The clips' hand-crafted motion descriptor, where a member reads it (method `descriptor`)."""
        if not any(model.reads == "descriptor" for model, _ in self.members):
            return None
        from pipeline.skeleton.descriptor import motion_descriptor

        return motion_descriptor(x, self.layout)

    def _bodyparts(self, joints: np.ndarray | None) -> np.ndarray | None:
        """The backbone's per-joint channels grouped by body part, where a member reads them (`bodyparts`)."""
        if joints is None:
            return None
        from pipeline.skeleton.bodyparts import bodypart_features

        networks = len(getattr(self.backbone, "networks", [self.backbone]))
        return bodypart_features(joints, networks, self.layout)

    def run(self, path: str | Path, top_k: int = 5, allow_empty: bool = False) -> Predictions:
        """Label every clip `path` stands for; a single bad clip raises, a folder's bad clips are listed.
        When no clip can be used it raises too, unless `allow_empty` (the caller still writes the list)."""
        if top_k < 1:
            raise PipelineError(f"--top-k {top_k}: must be at least 1")
        if len(self.classes.labels) == 1:
            warn(
                f"only one class to choose from ({self.classes.labels[0]}): every clip gets it with p = 1.00; "
                f"give two or more labels for the probabilities to mean anything"
            )
        ranked = max(len(self.classes.labels), len(self.seen_labels) if self.generalized else 0)
        if top_k > ranked:
            warn(f"--top-k {top_k}: there are only {ranked} classes to rank; showing all of them")
            top_k = ranked
        files = find_clips(path, self.layout)
        result = Predictions(
            "+".join(model.key for model, _ in self.members),
            _model_summary([model for model, _ in self.members]),
            self.classes,
            self.generalized,
            top_k,
        )
        for start in range(0, len(files), READ_CHUNK):
            good, x, bad = load_clips(files[start : start + READ_CHUNK], self.layout, self.frames, self.max_bodies)
            result.errors += bad
            if good:
                out = self.probabilities(x)
                result.clips += [self._top(clip, out, i, top_k) for i, clip in enumerate(good)]
        if not result.clips and not allow_empty:
            raise no_usable_clips(path, result)
        return result

    def _top(self, clip: ClipFile, out: dict[str, np.ndarray], i: int, k: int) -> ClipPrediction:
        routed_seen = self.generalized and not out["unseen"][i]
        labels, probs = (
            (self.seen_labels, out["seen_probs"][i]) if routed_seen else (self.classes.labels, out["probs"][i])
        )
        order = np.argsort(-probs, kind="stable")[:k]
        top = [(labels[j], float(probs[j])) for j in order]
        if not self.generalized:
            return ClipPrediction(clip.name, str(clip.path), top)
        return ClipPrediction(
            clip.name, str(clip.path), top, "seen" if routed_seen else "unseen", float(out["p_unseen"][i])
        )


def no_usable_clips(path: str | Path, result: Predictions) -> PipelineError:
    """The error when not one clip could be labelled: the clip's own, or the first of a folder's."""
    if len(result.errors) == 1:
        return PipelineError(result.errors[0].error)
    return PipelineError(
        f"{path}: none of its {len(result.errors)} clips could be used; first: {result.errors[0].error}"
    )


def _model_summary(models: list[SavedModel]) -> dict[str, Any]:
    i = models[0].info
    out = {
        "dataset": i["dataset"],
        "split": i["split"]["name"],
        "method": "+".join(m.info["method"] for m in models),
        "preset": i["preset"],
        "seed": i["seed"],
        "backbone": i["backbone"],
        "encoder": i["encoder"],
    }
    if len(models) > 1:
        out["members"] = [{"key": m.key, "method": m.info["method"], "seed": m.info["seed"]} for m in models]
    return out


def load_predictor(
    cfg: Config,
    model: str | list[str] = "latest",
    classes: str | Path | None = None,
    labels: str | None = None,
    generalized: bool = False,
) -> Predictor:
    """Load a saved model (a key, a ref or `latest`; or several, an ensemble of one backbone's models), its
    backbone and the scorer of the class list: the model's unseen classes, a classes.csv (`classes`) or
    semicolon-separated `labels`."""
    from pipeline.hardware import resolve_device
    from pipeline.skeleton.fit import load_backbone

    if classes is not None and labels is not None:
        raise PipelineError("give either --classes or --labels, not both")
    names = [model] if isinstance(model, str) else list(model)
    if not names:
        raise PipelineError("--model: give at least one saved model")
    store = Store(cfg.store)
    saved = load_model(store, names[0], cfg.remote)
    others = [load_model(store, name, cfg.remote) for name in names[1:]]
    check_ensemble([saved, *others])
    if others and generalized and not shared_ridge_gate([saved, *others]):
        raise PipelineError(
            "--generalized with several models needs the one gate they share: models of one split and seed "
            "trained with train.gate_input = ridge (the dataset-folder default); these models' gates read "
            "their own probabilities"
        )
    if saved.info["backbone"] is None:
        raise PipelineError(
            f"model {saved.key} was trained on features without a backbone in {store.root} (an "
            f"imported dump?), so new clips cannot be turned into its features; train on features "
            f"from `zssar skeleton extract`"
        )
    if generalized and saved.gate is None:
        raise PipelineError(
            f"model {saved.key} has no GZSL gate (its features had no validation carve, or no seen test "
            f"part: skeleton.seen_train = all); predict "
            f"without --generalized"
        )
    device = resolve_device(cfg.device)
    backbone, _ = load_backbone(store, saved.info["backbone"], device)
    for m in (saved, *others):
        if m.uses_projection and not backbone.projects:
            raise PipelineError(
                f"model {m.key} ({m.info['method']}) scores the backbone's text projection, but backbone "
                f"{m.info['backbone']} was trained with skeleton.backbone.objective=ce and has none"
            )
    class_list = (
        read_class_file(classes)
        if classes is not None
        else parse_labels(labels)
        if labels is not None
        else model_classes(saved)
    )
    scorer, class_list = scorer_for(saved, class_list, cfg)
    members = [(saved, scorer)] + [(other, scorer_for(other, class_list, cfg)[0]) for other in others]
    if generalized and len(class_list.labels) != len(saved.info["unseen"]):
        warn(
            f"the GZSL gate was fitted with {len(saved.info['unseen'])} unseen classes; with "
            f"{len(class_list.labels)} given classes its seen/unseen decision is an approximation"
        )
    reader = saved.gate_reader() if generalized else None
    return Predictor(
        members,
        backbone,
        class_list,
        generalized,
        device,
        cfg.skeleton.backbone.eval_batch_size,
        (reader, scorer_for(reader, class_list, cfg)[0]) if reader is not None else None,
    )
