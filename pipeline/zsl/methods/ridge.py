"""The plain baseline (pipeline/zsl/ridge.py): a closed-form ridge map from skeleton features to the text
space. It trains nothing; its "cycles" index the penalty grid, which the protocol selects on like cycles."""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.zsl.methods import Method
from pipeline.zsl.methods.common import TRAINER_CHOICES, cross_reconstruction_schedule
from pipeline.zsl.methods.fsvae import FSVAE_RELEASED_60
from pipeline.zsl.ridge import PENALTIES
from pipeline.zsl.schedule import Ramp

RIDGE = FSVAE_RELEASED_60 | TRAINER_CHOICES | dict(frequency="off", calibrated=False, cycles=len(PENALTIES))


def schedule(preset: str, v: dict[str, Any], base_steps: int) -> dict[str, Ramp]:
    """Unused (nothing trains); recorded with the resolved values like every method's."""
    return cross_reconstruction_schedule(v, base_steps)


def outputs(b: Any, sample: np.ndarray | None, reads: str = "features") -> list[Any]:
    """The baseline's CycleEval for every penalty of its grid, in the place of training cycles: a map from
    the branch's pooled `features`, or from its method's own `inputs` (the descriptor)."""
    from pipeline.zsl.cycles import CycleEval
    from pipeline.zsl.evaluate import accuracy
    from pipeline.zsl.ridge import ridge_outputs

    outs = ridge_outputs(
        getattr(b.data, reads),
        b.data.text[b.data.rows],
        b.test_seen[reads],
        b.test_unseen[reads],
        b.unseen_text,
        b.unseen_classes,
    )
    return [
        CycleEval(
            accuracy(o.pred_unseen, b.test_unseen["class_idx"]),
            o.pred_unseen,
            o.probs_seen,
            o.probs_unseen,
            o.projected_unseen[sample].cpu().numpy() if sample is not None else np.zeros((0, 1), np.float32),
            o.text_unseen.cpu().numpy(),
            0.0,
        )
        for o in outs
    ]


def weights(b: Any, selected: int, reads: str = "features") -> dict[str, Any]:
    """The projection at the selected penalty (standardisation and map), recomputed from the training
    features (or the method's own inputs): a closed form, so identical to the evaluated one."""
    from pipeline.zsl.ridge import fit_ridge

    mean, std, maps = fit_ridge(getattr(b.data, reads), b.data.text[b.data.rows])
    return {"ridge": {"mean": mean.cpu(), "std": std.cpu(), "map": maps[selected].cpu()}}


METHOD = Method(
    "ridge",
    {"released": (RIDGE, RIDGE), "paper": (RIDGE, RIDGE)},
    schedule,
    released_gate=((0.0, 0.0), (0.0, 0.0)),
    trained=False,
    outputs=outputs,
    weights=weights,
)
