"""The `zssar skeleton fit` and `skeleton extract` stages, cache first: the store keys of a split's
backbones and features, and the cache-hit check, without torch.

A key is the hash of everything that determines the artifact, so both stages tell a full cache hit from
the configuration alone and return in well under a second; importing torch and setting up a device are
left to the modules that have work to do (fit.py, extract.py).

Parts of a feature set (DESIGN.md section 2; pipeline/features.py holds the contract):

    part             backbone  classes             subjects
    train            main      seen                training
    test_seen        main      seen                test
    test_unseen      main      unseen              test
    val_train        val       val_seen            training
    val_test_seen    val       val_seen            test
    val_test_unseen  val       val_unseen          all

`val_test_unseen` takes the pseudo-unseen classes from all subjects: the val backbone never saw those
classes, from any subject, so every clip of them is as unseen to it as `test_unseen` is to main (and
the gate fitted on them gets twice the samples).
"""

from __future__ import annotations

import os
from typing import Any

from pipeline.catalog import Dataset, Split
from pipeline.config import Config, section_dict
from pipeline.console import summary
from pipeline.errors import PipelineError
from pipeline.features import KIND as FEATURES_KIND
from pipeline.skeleton.settings import BackboneConfig
from pipeline.store import Store, hash_spec

BACKBONE_KIND = "backbone"
# Bumped when a change alters what a trained backbone computes, so cached backbones are not reused.
ARCH_VERSION = 1
EXTRACT_VERSION = 1
# Settings that change neither the weights nor the features a backbone produces (threads: at most their
# float rounding) stay out of its key.
NOT_IN_KEY = ("num_workers", "eval_batch_size", "temporal_features", "threads")


def is_main_process() -> bool:
    """Rank 0 under torchrun, or a plain process: the one that prints (before a runtime is entered)."""
    return int(os.environ.get("RANK", "0")) == 0


def roles(split: Split) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Backbone role -> (its classes, sorted = classifier-output order; the classes it must never see)."""
    return {"main": (tuple(sorted(split.seen)), tuple(sorted(split.unseen))),
            "val": (tuple(sorted(split.val_seen)), tuple(sorted(split.val_unseen)) + tuple(sorted(split.unseen)))}


def backbone_spec(data_key: str, classes: tuple[int, ...], split_name: str, bcfg: BackboneConfig, seed: int,
                  ) -> dict[str, Any]:
    """Everything that determines a backbone's weights; its hash is the store key."""
    settings = {k: v for k, v in section_dict(bcfg).items() if k not in NOT_IN_KEY}
    return {"data": data_key, "classes": list(classes), "split": split_name, "backbone": settings,
            "seed": seed, "arch": ARCH_VERSION}


def backbone_key(data_key: str, split: Split, role: str, cfg: Config) -> str:
    """The store key of a split's backbone of this role; refuses a split whose seen and unseen sets meet."""
    classes, forbidden = roles(split)[role]
    if set(classes) & set(forbidden):
        raise PipelineError(f"split {split.name}: classes {sorted(set(classes) & set(forbidden))} are both seen "
                            f"and unseen for the {role} backbone")
    return hash_spec(BACKBONE_KIND, backbone_spec(data_key, classes, split.name, cfg.skeleton.backbone, cfg.seed))


def backbone_keys(data_key: str, split: Split, cfg: Config) -> dict[str, str]:
    """Role -> store key of both backbones of a split."""
    return {role: backbone_key(data_key, split, role, cfg) for role in roles(split)}


def cached_backbones(store: Store, data_key: str, split: Split, cfg: Config) -> dict[str, str] | None:
    """The split's backbone keys when both are in the store (said once, by the main process), else None."""
    keys = backbone_keys(data_key, split, cfg)
    if not all(store.has(BACKBONE_KIND, key) for key in keys.values()):
        return None
    if is_main_process():
        for role, key in keys.items():
            summary(f"backbone {role}: cached, {len(roles(split)[role][0])} classes, key {key}")
    return keys


def parts_spec(split: Split) -> dict[str, dict[str, Any]]:
    """Part name -> which backbone, which classes and which subjects (see the module docstring)."""
    def part(role: str, classes: tuple[int, ...], subjects: str) -> dict[str, Any]:
        return {"backbone": role, "classes": sorted(classes), "subjects": subjects}

    return {
        "train": part("main", split.seen, "train"),
        "test_seen": part("main", split.seen, "test"),
        "test_unseen": part("main", split.unseen, "test"),
        "val_train": part("val", split.val_seen, "train"),
        "val_test_seen": part("val", split.val_seen, "test"),
        "val_test_unseen": part("val", split.val_unseen, "all"),
    }


def features_spec(data_key: str, split: Split, cfg: Config, backbones: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The feature set's spec and its store key."""
    spec = {"backbones": backbones, "data": data_key, "parts": parts_spec(split),
            "temporal": cfg.skeleton.backbone.temporal_features, "version": EXTRACT_VERSION}
    return spec, hash_spec(FEATURES_KIND, spec)


def cached_features(store: Store, key: str, split: Split, ref: str | None) -> bool:
    """Whether the feature set is in the store; on a hit, said by the main process, which points `ref` at it."""
    if not store.has(FEATURES_KIND, key):
        return False
    if is_main_process():
        summary(f"skeleton features {split.name}: cached, key {key}")
        if ref:
            store.set_ref(ref, FEATURES_KIND, key)
    return True


def fit_backbones(dataset: Dataset, split: Split, cfg: Config) -> dict[str, str]:
    """Train (or find cached) the "main" and "val" backbones of a split; returns role -> store key."""
    from pipeline.skeleton.prepare import prepared_for

    data_key, prepared = prepared_for(dataset, cfg)
    keys = cached_backbones(Store(cfg.store), data_key, split, cfg)
    if keys is not None:
        return keys
    from pipeline.skeleton.fit import fit_prepared

    return fit_prepared(prepared, data_key, split, cfg)


def extract_features(dataset: Dataset, split: Split, cfg: Config) -> str:
    """Fit (or find) the split's backbones, write their features as one store artifact; returns its key."""
    from pipeline.features import feature_ref
    from pipeline.skeleton.prepare import prepared_for

    data_key, prepared = prepared_for(dataset, cfg)
    store = Store(cfg.store)
    ref = feature_ref(dataset.name, split.slug)
    backbones = cached_backbones(store, data_key, split, cfg)
    if backbones is not None:
        _, key = features_spec(data_key, split, cfg, backbones)
        if cached_features(store, key, split, ref):
            return key
    from pipeline.skeleton.extract import extract_prepared
    from pipeline.skeleton.fit import fit_prepared

    backbones = backbones or fit_prepared(prepared, data_key, split, cfg)
    return extract_prepared(prepared, data_key, split, cfg, backbones, ref=ref)
