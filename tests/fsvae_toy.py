"""A small synthetic feature set and text table for the trainer's tests: classes are points of a shared
6-d structure, so unseen classes are predictable from their text, and features are separable."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipeline.artifacts.feature_sets import KIND, Part, write_part
from pipeline.artifacts.kinds import feature_ref
from pipeline.catalog import Dataset, Split
from pipeline.store import Store, hash_spec

N_CLASSES = 16
# A schedule short enough for tests: every method learns the toy classes within it.
TINY = {
    "cycles": 2,
    "steps_per_cycle": 120,
    "batch_size": 32,
    "lr": 1e-3,
    "classifier_samples": 50,
    "classifier_epochs": 60,
}
SPLIT = Split(
    "unseen:1,5,9,13",
    unseen=(1, 5, 9, 13),
    seen=(0, 2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15),
    val_unseen=(2, 7, 11, 15),
    val_seen=(0, 3, 4, 6, 8, 10, 12, 14),
)
DATASET = Dataset(name="toy", labels=tuple(f"action {i}" for i in range(N_CLASSES)))


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@dataclass
class ToyText:
    """Duck-typed TextFeatures: per-field (C, d) vectors, fused = normalise(concat)."""

    fields: dict[str, np.ndarray]
    key: str = "toy-text"
    encoder: str = "toy-encoder"
    dim: int = 16
    descriptions_sha256: str = "0" * 64
    labels: list[str] = field(default_factory=list)

    def fused(self, fields=("label", "local", "global")) -> np.ndarray:
        return _normalise(np.concatenate([self.fields[f] for f in fields], axis=1))


def make_toy(
    store: Store,
    temporal: bool = False,
    logits: bool = True,
    validation: bool = True,
    seed: int = 0,
    projection: bool = False,
    streams: int = 1,
) -> tuple[str, ToyText]:
    """Write a feature set for SPLIT into the store (and point the split's ref at it); return its key and texts.
    With `projection`, each part gets a text-space projection as a text-trained backbone's: the class's
    fused text centred on the backbone's seen classes' mean, plus noise, L2-normalised. `streams` is what the
    set records of its backbone (FeatureSet.streams), its 256 feature columns read as that many networks'."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(N_CLASSES, 6))
    text = ToyText(
        {
            f: _normalise(z @ rng.normal(size=(6, 16)) + 0.05 * rng.normal(size=(N_CLASSES, 16)))
            for f in ("label", "local", "global")
        }
    )
    proj = rng.normal(size=(6, 256)) / 2
    fused = text.fused()

    def samples(classes, n, backbone_seen, noise):
        y = np.repeat(np.asarray(classes), n)
        f = np.maximum(z[y] @ proj + 0.6 + noise * rng.normal(size=(len(y), 256)), 0).astype(np.float32)
        protos = np.maximum(z[list(backbone_seen)] @ proj + 0.6, 0)
        lg = -((f[:, None, :] - protos[None]) ** 2).sum(-1) / 50.0
        t = None
        if temporal:
            wave = 1 + 0.3 * np.sin(np.linspace(0, 2 * np.pi, 8))[None, :, None] * rng.normal(
                size=(len(y), 1, 256)
            )
            t = (f[:, None, :] * wave).astype(np.float32)
        return Part(
            sample_id=np.array([f"s{i}" for i in range(len(y))]),
            class_idx=y,
            feature=f,
            logits=lg.astype(np.float32) if logits else None,
            temporal=t,
            seen_classes=tuple(backbone_seen) if logits else (),
            projection=_normalise(
                fused[y] - fused[list(backbone_seen)].mean(0) + 0.1 * rng.normal(size=(len(y), 48))
            )
            if projection
            else None,
        )

    parts = {
        "train": samples(SPLIT.seen, 30, SPLIT.seen, 0.3),
        "test_seen": samples(SPLIT.seen, 10, SPLIT.seen, 0.3),
        "test_unseen": samples(SPLIT.unseen, 15, SPLIT.seen, 0.3),
    }
    if validation:
        parts |= {
            "val_train": samples(SPLIT.val_seen, 30, SPLIT.val_seen, 0.3),
            "val_test_seen": samples(SPLIT.val_seen, 10, SPLIT.val_seen, 0.3),
            "val_test_unseen": samples(SPLIT.val_unseen, 15, SPLIT.val_seen, 0.3),
        }
    spec = {"toy": seed, "temporal": temporal, "logits": logits, "validation": validation}
    if projection:
        spec["projection"] = True
    key = hash_spec(KIND, spec)
    info = {"protocol": "toy protocol", "split": SPLIT.name, "streams": streams}
    with store.writer(KIND, key, spec, info=info) as folder:
        for name, part in parts.items():
            write_part(folder, name, part)
    store.set_ref(feature_ref(DATASET.name, SPLIT.slug), KIND, key)
    return key, text
