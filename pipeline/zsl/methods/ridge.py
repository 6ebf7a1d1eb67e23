"""The plain baseline (pipeline/zsl/ridge.py): a closed-form ridge map from skeleton features to the text
space. It trains nothing; its "cycles" index the penalty grid, which the protocol selects on like cycles."""

from __future__ import annotations

from typing import Any

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.common import TRAINER_CHOICES, cross_reconstruction_schedule
from pipeline.zsl.methods.fsvae import FSVAE_RELEASED_60
from pipeline.zsl.ridge import PENALTIES
from pipeline.zsl.schedule import Ramp

RIDGE = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(frequency="off", calibrated=False, cycles=len(PENALTIES))


def schedule(preset: str, v: dict[str, Any], base_steps: int) -> dict[str, Ramp]:
    """Unused (nothing trains); recorded with the resolved values like every method's."""
    return cross_reconstruction_schedule(v, base_steps)


METHOD = Method(
    "ridge",
    {"released": (RIDGE, RIDGE), "paper": (RIDGE, RIDGE)},
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
)
