"""The evaluation's ensemble row: every VAE method's model of one split and seed, scored together.

On small real data the VAE methods reach similar accuracies but err on different clips, so the mean of their
unseen-class probabilities beats each of them on both development datasets (bench/NOTES.md, "The VAE
methods together"). It is a fixed rule over the methods an evaluation lists, nothing chosen on a carve or on
the unseen classes, and it reads the members' saved models (the same ones `zssar predict` uses), so cached
runs join it without retraining. ZSL only: each member's GZSL gate was fitted to its own probabilities.
"""

from __future__ import annotations

import numpy as np

from pipeline.errors import PipelineError
from pipeline.store import Store

ENSEMBLE_ROW = "ensemble of the VAE methods"


def ensemble_zsl(store: Store, models: list[str], feature_key: str) -> float:
    """ZSL top-1 (%) of the mean unseen-class probabilities of the saved `models`, all trained on the
    feature set `feature_key`, on its unseen test part."""
    from pipeline.artifacts.feature_sets import load_feature_set
    from pipeline.predict.models import load_model

    loaded = [load_model(store, key) for key in models]
    classes = loaded[0].info["unseen"]
    for model in loaded:
        if model.info["unseen"] != classes or model.info["feature_key"] != feature_key:
            raise PipelineError(
                f"ensemble: model {model.key} was trained on other unseen classes or features than "
                f"model {loaded[0].key}; its members must share a split and a feature set"
            )
    part = load_feature_set(store, feature_key, temporal=any(m.info["time_steps"] is not None for m in loaded))[
        "test_unseen"
    ]
    probs = np.mean([m.unseen_scorer.probs(m.latents(m.inputs(part))) for m in loaded], axis=0)
    return float(100.0 * np.mean(np.asarray(classes)[probs.argmax(1)] == part.class_idx))
