"""Item 3: backbone training and feature extraction throughput (clips/s), and where the time goes.

Input: NTU-shaped prepared clips (N, 2 bodies, 64 frames, 25 joints, xyz) in float16 as the store keeps
them, the second body present in a fifth of the clips (NTU's two-person share), 55 classes. The backbone
is the configured default (`small` preset, 256-d, joint stream) through the pipeline's own functions:
`train_backbone` for one epoch, `run_backbone` for extraction. The loader's share is timed by running
the same DataLoader alone; the profiler names the most expensive operators of the model.

No GPU in this task: the GPU rows say "not measured". On a GPU the same functions run with autocast
(bf16/fp16); the rows to fill in are the same.
"""

from __future__ import annotations

import time
from typing import Any

import common
import numpy as np
import torch
from common import row

CLASSES = 55


def prepared(n: int, seed: int = 0):
    from pipeline.skeleton.clips import Prepared

    rng = np.random.default_rng(seed)
    x = rng.normal(scale=0.3, size=(n, 2, 64, 25, 3)).astype(np.float16)
    x[rng.random(n) >= 0.2, 1] = 0  # one body in four of five clips
    return Prepared(
        x=x,
        label=rng.integers(0, CLASSES, n),
        subject=np.ones(n, np.int64),
        view=np.ones(n, np.int64),
        sample_id=np.array([f"c{i}" for i in range(n)]),
        layout="ntu25",
        train_subjects=(1,),
    )


def train_throughput(data, batch_size: int) -> float:
    from pipeline.skeleton.device import runtime
    from pipeline.skeleton.layouts import NTU25
    from pipeline.skeleton.settings import BackboneConfig
    from pipeline.skeleton.training import train_backbone

    bcfg = BackboneConfig(epochs=1, warmup_epochs=0, batch_size=batch_size)
    with runtime("cpu", bcfg.amp) as rt:
        start = time.perf_counter()
        train_backbone(data, np.arange(len(data)), tuple(range(CLASSES)), NTU25, bcfg, 0, rt)
        return len(data) / (time.perf_counter() - start)


def model(seed: int = 0):
    from pipeline.skeleton.layouts import NTU25
    from pipeline.skeleton.model import build_model
    from pipeline.skeleton.settings import BackboneConfig

    b = BackboneConfig()
    torch.manual_seed(seed)
    return build_model(NTU25, CLASSES, b.preset, b.embed_dim, b.inputs, b.dropout).eval()


def extract_throughput(net, data, batch_size: int) -> float:
    from pipeline.skeleton.device import runtime
    from pipeline.skeleton.extract import run_backbone

    with runtime("cpu", True) as rt:
        start = time.perf_counter()
        run_backbone(net, data.x, np.arange(len(data)), rt, batch_size, temporal=True)
        return len(data) / (time.perf_counter() - start)


def loader_seconds(data, batch_size: int, shuffle: bool) -> float:
    """One pass of the stage's DataLoader alone (reading, float16 -> float32, NaN -> 0)."""
    from pipeline.skeleton.device import Runtime
    from pipeline.skeleton.loader import make_loader

    loader, sampler = make_loader(
        data.x,
        np.arange(len(data)),
        data.label.astype(np.int64) if shuffle else None,
        batch_size,
        Runtime(torch.device("cpu")),
        0,
        shuffle=shuffle,
        seed=0,
    )
    if sampler is not None:
        sampler.set_epoch(0)
    start = time.perf_counter()
    for _ in loader:
        pass
    return time.perf_counter() - start


def top_ops(net, data, batch_size: int, n: int = 4) -> str:
    from torch.profiler import ProfilerActivity, profile

    x = torch.from_numpy(data.x[:batch_size].astype(np.float32))
    with torch.inference_mode():
        net(x, temporal=True)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            net(x, temporal=True)
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events)
    return ", ".join(f"{e.key} {100 * e.self_cpu_time_total / total:.0f}%" for e in events[:n])


def run(quick: bool) -> list[dict[str, Any]]:
    n_train, n_extract = (128, 512) if quick else (640, 2048)
    rows = []
    data_train, data_extract = prepared(n_train), prepared(n_extract, seed=1)
    net = model()
    for threads in (1, 2):
        tag = f"CPU, {threads} thread{'s' * (threads > 1)}"
        with common.torch_threads(threads):
            train = max(train_throughput(data_train, 32) for _ in range(1 if quick else 2))
            load_train = loader_seconds(data_train, 32, shuffle=True)
            rows.append(
                row(
                    f"backbone training ({tag})",
                    train,
                    "clips/s",
                    "",
                    f"batch 32, one epoch of {n_train}; loader alone {100 * load_train * train / n_train:.0f}% "
                    f"of the time",
                )
            )
            extract_throughput(net, prepared(256, seed=2), 256)  # warm-up
            ext = max(extract_throughput(net, data_extract, 256) for _ in range(1 if quick else 2))
            load_ext = loader_seconds(data_extract, 256, shuffle=False)
            rows.append(
                row(
                    f"feature extraction ({tag})",
                    ext,
                    "clips/s",
                    "model-bound, not loader-bound",
                    f"batch 256, {n_extract} clips, temporal features on; loader alone "
                    f"{100 * load_ext * ext / n_extract:.0f}% of the time",
                )
            )
    with common.torch_threads(1):
        rows.append(row("extraction: top operators (1 thread)", "", "", "", top_ops(net, data_extract, 256)))
    clips = sum(common.part_sizes("55_5").values())
    rate = next(r["value"] for r in rows if r["name"] == "feature extraction (CPU, 1 thread)")
    rows.append(
        row(
            "55/5 feature set at this rate (1 thread)",
            clips / rate / 60,
            "min",
            "",
            f"{clips} clip passes: the six parts of the main and the validation backbone",
        )
    )
    for what in ("training", "extraction"):
        rows.append(
            row(
                f"backbone {what} (GPU, autocast)",
                "not measured",
                "clips/s",
                "extraction GPU-bound" if what == "extraction" else "",
                "no GPU in this task",
            )
        )
    return rows
