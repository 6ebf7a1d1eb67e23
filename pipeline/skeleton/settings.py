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
    """ST-GCN backbone; `small` suits CPU runs, `base` is the ST-GCN-sized network for GPU runs.

    Defaults are sized for the synthetic demo on a 2-core CPU (about 1000 clips per backbone): the
    small preset learns the synthetic classes in ~15 epochs; for NTU on a GPU use preset=base,
    epochs=65 (ST-GCN's 80 with cosine decay converges earlier), batch_size=64-256, num_workers=8.
    `inputs` picks the input streams stacked as channels: joint (coordinates), bone (joint minus its
    parent towards the centre), velocity (next frame minus this frame). `rotate_deg` and `scale` set
    the training augmentation: a random rotation about the vertical (y) axis within +-rotate_deg and a
    random scale in [1 - scale, 1 + scale], drawn per clip from the seed and epoch.
    """

    preset: str = "small"
    embed_dim: int = 256
    inputs: list[str] = field(default_factory=lambda: ["joint"])
    epochs: int = 15
    batch_size: int = 64
    lr: float = 0.05
    weight_decay: float = 5e-4
    warmup_epochs: int = 1
    label_smoothing: float = 0.1
    dropout: float = 0.1
    rotate_deg: float = 15.0
    scale: float = 0.1
    eval_batch_size: int = 256
    num_workers: int = 0
    amp: bool = True
    temporal_features: bool = True


@dataclass
class SkeletonConfig:
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    prepare: PrepareConfig = field(default_factory=PrepareConfig)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
