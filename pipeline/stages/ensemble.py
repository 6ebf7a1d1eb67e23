"""The evaluation's ensemble row: every VAE method's model of one split and seed, scored together.

On small real data the VAE methods reach similar accuracies but err on different clips, so the mean of their
unseen-class probabilities beats each of them on both development datasets (bench/NOTES.md, "The VAE
methods together"). It is a fixed rule over the methods an evaluation lists, nothing chosen on a carve or on
the unseen classes, and it reads the members' saved models (the same ones `zssar predict` uses), so cached
runs join it without retraining. ZSL only: each member's GZSL gate was fitted to its own probabilities.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from pipeline.store import Store

if TYPE_CHECKING:
    from pipeline.artifacts.feature_sets import Part

ENSEMBLE_ROW = "ensemble of the VAE methods"


def ensemble_zsl(store: Store, models: list[str], test_unseen: Part) -> float:
    """ZSL top-1 (%) of the mean unseen-class probabilities of the saved `models` (one split's) on the
    unseen test part of the feature set they trained on."""
    from pipeline.predict.models import check_ensemble, ensemble_probs, load_model

    loaded = [load_model(store, key) for key in models]
    check_ensemble(loaded)
    probs = ensemble_probs([(m, m.unseen_scorer) for m in loaded], test_unseen)
    return float(100.0 * np.mean(np.asarray(loaded[0].info["unseen"])[probs.argmax(1)] == test_unseen.class_idx))
