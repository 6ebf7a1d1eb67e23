"""ZSL and GZSL metrics (docs/architecture.md, "Metrics"), in percent.

ZSL: top-1 accuracy on the unseen test samples, predicting among the unseen classes only (averaged over
samples, as released). GZSL: the gate sends each seen-test and unseen-test sample to the backbone's
seen classifier or to the ZSL classifier; seen accuracy S is over the seen test samples, unseen accuracy
U over the unseen ones, both counted against all classes, and H = 2SU / (S + U).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.zsl.gate import Gate


def accuracy(pred: np.ndarray, true: np.ndarray) -> float:
    return float(100.0 * np.mean(pred == true)) if len(true) else 0.0


def per_class_accuracy(pred: np.ndarray, true: np.ndarray) -> dict[int, float]:
    return {int(c): round(accuracy(pred[true == c], true[true == c]), 2) for c in np.unique(true)}


def harmonic_mean(seen: float, unseen: float) -> float:
    return 2 * seen * unseen / (seen + unseen) if seen + unseen > 0 else 0.0


def confusion(true: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    """Counts, rows = true class, columns = predicted class, over every class that occurs in either."""
    labels = np.unique(np.concatenate([true, pred]))
    index = {int(c): i for i, c in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    np.add.at(matrix, ([index[int(c)] for c in true], [index[int(c)] for c in pred]), 1)
    return {"labels": [int(c) for c in labels], "matrix": matrix.tolist()}


def gzsl_predict(
    gate: Gate,
    seen_logits: np.ndarray,
    seen_classes: np.ndarray,
    zsl_probs: np.ndarray,
    unseen_classes: np.ndarray,
    gate_probs: np.ndarray | None = None,
) -> np.ndarray:
    """Seen-routed samples take the seen classifier's argmax, unseen-routed ones the ZSL classifier's; the
    gate reads `gate_probs` (a ridge gate's, train.gate_input) or else the ZSL classifier's own."""
    unseen = gate.is_unseen(seen_logits, zsl_probs if gate_probs is None else gate_probs)
    return np.where(unseen, unseen_classes[zsl_probs.argmax(1)], seen_classes[seen_logits.argmax(1)])


def gzsl_scores(
    gate: Gate,
    seen_part: dict[str, np.ndarray],
    unseen_part: dict[str, np.ndarray],
    seen_classes: np.ndarray,
    unseen_classes: np.ndarray,
) -> dict[str, Any]:
    """S, U, H and the predictions, for parts given as {class_idx, seen_logits, zsl_probs} and optionally
    the probabilities the gate reads (`gate_probs`)."""
    pred_s, pred_u = (
        gzsl_predict(gate, p["seen_logits"], seen_classes, p["zsl_probs"], unseen_classes, p.get("gate_probs"))
        for p in (seen_part, unseen_part)
    )
    s, u = accuracy(pred_s, seen_part["class_idx"]), accuracy(pred_u, unseen_part["class_idx"])
    return {"seen": s, "unseen": u, "h": harmonic_mean(s, u), "pred_seen": pred_s, "pred_unseen": pred_u}
