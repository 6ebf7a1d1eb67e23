"""The kinds of artifact in the store, and the refs that name the newest of each per dataset.

Each kind's files are written and read by one module of this package (its docstring gives the format):

    kind                module                         made by
    text-features       artifacts/text_features.py     zssar embed
    skeleton-data       skeleton/prepare.py            zssar skeleton prepare
    backbone            artifacts/backbones.py         zssar skeleton fit
    skeleton-features   artifacts/feature_sets.py      zssar skeleton extract, skeleton import-dump
    zsl-model           artifacts/saved_models.py      zssar train
    zsl-classifier      artifacts/saved_models.py      zssar predict (a saved model's scorer for new classes)
"""

from __future__ import annotations

TEXT_FEATURES = "text-features"
SKELETON_DATA = "skeleton-data"
BACKBONE = "backbone"
SKELETON_FEATURES = "skeleton-features"
ZSL_MODEL = "zsl-model"
ZSL_CLASSIFIER = "zsl-classifier"


def text_ref(dataset_name: str) -> str:
    return f"text/{dataset_name}"


def feature_ref(dataset_name: str, split_slug: str) -> str:
    """The store ref under which the newest feature set of a dataset and split is found."""
    return f"features/{dataset_name}/{split_slug}"
