"""The feature-part columns computed when a feature set is read, never stored: the hand-crafted motion
descriptor (descriptor.py) and the backbone's channels per body part (bodyparts.py). Computing them from
the prepared clips a feature set records means adding one re-extracts and retrains nothing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.artifacts.feature_sets import FeatureSet, Part
from pipeline.errors import PipelineError
from pipeline.skeleton.layouts import Layout
from pipeline.store import Store


@dataclass
class SourceClips:
    """The prepared clips a feature set was extracted from, and each of its parts' rows among them."""

    x: Any  # (N, M, T, J, 3), a memory map
    layout: Layout
    rows: dict[str, np.ndarray]  # part name -> its clips' rows of x, in the part's order

    def parts(self, fs: FeatureSet) -> Iterator[tuple[str, Part, np.ndarray]]:
        for name, part in fs.parts.items():
            yield name, part, self.rows[name]


def source_clips(store: Store, fs: FeatureSet, column: str) -> SourceClips:
    """The clips behind `fs` (its info's `data`), for computing `column` from them; a feature set that
    records none (an imported dump) or a part whose clips are not there is refused by name."""
    from pipeline.skeleton.prepare import KIND, layout_of, load_prepared

    data_key = fs.meta.get("info", {}).get("data")
    if not data_key:
        raise PipelineError(
            f"feature set {fs.key}: the {column} is computed from the prepared skeleton clips, and this feature "
            f"set records none (an imported dump has none); extract features from a dataset with "
            f"`zssar skeleton extract`"
        )
    store.require(KIND, data_key)
    prepared = load_prepared(store, data_key)
    index = {sid: i for i, sid in enumerate(prepared.sample_id)}
    rows = {}
    for name, part in fs.parts.items():
        missing = [sid for sid in part.sample_id if sid not in index]
        if missing:
            raise PipelineError(
                f"feature set {fs.key} part {name}: clip {missing[0]!r} is not in its prepared data {data_key}"
            )
        rows[name] = np.array([index[sid] for sid in part.sample_id], dtype=np.int64)
    return SourceClips(prepared.x, layout_of(store, data_key), rows)


def with_computed(store: Store, fs: FeatureSet, reads: Iterable[str], device: Any = "cpu") -> FeatureSet:
    """The feature set with the computed columns among `reads` (the methods' `inputs`) filled in."""
    wanted = set(reads)
    if "descriptor" in wanted:
        from pipeline.skeleton.descriptor import with_descriptors

        fs = with_descriptors(store, fs)
    if "bodyparts" in wanted:
        from pipeline.skeleton.bodyparts import with_bodyparts

        fs = with_bodyparts(store, fs, device)
    return fs
