"""Configuration of the trainer; defaults are the released FS-VAE values for NTU-60 (DESIGN.md section 5)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainConfig:
    method: str = "fsvae"
    preset: str = "released"
    seeds: int = 1
    fields: list[str] = field(default_factory=lambda: ["label", "local", "global"])
    frequency: str = "feature"
    bands: int = 30
    strength: float = 0.3
    phi: int | None = None
    latent_dim: int = 100
    batch_size: int = 64
    lr: float = 1e-4
    cycles: int = 10
    steps_per_cycle: int = 1700
    calibrated_steps: int = 300
    lam: float = 100.0
    alpha: float = 0.5
    device: str = "auto"
