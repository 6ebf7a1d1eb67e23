"""What the benchmark modules share: rows, timing, thread settings, and NTU-sized synthetic inputs.

Synthetic inputs stand in for cached features: the benchmarks measure speed and memory, which depend on
the arrays' shapes, not on what the numbers mean. Sizes follow NTU's cross-subject protocol and the
SynSE splits (57k / 114k clips for NTU-60 / NTU-120; the validation-carve parts come from a second
backbone, so a feature set holds more rows than the dataset has clips).
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.hardware import torch_threads  # noqa: F401  (the benchmarks pin threads as the pipeline does)

# Clips per class of NTU's cross-subject protocol (training subjects, test subjects): NTU-60 has 40,320
# and 16,560 clips over 60 classes, NTU-120 63,026 and 50,919 over 120.
PER_CLASS = {"ntu60": (672, 276), "ntu120": (525, 424)}
SKELETON_DIM = 256
TEXT_DIM = 1536


def row(name: str, value: float | str | None, unit: str = "", target: str = "", note: str = "") -> dict[str, Any]:
    return {"name": name, "value": value, "unit": unit, "target": target, "note": note}


def load_average() -> float:
    return os.getloadavg()[0]


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 1) -> list[float]:
    """Wall seconds of `repeat` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def best_of(times: list[float]) -> float:
    """The minimum: on a shared machine the other jobs only ever add time."""
    return min(times)


def median(times: list[float]) -> float:
    return statistics.median(times)


# --- the FS-VAE trainer's inputs ----------------------------------------------------------------------


def text_table(classes: int, dim: int = TEXT_DIM, seed: int = 0) -> np.ndarray:
    """Unit-norm class vectors, as the fused text features are."""
    t = np.random.default_rng(seed).normal(size=(classes, dim)).astype(np.float32)
    return t / np.linalg.norm(t, axis=1, keepdims=True)


def features(
    n: int,
    classes: np.ndarray,
    rng: np.random.Generator,
    dim: int = SKELETON_DIM,
) -> tuple[np.ndarray, np.ndarray]:
    """(n, dim) rectified features clustered by class, and their class labels drawn from `classes`."""
    y = rng.choice(classes, size=n)
    centres = np.maximum(rng.normal(size=(int(classes.max()) + 1, dim)), 0)
    x = np.maximum(centres[y] + 0.5 * rng.normal(size=(n, dim)), 0).astype(np.float32)
    return x, y.astype(np.int64)


def train_data(n: int, classes: int, d_s: int = SKELETON_DIM, d_t: int = TEXT_DIM, seed: int = 0):
    """A `pipeline.zsl.train.TrainData` of n samples over `classes` classes, on the CPU."""
    import torch

    from pipeline.zsl.train import TrainData

    rng = np.random.default_rng(seed)
    x, y = features(n, np.arange(classes), rng, d_s)
    f = torch.from_numpy(x)
    return TrainData(
        inputs=f,
        features=f,
        rows=torch.from_numpy(y),
        text=torch.from_numpy(text_table(classes, d_t)),
        classes=tuple(range(classes)),
    )


def fsvae_hyper(num_classes: int = 60, **overrides: Any):
    """The released FS-VAE preset for a dataset of `num_classes` classes, with `overrides` (Hyper fields)."""
    from pipeline.catalog import Dataset
    from pipeline.zsl.presets import resolve
    from pipeline.zsl.settings import TrainConfig

    hp = resolve(TrainConfig(), Dataset("bench", tuple(str(i) for i in range(num_classes))))
    return dataclasses.replace(hp, **overrides)


def constant_schedule(hp, beta_s: float = 0.1, beta_t: float = 0.1, align: float | None = None):
    """`hp` with every loss weight constant: by default the FS-VAE step where every term is on (both KL
    terms and the calibrated alignment; the other methods' terms off)."""
    from pipeline.zsl.schedule import Ramp

    weights = dict.fromkeys(hp.schedule, 0.0) | {
        "beta_s": beta_s,
        "beta_t": beta_t,
        "align": hp.alpha if align is None else align,
    }
    return dataclasses.replace(hp, schedule={k: Ramp(v, start=-1.0) for k, v in weights.items()})


def synse_split(name: str) -> tuple[Any, Any]:
    """(dataset, split) of a SynSE split from the catalog."""
    from pipeline.catalog import SYNSE_SPLITS, get_dataset, get_split

    dataset = get_dataset(SYNSE_SPLITS[name])
    return dataset, get_split(dataset, name)


def part_sizes(split: str, scale: float = 1.0) -> dict[str, int]:
    """Rows of each part of a SynSE split: the cross-subject protocol's clips per class, times `scale`."""
    dataset, sp = synse_split(split)
    tr, te = PER_CLASS[dataset.name]
    counts = {
        "train": (sp.seen, tr),
        "test_seen": (sp.seen, te),
        "test_unseen": (sp.unseen, te),
        "val_train": (sp.val_seen, tr),
        "val_test_seen": (sp.val_seen, te),
        "val_test_unseen": (sp.val_unseen, tr + te),
    }
    return {name: max(int(per * len(classes) * scale), len(classes)) for name, (classes, per) in counts.items()}


def write_feature_store(
    root: Path, split: str, d_t: int = TEXT_DIM, scale: float = 1.0, seed: int = 0, temporal_steps: int = 0
) -> tuple[Any, Any, str, SyntheticText]:
    """A store under `root` holding an NTU-sized feature set (all six parts, with logits) for a SynSE split,
    written unless it is there already.

    Returns (dataset, split, feature key, text) where text is duck-typed like `TextFeatures`. `scale`
    shrinks every part (for quick runs); `temporal_steps` > 0 adds (T', 256) time-resolved features.
    """
    from pipeline.artifacts.feature_sets import KIND, Part, write_part
    from pipeline.store import Store, hash_spec

    dataset, sp = synse_split(split)
    text = SyntheticText(text_table(dataset.num_classes, d_t, seed))
    store = Store(root)
    spec = {"bench": split, "scale": scale, "seed": seed, "temporal": temporal_steps}
    key = hash_spec(KIND, spec)
    if store.has(KIND, key):
        return dataset, sp, key, text
    rng = np.random.default_rng(seed)
    sizes = part_sizes(split, scale)

    def part(name: str, classes: tuple[int, ...], backbone_seen: tuple[int, ...]) -> Part:
        n = sizes[name]
        x, y = features(n, np.asarray(sorted(classes)), rng)
        logits = rng.normal(size=(n, len(backbone_seen))).astype(np.float32)
        t = None
        if temporal_steps:
            t = (x[:, None, :] * rng.uniform(0.5, 1.5, size=(n, temporal_steps, 1))).astype(np.float32)
        return Part(
            sample_id=np.array([f"s{i}" for i in range(n)]),
            class_idx=y,
            feature=x,
            logits=logits,
            temporal=t,
            seen_classes=tuple(sorted(backbone_seen)),
        )

    with store.writer(KIND, key, spec, info={"protocol": "synthetic benchmark", "split": sp.name}) as folder:
        for name, classes, seen in (
            ("train", sp.seen, sp.seen),
            ("test_seen", sp.seen, sp.seen),
            ("test_unseen", sp.unseen, sp.seen),
            ("val_train", sp.val_seen, sp.val_seen),
            ("val_test_seen", sp.val_seen, sp.val_seen),
            ("val_test_unseen", sp.val_unseen, sp.val_seen),
        ):
            write_part(folder, name, part(name, classes, seen))
    return dataset, sp, key, text


@dataclass
class SyntheticText:
    """Duck-typed `TextFeatures`: one fused table, whatever the fields."""

    table: np.ndarray
    key: str = "bench-text"
    encoder: str = "synthetic"
    descriptions_sha256: str = "0" * 64

    def fused(self, fields: Any = None) -> np.ndarray:
        return self.table
