"""A tiny structured skeleton dataset for the backbone tests (no dependence on the prepare stage).

Six classes, each a distinct motion (one hand oscillating at a class-specific frequency along a
class-specific axis), four subjects of which 0 and 1 are the training subjects; class 5 is a
two-person class. Small enough that a fit of both backbones takes a couple of seconds on one core.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipeline.catalog import Split
from pipeline.config import Config
from pipeline.skeleton.clips import Prepared

CLASSES = 6
FRAMES = 16


def tiny_prepared(
    per_class: int = 8, frames: int = FRAMES, joints: int = 25, layout: str = "ntu25", seed: int = 0
) -> Prepared:
    rng = np.random.default_rng(seed)
    label = np.repeat(np.arange(CLASSES), per_class)
    n = len(label)
    t = np.linspace(0.0, 1.0, frames)
    rest = rng.normal(0.0, 0.3, (joints, 3))
    x = np.broadcast_to(rest, (n, 2, frames, joints, 3)).copy()
    x += rng.normal(0.0, 0.02, x.shape)
    for i, c in enumerate(label):
        x[i, 0, :, 7 % joints, c % 3] += 0.5 * np.sin(2 * np.pi * (1 + c // 3) * t + rng.uniform(0, 0.5))
    x[label != 5, 1] = 0.0  # one performer, except in the two-person class
    return Prepared(
        x=x.astype(np.float16),
        label=label.astype(np.int64),
        subject=np.tile(np.arange(4), -(-n // 4))[:n].astype(np.int64),
        view=np.zeros(n, np.int64),
        sample_id=np.array([f"c{c:02d}n{i:03d}" for i, c in enumerate(label)]),
        layout=layout,
        train_subjects=(0, 1),
    )


def tiny_split() -> Split:
    return Split("tiny", unseen=(5,), seen=(0, 1, 2, 3, 4), val_unseen=(2,), val_seen=(0, 1, 3, 4))


def tiny_config(store: Path, epochs: int = 2, seed: int = 0) -> Config:
    cfg = Config()
    cfg.store = str(store)
    cfg.device = "cpu"
    cfg.seed = seed
    cfg.skeleton.backbone.epochs = epochs
    cfg.skeleton.backbone.batch_size = 8
    cfg.skeleton.backbone.eval_batch_size = 16
    return cfg
