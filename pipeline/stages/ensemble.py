"""The evaluation's ensemble row: every listed method's model of one split and seed but the ridge baseline's,
scored together.

On small real data the methods reach similar accuracies but err on different clips, so the mean of their unseen-
class probabilities beats each of them on both development datasets (bench/NOTES.md, "The VAE methods together"),
and more so with members that read other views of the clips: `fusion`'s late-fused maps and the hand-crafted
descriptor (bench/NOTES.md, "A hand-crafted descriptor"). The ridge baseline stays out: `fusion` holds its maps
field by field. It is a fixed rule over the methods an evaluation lists, nothing chosen on a carve or on the unseen
classes, and it reads the members' saved models (the same ones `zssar predict` uses), so cached runs join it
without retraining. GZSL only where the members share one gate: a gate that reads ridge (`train.gate_input =
ridge`) is fitted on the same carve, features and seed for every member, so it is one gate, and the ensemble's
probabilities classify the clips it sends to the unseen side; a gate that reads each member's own probabilities
belongs to that member alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipeline.store import Store

if TYPE_CHECKING:
    from pipeline.artifacts.feature_sets import Part

ENSEMBLE_ROW = "ensemble of the methods"
BASELINE = "ridge"


def ensemble_members(methods: list[str]) -> list[str]:
    """The methods the ensemble row averages: every listed one but the ridge baseline; none below two."""
    members = [m for m in methods if m != BASELINE]
    return members if len(members) > 1 else []


def ensemble_scores(
    store: Store, models: list[str], test_seen: Part, test_unseen: Part
) -> tuple[float, dict[str, float] | None]:
    """ZSL top-1 (%) of the mean unseen-class probabilities of the saved `models` (one split's) on the
    unseen test part of the feature set they trained on, and GZSL seen, unseen and H (%) when they share a
    gate (else None)."""
    from pipeline.predict.models import check_ensemble, ensemble_probs, load_model, shared_ridge_gate
    from pipeline.zsl.evaluate import gzsl_scores

    loaded = [load_model(store, key) for key in models]
    check_ensemble(loaded)
    members = [(m, m.unseen_scorer) for m in loaded]
    unseen = np.asarray(loaded[0].info["unseen"])
    probs = ensemble_probs(members, test_unseen)
    zsl = float(100.0 * np.mean(unseen[probs.argmax(1)] == test_unseen.class_idx))
    gate = loaded[0].gate
    reader = loaded[0].gate_reader() if shared_ridge_gate(loaded) else None
    if (
        gate is None
        or reader is None
        or not len(test_seen)
        or test_seen.logits is None
        or test_unseen.logits is None
    ):
        return zsl, None
    parts = [
        {
            "class_idx": part.class_idx,
            "seen_logits": part.logits,
            "zsl_probs": ensemble_probs(members, part),
            "gate_probs": ensemble_probs([(reader, reader.unseen_scorer)], part),
        }
        for part in (test_seen, test_unseen)
    ]
    seen_classes = np.asarray(loaded[0].info["backbone_classes"])
    scores = gzsl_scores(gate, parts[0], parts[1], seen_classes, unseen)
    return zsl, {k: float(scores[k]) for k in ("seen", "unseen", "h")}
