"""Configuration of the skeleton side: synthetic data, preprocessing and the GCN backbone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SyntheticConfig:
    """Size and seed of the generated NTU-style dataset (the embedded default)."""

    samples_per_class: int = 24
    subjects: int = 8
    frames: int = 64
    seed: int = 0


@dataclass
class PrepareConfig:
    """How clips become fixed-size arrays (T frames, M bodies) before the backbone."""

    frames: int = 64
    max_bodies: int = 2
    workers: int = 0
    missing_list: str | None = None
    test_fraction: float = 0.3


@dataclass
class BackboneConfig:
    """ST-GCN backbone; `small` suits CPU runs, `base` is the ST-GCN-sized network for GPU runs."""

    preset: str = "small"
    embed_dim: int = 256
    epochs: int = 30
    batch_size: int = 64
    lr: float = 0.05
    weight_decay: float = 5e-4
    num_workers: int = 0
    amp: bool = True
    temporal_features: bool = True


@dataclass
class SkeletonConfig:
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    prepare: PrepareConfig = field(default_factory=PrepareConfig)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
