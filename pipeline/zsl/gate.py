"""The GZSL gate: decides whether a test sample belongs to a seen or an unseen class.

As released (SynSE / FS-VAE gating_train.py): the input is the top-k sorted probabilities of the ZSL
classifier and the top-k sorted temperature-softmax probabilities of the backbone's seen classifier
(k = the number of unseen classes); a logistic regression on them gives P(unseen); a sample is unseen
when P(unseen) > threshold. The regression is fit on 80% of the gate data, the threshold (0.25..0.74) is
chosen on the other 20%, and the temperature (1..9) by the same held-out score; a configured
temperature or threshold (non-zero) is used as given.

Departure from the released script (`balanced`, the default): the pseudo-unseen side is much smaller than
the pseudo-seen side, so plain held-out accuracy (the released criterion) rewards sending everything to the
seen classifier, which zeroes the unseen accuracy and H. The regression is therefore class-balanced, and
the score is the harmonic mean of the held-out seen and unseen routing accuracies, the gate's own analogue
of H. `balanced=False` (`train.gate=released`) is the released gate: an unweighted regression scored by
plain held-out accuracy. Its `LogisticRegression(C=1, multi_class='multinomial')` on two classes fits
weights w_0, w_1 with penalty (|w_0|^2 + |w_1|^2) / 2 and P(unseen) = sigmoid((w_1 - w_0) x); the optimum
has w_0 = -w_1, so it is the binary regression on d = w_1 - w_0 with penalty |d|^2 / 4, i.e. C = 2 (the
`multi_class` option is gone from current scikit-learn).

`crossval` (`folds`): the balanced gate with its temperature and threshold chosen on every carve clip at
once: each of `folds` folds is scored by a regression fitted on the others, the (temperature, threshold)
with the best routing H over those out-of-fold probabilities wins, and the gate is then fitted on every
clip. A carve holds a few dozen pseudo-unseen clips, so a 20% hold-out scores each of the 450 pairs on a
handful of them: the pick, and H with it, moves by up to 20 points from one seed to the next on a model
whose ZSL does not move at all (bench/NOTES.md).

`train.gate_input = ridge`: the ZSL probabilities the gate reads are a ridge map's on the same features
(pipeline/zsl/ridge.py, its penalty chosen on the carve as `--method ridge` chooses it), whatever method
classifies the clips the gate sends to the unseen side. The gate is fitted on the carve's model and applied
to the main model, so its input must mean the same in both: a closed form's probabilities do, while a
trained classifier's confidence shifts from one model to the other (bench/NOTES.md, "A gate that reads
ridge"). The method's GZSL figure then measures its unseen classifier, not how well its probabilities
happen to feed a logistic regression.

The gate data comes only from the validation carve: the validation backbone's pseudo-seen test samples
(label seen) and pseudo-unseen test samples (label unseen), run through a model trained on the pseudo-seen
classes. `fit_gate` refuses data that contains any class of the split's real unseen set.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.errors import PipelineError

TEMPERATURES = tuple(float(t) for t in range(1, 10))
FOLDS = 5  # `train.gate = crossval`
THRESHOLDS = tuple(t / 100 for t in range(25, 75))


def softmax(logits: np.ndarray, temperature: float) -> np.ndarray:
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def top_k(probs: np.ndarray, k: int) -> np.ndarray:
    """The k largest probabilities of each row, in descending order."""
    return -np.sort(-probs, axis=1)[:, :k]


def gate_features(seen_logits: np.ndarray, zsl_probs: np.ndarray, temperature: float, k: int) -> np.ndarray:
    return np.concatenate([top_k(zsl_probs, k), top_k(softmax(seen_logits, temperature), k)], axis=1)


def routing_h(is_unseen: np.ndarray, y_unseen: np.ndarray) -> float:
    """Harmonic mean of the fraction of seen samples routed seen and of unseen samples routed unseen."""
    if not len(y_unseen) or y_unseen.all() or not y_unseen.any():
        return 0.0
    seen_ok = float(np.mean(~is_unseen[y_unseen == 0]))
    unseen_ok = float(np.mean(is_unseen[y_unseen == 1]))
    return 2 * seen_ok * unseen_ok / (seen_ok + unseen_ok) if seen_ok + unseen_ok else 0.0


@dataclass
class GateData:
    """Samples for fitting the gate: their classes (for the audit), backbone seen logits, ZSL probabilities."""

    class_idx: np.ndarray
    seen_logits: np.ndarray
    zsl_probs: np.ndarray


@dataclass
class Gate:
    model: Any  # sklearn LogisticRegression, label 1 = unseen
    temperature: float
    threshold: float
    k: int
    held_out_h: float  # the held-out score: routing H (see routing_h), or accuracy for the released gate
    fit_classes: tuple[int, ...] = field(default=())
    scored_by: str = "routing_h"  # routing_h | accuracy (the released criterion)
    reads: str = "own"  # whose ZSL probabilities are its input: own | ridge (train.gate_input)

    def is_unseen(self, seen_logits: np.ndarray, zsl_probs: np.ndarray) -> np.ndarray:
        x = gate_features(seen_logits, zsl_probs, self.temperature, self.k)
        return self.model.predict_proba(x)[:, 1] > self.threshold

    def describe(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "threshold": self.threshold,
            "k": self.k,
            "held_out_h": round(100 * self.held_out_h, 2),
            "scored_by": self.scored_by,
            "reads": self.reads,
            "fit_classes": list(self.fit_classes),
            "fit_on": "validation carve",
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to apply the gate again, as JSON (a saved model's info keeps it)."""
        return {
            "coef": np.asarray(self.model.coef_, dtype=float).ravel().tolist(),
            "intercept": float(np.asarray(self.model.intercept_).ravel()[0]),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "k": self.k,
            "held_out_h": self.held_out_h,
            "fit_classes": list(self.fit_classes),
            "scored_by": self.scored_by,
            "reads": self.reads,
        }

    @classmethod
    def from_dict(cls, saved: dict[str, Any]) -> Gate:
        return cls(
            _Logistic(saved["coef"], saved["intercept"]),
            saved["temperature"],
            saved["threshold"],
            saved["k"],
            saved["held_out_h"],
            tuple(saved["fit_classes"]),
            saved.get("scored_by", "routing_h"),
            saved.get("reads", "own"),
        )


class _Logistic:
    """The gate's logistic regression from its saved coefficients (label 1 = unseen), without sklearn."""

    def __init__(self, coef: list[float], intercept: float) -> None:
        self.coef, self.intercept = np.asarray(coef, dtype=np.float64), float(intercept)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))
        return np.stack([1 - p, p], axis=1)


def held_out_accuracy(is_unseen: np.ndarray, y_unseen: np.ndarray) -> float:
    """The released criterion (gating_train.py): the fraction of held-out samples routed to their side."""
    return float(np.mean(is_unseen == (y_unseen == 1))) if len(y_unseen) else 0.0


def fit_gate(
    seen: GateData,
    unseen: GateData,
    k: int,
    forbidden: Collection[int],
    seed: int,
    temperature: float = 0.0,
    threshold: float = 0.0,
    balanced: bool = True,
    folds: int = 0,
) -> Gate:
    """Fit the gate on validation data; `forbidden` (the split's unseen classes) must not occur in it.
    `balanced=False` fits and scores it as released; `folds` chooses a balanced gate's temperature and
    threshold by cross-validation instead of one hold-out (module docstring)."""
    from sklearn.linear_model import LogisticRegression

    fit_classes = tuple(sorted({int(c) for c in np.concatenate([seen.class_idx, unseen.class_idx])}))
    leaked = sorted(set(fit_classes) & {int(c) for c in forbidden})
    if leaked:
        raise PipelineError(
            f"GZSL gate: fitting data contains unseen classes {leaked}; the gate must be fit on "
            f"the validation carve only"
        )
    if len(seen.class_idx) < 5 or len(unseen.class_idx) < 5:
        raise PipelineError(
            f"GZSL gate: too few validation samples ({len(seen.class_idx)} pseudo-seen, "
            f"{len(unseen.class_idx)} pseudo-unseen) to fit it"
        )
    rng = np.random.default_rng(seed)
    if folds:
        return _fit_crossval(seen, unseen, k, fit_classes, rng, folds, temperature, threshold)
    held = [rng.permutation(len(d.class_idx)) for d in (seen, unseen)]
    split = [len(h) // 5 for h in held]  # 20% held out, as released
    y_fit = np.r_[np.zeros(len(held[0]) - split[0]), np.ones(len(held[1]) - split[1])]
    y_held = np.r_[np.zeros(split[0]), np.ones(split[1])]

    best: Gate | None = None
    for t in (temperature,) if temperature else TEMPERATURES:
        x = [gate_features(d.seen_logits, d.zsl_probs, t, k) for d in (seen, unseen)]
        x_fit = np.concatenate([x[0][held[0][split[0] :]], x[1][held[1][split[1] :]]])
        x_held = np.concatenate([x[0][held[0][: split[0]]], x[1][held[1][: split[1]]]])
        model = (_balanced_regression() if balanced else LogisticRegression(C=2.0, max_iter=5000)).fit(
            x_fit, y_fit
        )
        p_held = model.predict_proba(x_held)[:, 1]
        for th in (threshold,) if threshold else THRESHOLDS:
            acc = routing_h(p_held > th, y_held) if balanced else held_out_accuracy(p_held > th, y_held)
            if best is None or acc > best.held_out_h:
                best = Gate(model, t, th, k, acc, fit_classes, "routing_h" if balanced else "accuracy")
    assert best is not None
    return best


def _balanced_regression() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced")


def _fit_crossval(
    seen: GateData,
    unseen: GateData,
    k: int,
    fit_classes: tuple[int, ...],
    rng: np.random.Generator,
    folds: int,
    temperature: float,
    threshold: float,
) -> Gate:
    """The balanced gate, its temperature and threshold chosen on out-of-fold probabilities of every clip;
    each side is dealt evenly over the folds, so every fold trains on both sides."""
    y = np.r_[np.zeros(len(seen.class_idx)), np.ones(len(unseen.class_idx))]
    fold = np.concatenate([rng.permutation(len(d.class_idx)) % folds for d in (seen, unseen)])
    best: tuple[float, float, float, np.ndarray] | None = None  # (routing H, temperature, threshold, x)
    for t in (temperature,) if temperature else TEMPERATURES:
        x = np.concatenate([gate_features(d.seen_logits, d.zsl_probs, t, k) for d in (seen, unseen)])
        p = np.empty(len(y))
        for f in range(folds):
            p[fold == f] = _balanced_regression().fit(x[fold != f], y[fold != f]).predict_proba(x[fold == f])[:, 1]
        for th in (threshold,) if threshold else THRESHOLDS:
            h = routing_h(p > th, y)
            if best is None or h > best[0]:
                best = (h, t, th, x)
    assert best is not None
    h, t, th, x = best
    return Gate(_balanced_regression().fit(x, y), t, th, k, h, fit_classes, "routing_h (cross-validated)")
