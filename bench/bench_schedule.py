"""Item 2: whole training schedules on cached features, end to end through `train_split`.

A synthetic NTU-sized feature set for each SynSE split (all six parts with backbone logits; see
common.write_feature_store) goes into a temporary store, and `pipeline.fsvae.run.train_split` runs the
released preset on it: per seed a main and a validation-carve model in lockstep, a ZSL classifier and an
evaluation after every cycle, the gate, the result files. NTU-60 splits: 10 cycles x 1700 steps; NTU-120:
10 x 1900, latent 200. Text: 1536-d. Threads: the trainer's own setting (`train.threads`, default 1).

`--quick` shortens the schedule to 2 cycles x 100 steps and the feature set to a tenth; its rows say so.

Measured beside it:
- the ZSL classifier: the pipeline's line form (`fit_zsl_classifier`) against the released form
  (bench/released_classifier.py), on the same draws: time and the largest weight difference;
- the main and validation-carve models trained in two processes at once against one after the other.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import common
from common import row

SPLITS = ("55_5", "48_12", "110_10", "96_24")


def time_split(root: Path, split: str, quick: bool, threads: int = 1) -> tuple[float, float, dict[str, Any]]:
    """(seconds to write the feature set, seconds of train_split, its result) for one seed of one split."""
    from pipeline.config import Config
    from pipeline.fsvae.run import train_split

    start = time.perf_counter()
    dataset, sp, key, text = common.write_feature_store(root / "store", split,
                                                       scale=0.1 if quick else 1.0)
    written = time.perf_counter() - start
    cfg = Config(store=str(root / "store"), results=str(root / "results"), device="cpu")
    cfg.train.threads = threads
    if quick:
        cfg.train.cycles, cfg.train.steps_per_cycle = 2, 100
    start = time.perf_counter()
    (result,) = train_split(dataset, sp, cfg, features=key, text=text)
    return written, time.perf_counter() - start, result


def classifier_fits(classes: int, latent: int, repeat: int) -> tuple[float, float, float]:
    """(released-form seconds, pipeline seconds, largest weight difference) of one ZSL classifier fit with
    the released settings (500 latents per class, 300 full-batch Adam epochs), best of `repeat`."""
    import torch

    from released_classifier import fit_zsl_classifier_released
    from pipeline.fsvae.classifier import fit_zsl_classifier
    from pipeline.fsvae.train import build_model

    hp = common.fsvae_hyper(120 if latent == 200 else 60)
    model = build_model(common.train_data(1000, 40), hp, 0).eval()
    text = torch.from_numpy(common.text_table(classes, seed=5))
    labels = np.arange(classes)
    times: dict[str, list[float]] = {"pipeline": [], "released": []}
    with common.torch_threads(1):
        for _ in range(repeat):
            start = time.perf_counter()
            ours = fit_zsl_classifier(model, text, labels, hp.classifier_samples, hp.classifier_epochs,
                                      hp.classifier_lr, torch.Generator().manual_seed(3))
            times["pipeline"].append(time.perf_counter() - start)
            start = time.perf_counter()
            released = fit_zsl_classifier_released(model, text, labels, hp.classifier_samples,
                                                   hp.classifier_epochs, hp.classifier_lr,
                                                   torch.Generator().manual_seed(3))
            times["released"].append(time.perf_counter() - start)
    diff = float((ours.linear.weight - released.weight).abs().max())
    return min(times["released"]), min(times["pipeline"]), diff


def _train_branch(args: tuple[str, str, int, int]) -> float:
    """One branch's training alone (a worker process): seconds for its cycles."""
    import torch

    from pipeline.fsvae.train import build_model, train_cycles

    split, part, steps, seed = args
    torch.set_num_threads(1)
    n = common.part_sizes(split)[part]
    _, sp = common.synse_split(split)
    data = common.train_data(n, len(sp.seen) if part == "train" else len(sp.val_seen))
    hp = common.fsvae_hyper(60, cycles=1, steps_per_cycle=steps, calibrated_steps=steps * 3 // 17)
    model = build_model(data, hp, seed)
    start = time.perf_counter()
    for _ in train_cycles(model, data, hp, seed):
        pass
    return time.perf_counter() - start


def parallel_branches(split: str, steps: int) -> tuple[float, float]:
    """(seconds one after the other, seconds in two processes at once) for the main and the validation
    model's training of one cycle."""
    jobs = [(split, "train", steps, 0), (split, "val_train", steps, 1)]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        pool.map(_train_branch, [(split, "train", 10, 0)] * 2)  # start-up and imports outside the timing
        start = time.perf_counter()
        for job in jobs:
            pool.apply(_train_branch, (job,))
        sequential = time.perf_counter() - start
        start = time.perf_counter()
        pool.map(_train_branch, jobs)
        parallel = time.perf_counter() - start
    return sequential, parallel


def run(quick: bool) -> list[dict[str, Any]]:
    rows, total = [], 0.0
    label = " (quick: 2 x 100 steps, 1/10 data)" if quick else ""
    for split in SPLITS:
        with tempfile.TemporaryDirectory(prefix="zssar-bench-") as tmp:
            written, seconds, result = time_split(Path(tmp), split, quick)
        total += seconds
        hp = result["config"]["train"]
        schedule = f"{hp['cycles']} x {hp['steps_per_cycle']} steps, 2 models (main + validation carve)"
        rows.append(row(f"train_split {split}, 1 seed{label}", seconds, "s",
                        "< 90 s (2 cores)" if split == "55_5" else "",
                        f"{schedule}; ZSL {result['zsl_top1']:.1f} on random features; feature set written in "
                        f"{written:.0f} s"))
    rows.append(row(f"four SynSE splits, ZSL + GZSL table{label}", total / 60, "min", "< 15 min",
                    "sum of the rows above, measured one after another"))

    for classes, latent in ((5, 100), (24, 200)):
        released, ours, diff = classifier_fits(classes, latent, 1 if quick else 3)
        rows.append(row(f"ZSL classifier fit, {classes} classes x 500: line form vs released form", released / ours,
                        "x faster", "", f"{released:.2f} s -> {ours:.2f} s per fit (20 fits per seed); max |dW| "
                                        f"{diff:.1e}"))
    steps = 100 if quick else 1700
    sequential, parallel = parallel_branches("55_5", steps)
    rows.append(row("proposal: main + val models in two processes", sequential / parallel, "x faster", "",
                    f"one cycle of {steps} steps each: {sequential:.1f} s one after the other, {parallel:.1f} s at "
                    f"once (1 thread each; the load average says how free the second core was)"))
    return rows
