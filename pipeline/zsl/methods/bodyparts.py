"""`fusion`'s late-fused ridge maps, one per backbone network, body part and text field, on the last GCN
block's channels per body part (pipeline/skeleton/bodyparts.py) instead of the pooled features. It trains
nothing; its "cycles" index ridge's penalty grid, selected on the validation carve like `fusion`'s."""

from __future__ import annotations

import functools

from pipeline.artifacts.feature_sets import BODY_PARTS
from pipeline.zsl.methods import Method
from pipeline.zsl.methods.fusion import outputs, weights
from pipeline.zsl.methods.ridge import RIDGE, schedule

METHOD = Method(
    "bodyparts",
    {"released": (RIDGE, RIDGE), "paper": (RIDGE, RIDGE)},  # ridge's values: its penalty grid is the candidates
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    inputs="bodyparts",
    outputs=functools.partial(outputs, reads="inputs", blocks=len(BODY_PARTS)),
    weights=functools.partial(weights, reads="inputs", blocks=len(BODY_PARTS)),
)
