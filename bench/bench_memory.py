"""Item 5: peak resident memory of every stage on the demo data, and of NTU-120-sized feature arrays.

Stages: the cold run of bench/stages.py (each stage its own process; peak RSS from the kernel).
NTU-120 sizes: a generated feature set for split 110_10 with the cross-subject protocol's part sizes
(about 210k rows over the six parts, 256-d features and backbone logits), then, each in a fresh process:
writing it, loading it (`load_feature_set`; with time-resolved features, also as the feature mode loads
it, without them), and `train_split` on it with a 2 x 50-step schedule (the
arrays, not the schedule, set the memory). Time-resolved features (16 x 256 per clip, which the
backbone writes by default) are measured on a quarter of the rows and scaled by 4, labelled. And the
extraction's output handling on its own, with a stand-in network, at an NTU-60 part's size.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import common
import stages
from common import row

HERE = Path(__file__).resolve().parent


def assemble(clips: int) -> None:
    """`run_backbone`'s handling of its outputs alone: a stand-in network that returns NTU-shaped outputs
    at once, so the outputs (temporal 16 x 256 per clip) and not the activations set the peak."""
    import numpy as np
    import torch

    from pipeline.skeleton.device import Runtime
    from pipeline.skeleton.extract import run_backbone
    from pipeline.skeleton.model import BackboneOutput

    class Instant(torch.nn.Module):
        def forward(self, x: torch.Tensor, temporal: bool = False) -> BackboneOutput:
            n = len(x)
            return BackboneOutput(torch.zeros(n, 55), torch.zeros(n, 256), torch.ones(n, 16, 256))

    x = np.zeros((clips, 2, 4, 25, 3), np.float16)
    run_backbone(Instant(), x, np.arange(clips), Runtime(torch.device("cpu")), 256, True)


def child(task: str, root: str, scale: float, temporal: int) -> None:
    """One measured task, in its own process."""
    if task == "assemble":
        return assemble(int(scale))
    from pipeline.artifacts.feature_sets import load_feature_set
    from pipeline.config import Config
    from pipeline.store import Store

    dataset, split, key, text = common.write_feature_store(
        Path(root) / "store", "110_10", scale=scale, temporal_steps=temporal
    )
    if task in ("load", "load-pooled"):
        fs = load_feature_set(Store(Path(root) / "store"), key, temporal=task == "load")
        print(sum(len(p) for p in fs.parts.values()), "rows")
    elif task == "train":
        from pipeline.stages.train import train_split

        cfg = Config(store=str(Path(root) / "store"), results=str(Path(root) / "results"), device="cpu")
        cfg.train.cycles, cfg.train.steps_per_cycle = 2, 50
        train_split(dataset, split, cfg, features=key, text=text)


def measure_child(task: str, root: Path, scale: float, temporal: int) -> stages.Run:
    run = stages.measure(
        [sys.executable, str(HERE / "bench_memory.py"), task, str(root), str(scale), str(temporal)]
    )
    if run.returncode != 0:
        raise RuntimeError(f"memory task {task} failed: {run.output[-500:]}")
    return run


def run(quick: bool) -> list[dict[str, Any]]:
    rows = []
    _, cold = stages.cold()
    for stage, r in cold.items():
        rows.append(
            row(f"peak RSS: {stage} (demo data)", r.peak_rss_mib, "MiB", "", f"cold run, {r.seconds:.1f} s")
        )
    scale = 0.05 if quick else 1.0
    rows_120 = sum(common.part_sizes("110_10").values())
    label = f" ({scale:g} of NTU-120)" if quick else ""
    with tempfile.TemporaryDirectory(prefix="zssar-bench-mem-") as tmp:
        root = Path(tmp)
        for task in ("write", "load", "train"):
            r = measure_child(task, root, scale, 0)
            rows.append(
                row(
                    f"peak RSS: {task} NTU-120-sized features{label}",
                    r.peak_rss_mib,
                    "MiB",
                    "",
                    f"110_10, {int(rows_120 * scale)} rows in six parts, 256-d + logits"
                    + (", 2 x 50 steps" if task == "train" else ""),
                )
            )
    clips = 2000 if quick else 40_000
    r = measure_child("assemble", Path(tempfile.gettempdir()), clips, 0)
    rows.append(
        row(
            f"peak RSS: extraction outputs of {clips} clips (stand-in network)",
            r.peak_rss_mib,
            "MiB",
            "",
            f"temporal features alone {clips * 16 * 256 * 4 / 2**20:.0f} MiB; before filling in place: "
            "1572 MiB at 40k clips (bench/NOTES.md)",
        )
    )
    with tempfile.TemporaryDirectory(prefix="zssar-bench-mem-") as tmp:
        root, part = Path(tmp), scale / 4
        base = measure_child("write", root, part, 0).peak_rss_mib
        for task, what in (
            ("write", "write"),
            ("load", "load (temporal mode: every column)"),
            ("load-pooled", "load (feature mode: temporal column unread)"),
        ):
            r = measure_child(task, root, part, 16)
            rows.append(
                row(
                    f"peak RSS: {what} NTU-120-sized features with temporal (x4 from 1/4)",
                    base + 4 * (r.peak_rss_mib - base),
                    "MiB",
                    "",
                    f"measured {r.peak_rss_mib:.0f} MiB at {part:g} of the rows; the array alone is "
                    f"{rows_120 * scale * 16 * 256 * 4 / 2**20:.0f} MiB",
                )
            )
    return rows


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
