"""`zssar skeleton prepare / fit / extract / import-dump`: the skeleton side, cache first.

The cache is checked once per call, here, from the configuration alone (pipeline/skeleton/keys.py), and
said once; an artifact missing here is pulled from the configured remote (`remote`) when it has it; torch
and a device are set up only by the modules that have work to do (fit.py, extract.py). A text objective
(`skeleton.backbone.objective`) gets the dataset's text features from here (`zssar embed` made them): the
skeleton library never reads text artifacts itself.
"""

from __future__ import annotations

import copy

import numpy as np

from pipeline.artifacts.kinds import BACKBONE, SKELETON_FEATURES, feature_ref
from pipeline.catalog import Dataset, Split
from pipeline.config import Config
from pipeline.console import summary
from pipeline.errors import PipelineError
from pipeline.skeleton.dumps import import_dump
from pipeline.skeleton.keys import (
    ClassTexts,
    backbone_keys,
    features_spec,
    is_main_process,
    roles,
    unseen_subjects,
    uses_text,
)
from pipeline.skeleton.prepare import data_key_for, data_ref, prepare_dataset, prepared_for
from pipeline.store import Store
from pipeline.store.sync import pull_if_configured, pull_ref_if_configured

__all__ = ["extract_features", "fit_backbones", "import_dump", "prepare_dataset"]


def fit_backbones(dataset: Dataset, split: Split, cfg: Config) -> dict[str, str]:
    """Train (or find cached) the "main" and "val" backbones of a split; returns role -> store key."""
    store = Store(cfg.store)
    text = class_texts(dataset, cfg)
    data_key = _data_key(store, dataset, cfg)
    keys = _cached_backbones(store, data_key, split, cfg, text) if data_key is not None else None
    if keys is not None:
        return keys
    from pipeline.skeleton.fit import fit_prepared

    data_key, prepared = prepared_for(dataset, cfg)
    return fit_prepared(prepared, data_key, split, cfg, text=text)


def extract_features(dataset: Dataset, split: Split, cfg: Config) -> str:
    """Fit (or find) the split's backbones, write their features as one store artifact; returns its key."""
    cfg = copy.deepcopy(cfg)
    cfg.skeleton.unseen_test = unseen_subjects(cfg, dataset)
    store = Store(cfg.store)
    ref = feature_ref(dataset.name, split.slug)
    text = class_texts(dataset, cfg)
    data_key = _data_key(store, dataset, cfg)
    backbones = _cached_backbones(store, data_key, split, cfg, text) if data_key is not None else None
    if data_key is not None and backbones is not None:
        _, key = features_spec(data_key, split, cfg, backbones)
        if pull_if_configured(store, cfg.remote, SKELETON_FEATURES, key):
            if is_main_process():
                summary(f"skeleton features {split.name}: cached, key {key}")
                store.set_ref(ref, SKELETON_FEATURES, key)
            return key
    from pipeline.skeleton.extract import extract_prepared
    from pipeline.skeleton.fit import fit_prepared

    data_key, prepared = prepared_for(dataset, cfg)
    backbones = backbones or fit_prepared(prepared, data_key, split, cfg, text=text)
    return extract_prepared(prepared, data_key, split, cfg, backbones, ref=ref)


def class_texts(dataset: Dataset, cfg: Config) -> ClassTexts | None:
    """The fused text vectors (all fields) a text objective trains against, with their key; None for `ce`."""
    if not uses_text(cfg.skeleton.backbone):
        return None
    from pipeline.stages.embed import text_features_for

    text = text_features_for(dataset, cfg)
    table = np.asarray(text.fused(), dtype=np.float32)
    if table.shape[0] != dataset.num_classes:
        raise PipelineError(
            f"text features {text.key}: {table.shape[0]} classes, dataset {dataset.name} has "
            f"{dataset.num_classes}; re-run `zssar embed --dataset {dataset.path or dataset.name}`"
        )
    return ClassTexts(text.key, table)


def _data_key(store: Store, dataset: Dataset, cfg: Config) -> str | None:
    """The prepared data's key (its ref pulled from the remote first, for real data prepared elsewhere)."""
    if not dataset.synthetic:
        pull_ref_if_configured(store, cfg.remote, data_ref(dataset))
    return data_key_for(dataset, cfg)


def _cached_backbones(
    store: Store, data_key: str, split: Split, cfg: Config, text: ClassTexts | None
) -> dict[str, str] | None:
    """The split's backbone keys when both are in the store or pulled from the remote (said once, by the
    main process), else None."""
    keys = backbone_keys(data_key, split, cfg, text.key if text else None)
    if not all([pull_if_configured(store, cfg.remote, BACKBONE, key) for key in keys.values()]):
        return None
    if is_main_process():
        for role, key in keys.items():
            summary(f"backbone {role}: cached, {len(roles(split)[role][0])} classes, key {key}")
    return keys
