"""The `skeleton-features` artifact: the contract between the backbone (or an imported dump) and the trainers.

A feature set is one store artifact of kind `skeleton-features` holding one Parquet file per part:
`train`, `test_seen`, `test_unseen` for the split, and `val_train`, `val_test_seen`, `val_test_unseen`
for its validation carve (a backbone trained on the pseudo-seen classes only). Each row: `sample_id`,
`class_idx` (dataset class index), `feature` (pooled embedding), `logits` (the backbone's scores over
its own seen classes, in the order of `seen_classes` in the metadata), optionally `temporal`
(T' x D time-resolved features, flattened; shape in the metadata) for the temporal frequency mode, and
optionally `projection` (the text head's output of a backbone trained with a text objective, in the text
space, L2-normalised) for the `direct` method. The info records `streams`: how many backbone networks'
features lie side by side in `feature` (FeatureSet.streams), which `fusion` maps one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.artifacts.kinds import SKELETON_FEATURES as KIND
from pipeline.artifacts.tables import read_table, write_table
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.store import Store

MAIN_PARTS = ("train", "test_seen", "test_unseen")
VAL_PARTS = ("val_train", "val_test_seen", "val_test_unseen")
PARTS = MAIN_PARTS + VAL_PARTS


@dataclass
class Part:
    """One part of a feature set."""

    sample_id: np.ndarray
    class_idx: np.ndarray
    feature: np.ndarray
    logits: np.ndarray | None = None
    temporal: np.ndarray | None = None
    seen_classes: tuple[int, ...] = ()
    projection: np.ndarray | None = None
    descriptor: np.ndarray | None = None  # the hand-crafted motion descriptor: computed when read, never stored
    # the backbone's channels per body part: for each network one block per part of pipeline.bodyparts, each
    # the part's joints side by side, zero-padded to the largest part; computed when read, never stored
    bodyparts: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.class_idx)


@dataclass
class FeatureSet:
    """All parts of a split's skeleton features plus where they came from."""

    key: str
    parts: dict[str, Part]
    meta: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Part:
        if name not in self.parts:
            raise MissingArtifactError(
                f"feature set {self.key} has no part {name!r} (has {', '.join(self.parts)})"
            )
        return self.parts[name]

    @property
    def streams(self) -> int:
        """How many backbone networks' features lie side by side in `feature` (a multi-stream backbone
        concatenates its networks', equal widths). Extraction records it; a set extracted before the record
        reads its backbone configuration, and an imported dump (origin `dump`) counts as one."""
        info = self.meta.get("info", {})
        if "streams" in info:
            return int(info["streams"])
        if info.get("origin") == "dump":
            return 1
        backbone = info.get("config", {}).get("skeleton", {}).get("backbone", {})
        return len(backbone.get("inputs", ())) if backbone.get("multistream") else 1

    @property
    def has_validation(self) -> bool:
        return all(p in self.parts for p in VAL_PARTS)


def write_part(folder: Path, name: str, part: Part, info: dict[str, Any] | None = None) -> None:
    """Write one part as `<name>.parquet` into an artifact folder being built."""
    if name not in PARTS:
        raise ValueError(f"unknown feature part {name!r}")
    cols: dict[str, Any] = {
        "sample_id": [str(s) for s in part.sample_id],
        "class_idx": np.asarray(part.class_idx, dtype=np.int32),
        "feature": np.asarray(part.feature, dtype=np.float32),
    }
    meta: dict[str, Any] = {"part": name, "seen_classes": [int(c) for c in part.seen_classes], **(info or {})}
    if part.logits is not None:
        cols["logits"] = np.asarray(part.logits, dtype=np.float32)
    if part.temporal is not None:
        t = np.asarray(part.temporal, dtype=np.float32)
        meta["temporal_shape"] = list(t.shape[1:])
        cols["temporal"] = t.reshape(len(t), int(np.prod(t.shape[1:])))
    if part.projection is not None:
        cols["projection"] = np.asarray(part.projection, dtype=np.float32)
    write_table(folder / f"{name}.parquet", cols, meta)


def read_part(path: Path, temporal: bool = True) -> Part:
    """A part; without `temporal`, its time-resolved column (4x the rest in size) is left unread."""
    cols, meta = read_table(path, exclude=() if temporal else ("temporal",))
    for need in ("sample_id", "class_idx", "feature"):
        if need not in cols:
            raise PipelineError(f"{path}: feature table lacks column {need!r}")
    steps = cols.get("temporal")
    if steps is not None and meta.get("temporal_shape"):
        steps = steps.reshape(len(steps), *meta["temporal_shape"])
    return Part(
        sample_id=cols["sample_id"].astype(str),
        class_idx=cols["class_idx"].astype(np.int64),
        feature=cols["feature"].astype(np.float32),
        logits=cols.get("logits"),
        temporal=steps,
        seen_classes=tuple(meta.get("seen_classes", ())),
        projection=cols["projection"].astype(np.float32) if "projection" in cols else None,
    )


def load_feature_set(store: Store, key: str, temporal: bool = True) -> FeatureSet:
    """The feature set `key`; `temporal=False` skips the time-resolved features (only the temporal
    frequency mode uses them)."""
    store.require(KIND, key)
    folder = store.path(KIND, key)
    meta = store.meta(KIND, key)
    parts = {p: read_part(folder / f"{p}.parquet", temporal) for p in PARTS if (folder / f"{p}.parquet").is_file()}
    missing = [p for p in MAIN_PARTS if p not in parts]
    if missing:
        raise PipelineError(f"{folder}: feature set lacks parts {missing}")
    return FeatureSet(key=key, parts=parts, meta=meta)
