"""`fusion`'s late-fused maps, one per backbone network, body part and text field, on the last GCN block's
channels per body part (pipeline/skeleton/bodyparts.py) instead of the pooled features, and through a
Gaussian kernel (pipeline/zsl/kernel_ridge.py) instead of linear. Its text table adds each body part's own
text (pipeline/describe/parts.py) after the whole-body fields, and each part's maps are scored against the
whole-body fields, its own part's text, or both: the validation carve picks the pairing with the penalty.
It trains nothing; its "cycles" index those candidates (pairing-major)."""

from __future__ import annotations

import functools

from pipeline.bodyparts import BODY_PARTS
from pipeline.zsl.fusion import PAIRINGS
from pipeline.zsl.kernel_ridge import KERNEL_PENALTIES
from pipeline.zsl.methods import Method
from pipeline.zsl.methods.fusion import outputs, weights
from pipeline.zsl.methods.ridge import RIDGE, schedule

BODYPARTS = RIDGE | {"cycles": len(PAIRINGS) * len(KERNEL_PENALTIES)}

METHOD = Method(
    "bodyparts",
    {"released": (BODYPARTS, BODYPARTS), "paper": (BODYPARTS, BODYPARTS)},
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    inputs="bodyparts",
    part_texts=True,
    revision=2,
    outputs=functools.partial(outputs, reads="inputs", blocks=len(BODY_PARTS), kernel=True),
    weights=functools.partial(weights, reads="inputs", blocks=len(BODY_PARTS), kernel=True),
)
