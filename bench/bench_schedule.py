"""Item 2: whole training schedules on cached features, end to end through `train_split`.

A synthetic NTU-sized feature set for each SynSE split (all six parts with backbone logits; see
common.write_feature_store) goes into a temporary store, and `pipeline.stages.train.train_split` runs the
released preset on it: per seed a main and a validation-carve model (two processes), a ZSL classifier
and an evaluation after every cycle, the gate, the result files. NTU-60 splits: 10 cycles x 1700 steps; NTU-120:
10 x 1900, latent 200. Text: 1536-d. Threads: the trainer's own setting (`train.threads`, default 1).

`--quick` shortens the schedule to 2 cycles x 100 steps and the feature set to a tenth; its rows say so.

Measured beside it:
- the ZSL classifier: the pipeline's line form (`fit_zsl_classifier`) against the released form
  (bench/released_classifier.py), on the same draws: time and the largest weight difference;
- the main and validation-carve models trained in two processes at once (`train.processes=2`, the
  default) against one after the other in one process.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import common
import numpy as np
from common import row

SPLITS = ("55_5", "48_12", "110_10", "96_24")


def time_split(
    root: Path, split: str, quick: bool, processes: int = 2, cycles: int | None = None, steps: int | None = None
) -> tuple[float, float, dict[str, Any]]:
    """(seconds to write the feature set, seconds of train_split, its result) for one seed of one split;
    `cycles` and `steps` shorten the released schedule."""
    from pipeline.config import Config
    from pipeline.stages.train import train_split

    start = time.perf_counter()
    dataset, sp, key, text = common.write_feature_store(root / "store", split, scale=0.1 if quick else 1.0)
    written = time.perf_counter() - start
    cfg = Config(store=str(root / "store"), results=str(root / "results"), device="cpu")
    cfg.train.processes = processes
    if quick:
        cycles, steps = 2, 100
    cfg.train.cycles, cfg.train.steps_per_cycle = cycles, steps
    start = time.perf_counter()
    (result,) = train_split(dataset, sp, cfg, features=key, text=text)
    return written, time.perf_counter() - start, result


def classifier_fits(classes: int, latent: int, repeat: int) -> tuple[float, float, float]:
    """(released-form seconds, pipeline seconds, largest weight difference) of one ZSL classifier fit with
    the released settings (500 latents per class, 300 full-batch Adam epochs), best of `repeat`."""
    import torch
    from released_classifier import fit_zsl_classifier_released

    from pipeline.zsl.classifier import fit_zsl_classifier
    from pipeline.zsl.train import build_model

    hp = common.fsvae_hyper(120 if latent == 200 else 60)
    model = build_model(common.train_data(1000, 40), hp, 0).eval()
    text = torch.from_numpy(common.text_table(classes, seed=5))
    labels = np.arange(classes)
    times: dict[str, list[float]] = {"pipeline": [], "released": []}
    with common.torch_threads(1):
        for _ in range(repeat):
            start = time.perf_counter()
            ours = fit_zsl_classifier(
                model,
                text,
                labels,
                hp.classifier_samples,
                hp.classifier_epochs,
                hp.classifier_lr,
                torch.Generator().manual_seed(3),
            )
            times["pipeline"].append(time.perf_counter() - start)
            start = time.perf_counter()
            released = fit_zsl_classifier_released(
                model,
                text,
                labels,
                hp.classifier_samples,
                hp.classifier_epochs,
                hp.classifier_lr,
                torch.Generator().manual_seed(3),
            )
            times["released"].append(time.perf_counter() - start)
    diff = float((ours.linear.weight - released.weight).abs().max())
    return min(times["released"]), min(times["pipeline"]), diff


def processes_speedup(split: str, quick: bool) -> tuple[float, float]:
    """(seconds with train.processes=1, seconds with 2) of train_split on a shortened schedule."""
    seconds = []
    for processes in (1, 2):
        with tempfile.TemporaryDirectory(prefix="zssar-bench-") as tmp:
            seconds.append(time_split(Path(tmp), split, quick, processes, cycles=2, steps=400)[1])
    return seconds[0], seconds[1]


def run(quick: bool) -> list[dict[str, Any]]:
    rows, total = [], 0.0
    label = " (quick: 2 x 100 steps, 1/10 data)" if quick else ""
    for split in SPLITS:
        with tempfile.TemporaryDirectory(prefix="zssar-bench-") as tmp:
            written, seconds, result = time_split(Path(tmp), split, quick)
        total += seconds
        hp = result["config"]["train"]
        schedule = f"{hp['cycles']} x {hp['steps_per_cycle']} steps, 2 models (main + validation carve)"
        rows.append(
            row(
                f"train_split {split}, 1 seed{label}",
                seconds,
                "s",
                "< 90 s (2 cores)" if split == "55_5" else "",
                f"{schedule}; ZSL {result['zsl_top1']:.1f} on random features; feature set written in "
                f"{written:.0f} s",
            )
        )
    rows.append(
        row(
            f"four SynSE splits, ZSL + GZSL table{label}",
            total / 60,
            "min",
            "< 15 min",
            "sum of the rows above, measured one after another",
        )
    )

    for classes, latent in ((5, 100), (24, 200)):
        released, ours, diff = classifier_fits(classes, latent, 1 if quick else 3)
        rows.append(
            row(
                f"ZSL classifier fit, {classes} classes x 500: line form vs released form",
                released / ours,
                "x faster",
                "",
                f"{released:.2f} s -> {ours:.2f} s per fit (20 fits per seed); max |dW| {diff:.1e}",
            )
        )
    one, two = processes_speedup("55_5", quick)
    rows.append(
        row(
            "main + validation model: two processes vs one",
            one / two,
            "x faster",
            "",
            f"train_split 55_5{label or ', 2 x 400 steps'}: {one:.1f} s with train.processes=1, "
            f"{two:.1f} s with 2 (the default; the load average says how free the second core was)",
        )
    )
    return rows
