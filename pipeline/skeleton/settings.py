"""Configuration of the skeleton side: synthetic data, preprocessing and the GCN backbone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SyntheticConfig:
    """Size, seed and sensor quality of the generated NTU-style dataset (the embedded default).

    Train subjects are the odd performer ids; `noise` is the mean sensor noise (metres, per joint and
    frame) and `dropout` the mean fraction of joints reported missing per frame.
    """

    samples_per_class: int = 24
    subjects: int = 8
    frames: int = 64
    seed: int = 0
    noise: float = 0.006
    dropout: float = 0.01


DEFAULT_PROTOCOL = "xsub"


@dataclass
class PrepareConfig:
    """How clips become fixed-size arrays (T frames, M bodies) before the backbone.

    `protocol` picks the train/test sides of a pyskl annotation pickle: xsub (NTU-60/120), xview
    (NTU-60) or xset (NTU-120); raw NTU folders are always xsub.
    """

    frames: int = 64
    max_bodies: int = 2
    workers: int = 0
    missing_list: str | None = None
    test_fraction: float = 0.3
    protocol: str = DEFAULT_PROTOCOL


@dataclass
class BackboneConfig:
    """ST-GCN backbone; `small` suits CPU runs, `base` is the ST-GCN-sized network for GPU runs.

    Defaults suit the synthetic demo on a 2-core CPU (~650 training clips per backbone, ~1.5 min
    each): on the 55/5 split, 10 epochs of batch 32 reach ~85% seen-class test accuracy. For NTU on a
    GPU use preset=base, epochs=50-80, batch_size=64-256 (scale lr with it), num_workers=8.
    `inputs` picks the input streams stacked as channels: joint (coordinates), bone (joint minus its
    parent towards the centre), velocity (next frame minus this frame), or with `multistream` one network
    per stream, fused late (model.py); `replicas` trains that backbone several times from different
    seeds and keeps every replica's networks as further streams. Augmentation while training: a random
    temporal crop of a fraction in [crop, 1] of the frames (resampled back to every frame; crop = 1 is
    none), a random rotation about the vertical (y) axis within +-rotate_deg and a random scale in
    [1 - scale, 1 + scale], drawn per clip from (seed, epoch). `amp` is autocast on CUDA only.
    `objective`: `ce` (a linear classifier over the seen classes), `text` (a linear head from the pooled
    feature to the text space, trained by cross-entropy over cos(head(z), t_c) / tau against the seen
    classes' fused text vectors t_c, fixed, centred on their mean and renormalised), or `both` (the sum
    of the two losses). With `text` or `both` the features carry the head's output as a `projection`
    column, which the `direct` zero-shot method scores against class texts.
    """

    preset: str = "small"
    embed_dim: int = 256
    inputs: list[str] = field(default_factory=lambda: ["joint"])
    multistream: bool = False  # one network per input (trained on its own loss), fused late
    # the whole backbone trained this many times, each replica from its own seed (initialisation, clip
    # order, augmentation; fit.replica_seed), their networks side by side as more streams: an ensemble
    replicas: int = 1
    epochs: int = 65  # CTR-GCN's NTU schedule; `zssar demo` uses a labelled short schedule
    batch_size: int = 32
    optimizer: str = "sgd"  # sgd (Nesterov momentum 0.9) | adamw
    lr: float = 0.1
    weight_decay: float = 5e-4
    warmup_epochs: int = 5
    label_smoothing: float = 0.1
    dropout: float = 0.1
    rotate_deg: float = 15.0
    scale: float = 0.1
    crop: float = 1.0  # shortest temporal crop, as a fraction of the frames (1: no crop)
    eval_batch_size: int = 256
    num_workers: int = 0
    threads: int = 0  # CPU threads for torch (0: torch's default, every core; under torchrun: the
    # launcher's OMP_NUM_THREADS); 1 is several times
    # faster on a machine whose cores other jobs share (bench/NOTES.md, B3)
    amp: bool = True
    temporal_features: bool = True
    objective: str = "ce"
    tau: float = 0.1  # temperature of the text objective's scaled cosines


@dataclass
class SkeletonConfig:
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    prepare: PrepareConfig = field(default_factory=PrepareConfig)
    backbone: BackboneConfig = field(default_factory=BackboneConfig)
    # Which clips of the unseen classes the unseen test part takes: `all` (every subject's: no backbone saw
    # those classes from anyone, as `val_test_unseen` already does), `test` (the test subjects' only), or
    # `auto`: `all` for dataset folders, which have no official protocol, and `test` for NTU, PKU-MMD and
    # the synthetic data, whose cross-subject protocols the papers report.
    unseen_test: str = "auto"
    # Which subjects' clips of the seen classes the backbones (and the zero-shot models) train on: `train`
    # (the training subjects; the others are the seen test part GZSL needs) or `all` (every subject's, as
    # zero-shot tools without a GZSL protocol do: ZSL only, no seen test part, no GZSL figures).
    seen_train: str = "train"
