"""Ridge on the hand-crafted motion descriptor (pipeline/skeleton/descriptor.py) instead of the backbone's
features: the same closed-form map, penalty grid and selection as `ridge`, on a view of the clips that no
seen class shaped. On its own it ties the backbone's ridge; in the evaluation's ensemble it is the member
whose errors differ most from the others' (bench/NOTES.md, "A hand-crafted descriptor")."""

from __future__ import annotations

import functools

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.ridge import RIDGE, outputs, schedule, weights

METHOD = Method(
    "descriptor",
    {"released": (RIDGE, RIDGE), "paper": (RIDGE, RIDGE)},
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    inputs="descriptor",
    outputs=functools.partial(outputs, reads="inputs"),
    weights=functools.partial(weights, reads="inputs"),
)
