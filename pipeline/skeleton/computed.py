"""The feature-part columns computed when a feature set is read, never stored: the hand-crafted motion
descriptor (descriptor.py) and the backbone's channels per body part (bodyparts.py). Computing them from
the prepared clips a feature set records means adding one re-extracts and retrains nothing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.artifacts.feature_sets import FeatureSet
from pipeline.store import Store

COMPUTED = ("descriptor", "bodyparts")


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
