"""The `tuned` preset's search: the candidates (presets.candidates) chosen between on the validation carve.

Only the validation model trains for each candidate, on the carve's pseudo-seen classes, and is scored on
its pseudo-unseen ones as the protocol scores a seed (the cycles' average, or the best cycle, per the
candidate's `select`); the split's unseen classes take no part. The chosen candidate's validation run is
kept for the seed's selection and GZSL gate, so it is not trained twice. Ties go to the earlier candidate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.zsl.cycles import CycleEval, averaged, ensemble, train_validation_candidates
from pipeline.zsl.presets import Hyper

if TYPE_CHECKING:
    from pipeline.zsl.protocol import Branch


def search(
    val: Branch, build_val: Callable[[], Branch], candidates: list[Hyper], seed: int, processes: int
) -> tuple[Hyper, list[CycleEval], dict[str, Any]]:
    """(the chosen candidate, its validation run, the search's record for the result); `build_val` builds
    `val` again in a worker process."""
    runs = train_validation_candidates(val, build_val, candidates, seed, processes)
    scores = [_carve_score(hp, evals, val) for hp, evals in zip(candidates, runs, strict=True)]
    best = int(np.argmax(scores))
    values = [hp.to_dict() for hp in candidates]
    varied = sorted(n for n in values[0] if n != "schedule" and any(v[n] != values[0][n] for v in values))
    record = {
        "rule": "validation carve (pseudo-unseen ZSL top-1)",
        "searched": varied,
        "candidates": [
            {"values": {n: v[n] for n in varied}, "val_zsl_top1": round(score, 2)}
            for v, score in zip(values, scores, strict=True)
        ],
        "chosen": {n: values[best][n] for n in varied},
    }
    return candidates[best], runs[best], record


def _carve_score(hp: Hyper, evals: list[CycleEval], val: Branch) -> float:
    if hp.select == "average":
        return ensemble(
            evals[averaged(len(evals), hp.burn_in)], val.test_unseen["class_idx"], val.unseen_classes
        ).zsl_top1
    return max(e.zsl_top1 for e in evals)
